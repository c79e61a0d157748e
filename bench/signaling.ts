/**
 * Signaling benchmark: Parley against peerjs-server (the `peer` package), a bare `ws` JSON relay
 * (what a minimal hand-written server costs) and a verbatim `ws` forwarder (the raw ceiling of Node +
 * ws), same workload, same run. Prints ONE JSON line on stdout; progress goes to stderr.
 *
 *   npm run bench -- signaling [--pairs 200] [--inflight 4] [--payload 1024] [--rounds 8]
 *                              [--warmup 3] [--window 1.5] [--idle 20000]
 *                              [--targets parley,peerjs,wsRelay,wsForward]
 *                              [--idle-targets parley,peerjs,wsForward]
 *                              [--profile <target>]   (that server runs under node --cpu-prof)
 *                              [--parley-alt <bundle.js>]   (adds target parleyAlt: another server build)
 *
 * Relay phase: `pairs` client pairs per server, `inflight` signals of `payload` bytes bouncing within
 * each pair. Servers are measured one at a time in short slices (`window` s), the order rotated every
 * round, so that each server is sampled across the whole phase; the figures are ratios of sums over
 * all slices (latency percentiles over every signal). Server CPU time comes from /proc/<pid>/stat at
 * the edges of each slice.
 * Idle phase: a fresh server per target, `idle` clients connected (Parley: joined in rooms of 2),
 * resident set read after a forced full GC before and after.
 * See docs/benchmarks.md.
 */
import { cpus, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { LoadgenProcess } from './signaling/LoadgenProcess.js'
import {
  DEFAULT_TARGETS,
  type RunResult,
  TARGET_NAMES,
  type TargetName,
} from './signaling/loadgenMessages.js'
import { type ServerUnderTest, startServer } from './signaling/servers.js'
import { LatencyHistogram } from './support/LatencyHistogram.js'
import { ensureParleyServerBuilt } from './support/parleyBuild.js'
import { fdLimit, openFds, rssKiB } from './support/procStats.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const log = (message: string) => process.stderr.write(`[signaling] ${message}\n`)
const PROFILE_DIR = join(tmpdir(), 'parley-bench-profiles')
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

// ---------------------------------------------------------------- options

function positiveInt(name: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isInteger(value) || value < min) throw new UsageError(`--${name} must be an integer ≥ ${min}`)
  return value
}

function seconds(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback * 1000
  const value = Number(text)
  if (!Number.isFinite(value) || value < 0.1)
    throw new UsageError(`--${name} must be a number of seconds ≥ 0.1`)
  return Math.round(value * 1000)
}

class UsageError extends Error {}

function options() {
  try {
    return parsedOptions()
  } catch (error) {
    if (error instanceof UsageError) throw error
    throw new UsageError((error as Error).message)
  }
}

function parsedOptions() {
  const { values } = parseArgs({
    options: {
      pairs: { type: 'string' },
      inflight: { type: 'string' },
      payload: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      window: { type: 'string' },
      idle: { type: 'string' },
      targets: { type: 'string' },
      'idle-targets': { type: 'string' },
      profile: { type: 'string' },
      'parley-alt': { type: 'string' },
    },
    strict: true,
  })
  const parleyAlt = values['parley-alt']
  const targets = targetList(values.targets ?? DEFAULT_TARGETS.join(','))
  if (parleyAlt !== undefined && !targets.includes('parleyAlt')) targets.splice(1, 0, 'parleyAlt')
  if (parleyAlt === undefined && targets.includes('parleyAlt'))
    throw new UsageError('parleyAlt needs --parley-alt <bundle>')
  const idleTargets = targetList(values['idle-targets'] ?? 'parley,peerjs,wsForward').filter((name) =>
    targets.includes(name),
  )
  const profile = values.profile
  if (profile !== undefined && !(targets as string[]).includes(profile)) {
    throw new UsageError(`--profile must name one of the targets (${targets.join(', ')})`)
  }
  return {
    profile: profile as TargetName | undefined,
    parleyAlt,
    pairs: positiveInt('pairs', values.pairs, 200),
    inflight: positiveInt('inflight', values.inflight, 4),
    payloadBytes: positiveInt('payload', values.payload, 1024, 128),
    rounds: positiveInt('rounds', values.rounds, 8),
    warmupMs: seconds('warmup', values.warmup, 3),
    windowMs: seconds('window', values.window, 1.5),
    idle: positiveInt('idle', values.idle, 20_000, 0),
    targets,
    idleTargets,
  }
}

function targetList(text: string): TargetName[] {
  const names = text.split(',').map((name) => name.trim())
  for (const name of names) {
    if (!(TARGET_NAMES as readonly string[]).includes(name)) {
      throw new UsageError(`unknown target ${name} (known: ${TARGET_NAMES.join(', ')})`)
    }
  }
  return names as TargetName[]
}

type Options = ReturnType<typeof options>

// ---------------------------------------------------------------- Parley build

/** Ramp-up before each later slice: the signals are re-launched, the server is already warm. */
const SLICE_RAMP_MS = 500

const startOptions = (opts: Options) =>
  opts.parleyAlt === undefined ? {} : { parleyAltBundle: opts.parleyAlt }

// ---------------------------------------------------------------- relay phase

interface RelayFigures {
  signalsPerSec: number
  p50Ms: number
  p99Ms: number
  cpuUsPerSignal: number
  /** Server CPU use during the windows, in % of one core. */
  serverCpuPct: number
  /** Share of the server's CPU time spent in the kernel (system time), in %. */
  serverSysPct: number
  /** Load-generator CPU use during the windows, in % of one core. */
  loadgenCpuPct: number
  /** CPU used by everything else on the machine during the windows, in % of one core (noise). */
  otherCpuPct: number
  cpuUsPerSignalRounds: number[]
  errors: number
  firstError?: string
}

const round2 = (value: number) => Math.round(value * 100) / 100

function relayFigures(runs: readonly RunResult[]): RelayFigures {
  const histogram = new LatencyHistogram()
  for (const run of runs) histogram.merge(run.latency)
  const sum = (pick: (run: RunResult) => number) => runs.reduce((total, run) => total + pick(run), 0)
  // Ratios of sums over every slice: short slices spread each target over the whole phase, so that
  // the machine's other load weighs on every target alike; summing also evens out the 10 ms ticks.
  const windowMs = sum((run) => run.windowMs)
  const signals = sum((run) => run.signals)
  const serverCpuUs = sum((run) => run.serverCpuUs)
  const loadgenCpuUs = sum((run) => run.loadgenCpuUs)
  const otherCpuUs = sum((run) => Math.max(0, run.machineCpuUs - run.serverCpuUs - run.loadgenCpuUs))
  const percentOfCore = (micros: number) => Math.round(micros / (windowMs * 10))
  const firstError = runs.find((run) => run.firstError !== undefined)?.firstError
  return {
    signalsPerSec: Math.round((signals * 1000) / windowMs),
    p50Ms: round2(histogram.quantile(0.5) / 1000),
    p99Ms: round2(histogram.quantile(0.99) / 1000),
    cpuUsPerSignal: round2(serverCpuUs / signals),
    serverCpuPct: percentOfCore(serverCpuUs),
    serverSysPct: Math.round((100 * sum((run) => run.serverSystemCpuUs)) / serverCpuUs),
    loadgenCpuPct: percentOfCore(loadgenCpuUs),
    otherCpuPct: percentOfCore(otherCpuUs),
    cpuUsPerSignalRounds: runs.map((run) => round2(run.serverCpuUs / run.signals)),
    errors: sum((run) => run.errors),
    ...(firstError === undefined ? {} : { firstError }),
  }
}

async function relayPhase(opts: Options): Promise<Map<TargetName, RelayFigures>> {
  const setups: Array<{ target: TargetName; server: ServerUnderTest; loadgen: LoadgenProcess }> = []
  const runs = new Map<TargetName, RunResult[]>()
  try {
    for (const [index, target] of opts.targets.entries()) {
      const profiled = opts.profile === target
      const server = await startServer(target, root, {
        nodeArgs: profiled ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [],
        ...startOptions(opts),
      })
      if (profiled)
        log(`${target}: CPU profile goes to ${PROFILE_DIR} (its figures include the profiler's cost)`)
      const loadgen = new LoadgenProcess(root)
      setups.push({ target, server, loadgen })
      const { clients } = await loadgen.setupRelay({
        target,
        port: server.port,
        pairs: opts.pairs,
        inflight: opts.inflight,
        payloadBytes: opts.payloadBytes,
        serverPid: server.pid,
        localAddresses: [`127.1.${index}.1`],
        tag: 'r',
      })
      log(`${target}: ${clients} relay clients connected (server pid ${server.pid})`)
      runs.set(target, [])
    }
    for (let round = 0; round < opts.rounds; round++) {
      // Rotate the order so that no server always runs first (or right after the same neighbour).
      const order = setups.map((_, i) => setups[(i + round) % setups.length]!)
      for (const { target, server, loadgen } of order) {
        const result = await loadgen.run({
          warmupMs: round === 0 ? opts.warmupMs : SLICE_RAMP_MS,
          windowMs: opts.windowMs,
        })
        runs.get(target)?.push(result)
        log(
          `round ${round + 1}/${opts.rounds} ${target}: ${Math.round((result.signals * 1000) / result.windowMs)} signals/s, ` +
            `${(result.serverCpuUs / result.signals).toFixed(2)} µs CPU/signal, ` +
            `server ${Math.round(result.serverCpuUs / (result.windowMs * 10))} % CPU, ` +
            `others ${Math.round(Math.max(0, result.machineCpuUs - result.serverCpuUs - result.loadgenCpuUs) / (result.windowMs * 10))} %` +
            (result.errors > 0 ? `, ${result.errors} errors (${result.firstError})` : ''),
        )
        if (result.signals === 0) throw new Error(`${target}: no signal relayed\n${server.stderr()}`)
      }
    }
  } finally {
    await Promise.all(setups.map(({ loadgen }) => loadgen.stop()))
    await Promise.all(setups.map(({ server }) => server.stop()))
  }
  return new Map([...runs].map(([target, results]) => [target, relayFigures(results)]))
}

// ---------------------------------------------------------------- idle phase

interface IdleFigures {
  rssPerIdleConnKiB: number
  idleConnections: number
  idleConnectSeconds: number
}

/** VmRSS after two forced full collections (the servers run the gcOnSignal preload). */
async function rssAfterGc(pid: number): Promise<number> {
  for (let i = 0; i < 2; i++) {
    process.kill(pid, 'SIGUSR2')
    await sleep(600)
  }
  return rssKiB(pid)
}

const IDLE_LOADGENS = 2
/** File descriptors left to the server beyond the idle connections (logs, timers, the benchmark's probes). */
const FD_HEADROOM = 40

async function idlePhase(opts: Options, target: TargetName, index: number): Promise<IdleFigures> {
  const server = await startServer(target, root, startOptions(opts))
  const loadgens = Array.from({ length: IDLE_LOADGENS }, () => new LoadgenProcess(root))
  try {
    // Warm the connection path up (code loaded and optimised) before the baseline.
    const first = loadgens[0]!
    await first.openIdle({
      target,
      port: server.port,
      pairs: 100,
      localAddresses: [`127.3.${index}.1`],
      concurrency: 50,
      tag: 'w',
    })
    await first.closeIdle()
    await sleep(500)
    const before = await rssAfterGc(server.pid)

    // The server holds one descriptor per connection: stay below its open-files limit.
    const room = fdLimit(server.pid) - openFds(server.pid) - FD_HEADROOM
    const wanted = Math.min(opts.idle, room)
    if (wanted < opts.idle)
      log(`${target}: fd limit ${fdLimit(server.pid)} allows ${wanted} idle clients, not ${opts.idle}`)
    const pairsPerLoadgen = Math.floor(wanted / 2 / IDLE_LOADGENS)
    const started = performance.now()
    const results = await Promise.all(
      loadgens.map((loadgen, g) =>
        loadgen.openIdle({
          target,
          port: server.port,
          pairs: pairsPerLoadgen,
          // ≤ 2000 connections per source address: ephemeral ports never run short.
          localAddresses: Array.from(
            { length: Math.ceil((pairsPerLoadgen * 2) / 2000) },
            (_, k) => `127.4.${index * IDLE_LOADGENS + g}.${k + 1}`,
          ),
          concurrency: 100,
          tag: `g${g}`,
        }),
      ),
    )
    const seconds = (performance.now() - started) / 1000
    const connections = results.reduce((sum, result) => sum + result.connections, 0)
    const failed = results.reduce((sum, result) => sum + result.failed, 0)
    if (failed > 0)
      log(`${target}: ${failed} idle clients failed: ${results.find((r) => r.firstError)?.firstError}`)
    if (connections === 0) throw new Error(`${target}: no idle client connected\n${server.stderr()}`)
    await sleep(500)
    const after = await rssAfterGc(server.pid)
    log(`${target}: ${connections} idle clients in ${seconds.toFixed(1)} s, RSS ${before} → ${after} KiB`)
    return {
      rssPerIdleConnKiB: round2((after - before) / connections),
      idleConnections: connections,
      idleConnectSeconds: round2(seconds),
    }
  } finally {
    await Promise.all(loadgens.map((loadgen) => loadgen.stop()))
    await server.stop()
  }
}

// ---------------------------------------------------------------- main

const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || b === 0 ? null : Math.round((a / b) * 1000) / 1000

/** Whatever happens (a hung server, a starved machine), the benchmark ends by then. */
const DEADLINE_MS = 8 * 60_000

async function main(): Promise<void> {
  const opts = options()
  setTimeout(() => {
    log(`still running after ${DEADLINE_MS / 60_000} min: giving up`)
    process.exit(1)
  }, DEADLINE_MS).unref()
  if (opts.targets.includes('parley')) ensureParleyServerBuilt(root, log)
  const started = performance.now()
  const relay = await relayPhase(opts)
  const idle = new Map<TargetName, IdleFigures>()
  if (opts.idle > 0) {
    for (const [index, target] of opts.idleTargets.entries()) {
      idle.set(target, await idlePhase(opts, target, index))
    }
  }

  const figures = (target: TargetName) => ({ ...relay.get(target), ...idle.get(target) })
  const compared = ['signalsPerSec', 'p50Ms', 'p99Ms', 'cpuUsPerSignal', 'rssPerIdleConnKiB'] as const
  const ratios = (other: TargetName, base: TargetName = 'parley') =>
    Object.fromEntries(compared.map((key) => [key, ratio(figures(base)[key], figures(other)[key])]))

  const output = {
    bench: 'signaling',
    pairs: opts.pairs,
    inflightPerPair: opts.inflight,
    payloadBytes: opts.payloadBytes,
    rounds: opts.rounds,
    windowS: opts.windowMs / 1000,
    idleTarget: opts.idle,
    ...(opts.profile === undefined ? {} : { profiled: opts.profile }),
    node: process.version,
    cpus: cpus().length,
    ...Object.fromEntries(opts.targets.map((target) => [target, figures(target)])),
    ...(opts.targets.includes('parley') && opts.targets.includes('peerjs')
      ? { ratio: ratios('peerjs') }
      : {}),
    ...(opts.targets.includes('parley') && opts.targets.includes('parleyAlt')
      ? { ratioAltToParley: ratios('parley', 'parleyAlt') }
      : {}),
    ...(opts.targets.includes('parley') && opts.targets.includes('wsForward')
      ? { ratioToCeiling: ratios('wsForward') }
      : {}),
    ...(opts.targets.includes('parley') && opts.targets.includes('peerjs')
      ? {
          // The goal: Parley spends at most half of peerjs-server's CPU per relayed signal.
          cpuGoalMet:
            (figures('parley').cpuUsPerSignal ?? Infinity) <= 0.5 * (figures('peerjs').cpuUsPerSignal ?? 0),
        }
      : {}),
    seconds: Math.round((performance.now() - started) / 1000),
  }
  process.stdout.write(`${JSON.stringify(output)}\n`)
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error))
    process.exit(error instanceof UsageError ? 2 : 1)
  },
)
