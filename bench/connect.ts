/**
 * Connect benchmark: join → first data channel open between two Chromium processes, for
 * - `parley`: `Room.join(server, room)` → the participant is `connected` (SDK reliable channel open),
 * - `raw`: a bare RTCPeerConnection + a bare `ws` relay (bench/signaling/wsRelayServer.mjs),
 * - `peerjs`: PeerJS (`peerjs` client, `peer` server): `new Peer(id)` → `peer.connect(remote)` → 'open',
 * interleaved run by run (the order rotates every iteration). Prints ONE JSON line on stdout.
 *
 *   npm run bench -- connect [--runs 40] [--warmup 3] [--variants raw,peerjs,parley] [--gap 100] [--phases]
 *                            [--profile]
 *
 * Each run: page A (browser process 1) waits (raw: relay socket open; peerjs: Peer open; parley: joined
 * an empty room), then page B (browser process 2) starts the clock and joins / connects; `joinMs` is
 * B's time from the start to its own open channel, `bothOpenMs` until the channel is open on both
 * sides (wall clock of the two processes); `mainThreadCpuMsA/B` the CPU time each page's main thread
 * used meanwhile (/proc schedstat: the JavaScript's own cost, whatever the load). Everything is closed between runs. `--phases` wraps
 * RTCPeerConnection and WebSocket in both pages to split each run into phases (bench/webrtc/phases.ts);
 * the wrappers cost a little, so compare totals from runs without it. `--profile` writes V8 CPU profiles
 * of both pages over the whole run (use with `--variants` to profile one). See docs/benchmarks.md.
 */
import { cpus, loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { intOption, parseUsage, runMain, variantList } from './support/cli.js'
import { mainThreadSchedNs } from './support/processTree.js'
import { median, quantile, ratio, round1 } from './support/summary.js'
import { hardDeadline, openWebRtcHarness, sleep } from './webrtc/harness.js'
import type { ConnectArgs, Variant } from './webrtc/page.js'
import { PHASES, type Phase, phasesOf } from './webrtc/phases.js'
import { startProfiler } from './webrtc/profiler.js'
import { pageRendererPid } from './webrtc/taskTrace.js'

const log = (message: string) => process.stderr.write(`[connect] ${message}\n`)
const VARIANTS: readonly Variant[] = ['raw', 'peerjs', 'parley']

function options() {
  return parseUsage(parsedOptions)
}

function parsedOptions() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string' },
      warmup: { type: 'string' },
      variants: { type: 'string' },
      gap: { type: 'string' },
      phases: { type: 'boolean' },
      profile: { type: 'boolean' },
    },
    strict: true,
  })
  const variants = variantList(values.variants, VARIANTS)
  return {
    runs: intOption('runs', values.runs, 40, 1),
    warmup: intOption('warmup', values.warmup, 3, 0),
    gapMs: intOption('gap', values.gap, 100, 0),
    variants,
    phases: values.phases ?? false,
    profile: values.profile ?? false,
  }
}

interface Sample {
  readonly iteration: number
  readonly joinMs: number
  readonly bothOpenMs: number
  /** Main-thread CPU time of each page from B's start to both channels open (ms). */
  readonly mainCpuA: number
  readonly mainCpuB: number
  readonly phases?: Record<Phase, number>
  readonly offerer?: 'A' | 'B'
}

/** Median of every phase over the runs that could be split, and who offered how often. */
function phaseMedians(samples: readonly Sample[]) {
  const split = samples.filter((s) => s.phases !== undefined)
  return {
    runs: split.length,
    joinerOffered: split.filter((s) => s.offerer === 'B').length,
    joinP50JoinerOfferedMs: round1(median(split.filter((s) => s.offerer === 'B').map((s) => s.joinMs))),
    joinP50ListenerOfferedMs: round1(median(split.filter((s) => s.offerer === 'A').map((s) => s.joinMs))),
    ...Object.fromEntries(PHASES.map((p) => [p, round1(median(split.map((s) => s.phases?.[p] ?? 0)))])),
  }
}

const DEADLINE_MS = 170_000
const RUN_TIMEOUT_MS = 20_000

async function main(): Promise<void> {
  const opts = options()
  hardDeadline(DEADLINE_MS, log)
  const began = performance.now()
  const load = [loadavg()[0] ?? 0]
  const targets = [
    ...(opts.variants.includes('raw') ? (['wsRelay'] as const) : []),
    ...(opts.variants.includes('peerjs') ? (['peerjs'] as const) : []),
    ...(opts.variants.includes('parley') ? (['parley'] as const) : []),
  ]
  const h = await openWebRtcHarness(targets, log)
  const [pageA, pageB] = h.pages
  if (opts.phases) await Promise.all(h.pages.map((page) => page.evaluate(() => window.Bench.instrument())))
  const origins = await Promise.all(h.pages.map((page) => page.evaluate(() => window.Bench.timeOrigin())))
  const renderers: number[] = []
  for (const page of h.pages) renderers.push(await pageRendererPid(page))
  const mainCpuNs = () => renderers.map((pid) => mainThreadSchedNs(pid).runNs)
  const chromium = pageA.context().browser()?.version() ?? (await pageA.evaluate(() => navigator.userAgent))
  const profilers = opts.profile ? await Promise.all(h.pages.map(startProfiler)) : undefined
  const samples = new Map<Variant, Sample[]>(opts.variants.map((v) => [v, []]))
  const failures = new Map<Variant, string[]>(opts.variants.map((v) => [v, []]))
  const tag = Math.random().toString(36).slice(2, 8)
  try {
    const iterations = opts.warmup + opts.runs
    for (let i = 0; i < iterations; i++) {
      const measured = i >= opts.warmup
      const order = opts.variants.map((_, k) => opts.variants[(k + i) % opts.variants.length]!)
      const line: string[] = []
      for (const variant of order) {
        const base = { variant, servers: h.servers, room: `c-${tag}-${variant}-${i}` }
        const a: ConnectArgs = { ...base, localId: `${tag}-${i}-a`, remoteId: `${tag}-${i}-b` }
        const b: ConnectArgs = { ...base, localId: `${tag}-${i}-b`, remoteId: `${tag}-${i}-a` }
        try {
          const run = (async () => {
            await pageA.evaluate((args) => window.Bench.listen('c', args), a)
            const cpuBefore = mainCpuNs()
            const joined = await pageB.evaluate((args) => window.Bench.connect('c', args), b)
            const remoteOpen = await pageA.evaluate(() => window.Bench.opened('c'))
            const cpu = mainCpuNs().map((ns, k) => (ns - (cpuBefore[k] ?? 0)) / 1e6)
            const split = opts.phases
              ? phasesOf(
                  { origin: origins[0]!, marks: await pageA.evaluate(() => window.Bench.takeMarks()) },
                  { origin: origins[1]!, marks: await pageB.evaluate(() => window.Bench.takeMarks()) },
                  joined.start,
                  joined.open,
                )
              : undefined
            return {
              joinMs: joined.open - joined.start,
              bothOpenMs: Math.max(joined.open, remoteOpen) - joined.start,
              mainCpuA: cpu[0] ?? 0,
              mainCpuB: cpu[1] ?? 0,
              ...(split ?? {}),
            }
          })()
          const timeout = sleep(RUN_TIMEOUT_MS).then(() => {
            throw new Error(`run timed out after ${RUN_TIMEOUT_MS} ms`)
          })
          const result = await Promise.race([run, timeout])
          line.push(`${variant} ${result.joinMs.toFixed(1)}/${result.bothOpenMs.toFixed(1)}`)
          if (measured) samples.get(variant)?.push({ iteration: i, ...result })
        } catch (error) {
          const message = (error as Error).message.split('\n')[0] ?? String(error)
          line.push(`${variant} FAILED`)
          log(`${variant} run ${i}: ${message}`)
          if (measured) failures.get(variant)?.push(message)
        } finally {
          await Promise.all([
            pageA.evaluate(() => window.Bench.reset()),
            pageB.evaluate(() => window.Bench.reset()),
          ]).catch((error: unknown) => log(`reset failed: ${(error as Error).message}`))
          await sleep(opts.gapMs)
        }
      }
      log(`${measured ? 'run' : 'warm-up'} ${i + 1}/${iterations}: ${line.join(', ')} ms (join/both)`)
    }
  } finally {
    if (profilers) {
      const names = ['pageA-listener', 'pageB-joiner']
      for (const [k, stop] of profilers.entries()) log(`profile: ${await stop(`connect-${names[k]}`)}`)
    }
    await h.close()
  }
  load.push(loadavg()[0] ?? 0)

  const figures = (variant: Variant) => {
    const s = samples.get(variant) ?? []
    const join = s.map((x) => x.joinMs)
    const both = s.map((x) => x.bothOpenMs)
    return {
      runs: s.length,
      failures: failures.get(variant)?.length ?? 0,
      joinP10Ms: round1(quantile(join, 0.1)),
      joinP50Ms: round1(quantile(join, 0.5)),
      joinP95Ms: round1(quantile(join, 0.95)),
      joinMinMs: round1(Math.min(...join)),
      joinMaxMs: round1(Math.max(...join)),
      bothOpenP50Ms: round1(quantile(both, 0.5)),
      bothOpenP95Ms: round1(quantile(both, 0.95)),
      mainThreadCpuMsA: round1(median(s.map((x) => x.mainCpuA))),
      mainThreadCpuMsB: round1(median(s.map((x) => x.mainCpuB))),
      ...(opts.phases ? { phasesP50Ms: phaseMedians(s) } : {}),
    }
  }
  const table = Object.fromEntries(opts.variants.map((v) => [v, figures(v)]))
  /** Median over iterations of parley / other in the same iteration (both measured back to back). */
  const paired = (other: Variant) => {
    const mine = new Map((samples.get('parley') ?? []).map((s) => [s.iteration, s.joinMs]))
    const ratios = (samples.get(other) ?? [])
      .filter((s) => mine.has(s.iteration))
      .map((s) => (mine.get(s.iteration) ?? 0) / s.joinMs)
    return ratios.length === 0 ? null : Math.round(median(ratios) * 1000) / 1000
  }
  const compare = (other: Variant) =>
    table.parley && table[other]
      ? {
          joinP10: ratio(table.parley.joinP10Ms, table[other].joinP10Ms),
          joinP50: ratio(table.parley.joinP50Ms, table[other].joinP50Ms),
          joinP95: ratio(table.parley.joinP95Ms, table[other].joinP95Ms),
          bothOpenP50: ratio(table.parley.bothOpenP50Ms, table[other].bothOpenP50Ms),
          pairedJoinMedian: paired(other),
        }
      : null
  const toRaw = compare('raw')
  const toPeerjs = compare('peerjs')
  const output = {
    bench: 'connect',
    runs: opts.runs,
    warmup: opts.warmup,
    chromium,
    cpus: cpus().length,
    loadavg1m: load.map((l) => Math.round(l * 10) / 10),
    ...table,
    ratio: { parleyToRaw: toRaw, parleyToPeerjs: toPeerjs },
    goals: {
      p50AtMost1_2xRaw: toRaw?.joinP50 == null ? null : toRaw.joinP50 <= 1.2,
      notSlowerThanPeerjs: toPeerjs?.joinP50 == null ? null : toPeerjs.joinP50 <= 1,
    },
    seconds: Math.round((performance.now() - began) / 100) / 10,
  }
  process.stdout.write(`${JSON.stringify(output)}\n`)
}

runMain(main, log)
