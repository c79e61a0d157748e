/**
 * File transfer, terminal → terminal and browser → browser (bench/transfer/browser.ts).
 *
 * Terminal → terminal: Parley's engine (file on disk → SHA-256 → data channel →
 * SHA-256 → file on disk) beside raw node-datachannel (a preallocated buffer, no disk, no hash: the
 * ceiling), each end in its own process; chunk sizes 16/64/256 KiB (and, with `--targets …,rawio`, raw
 * code that reads, hashes and writes like Parley, see transfer/peer.ts); connection open time with the
 * usual trickle code and with Parley's held candidates; peak RSS, and a big transfer for the
 * receiver's memory.
 *
 * Browser → browser: Parley (TransferManager, SHA-256, OPFS) beside raw RTCDataChannel code, PeerJS
 * ('raw', 'binary') and simple-peer, between two Chromium processes; each transfer stops at
 * `--browser-budget` seconds (the MiB actually moved are reported). Before the measured rounds, each
 * variant runs once for `--browser-warmup` seconds (0: none), not counted: the first transfer of a fresh
 * browser pays for compiling and first-use set-up, and would weigh on whichever variant comes first.
 * After them, each variant runs once for `--browser-stall-pass` seconds with both pages' main threads
 * traced (the CPU time of their longest tasks); the rounds are not traced (tracing costs per task).
 *
 * Prints one JSON line (progress on stderr). See docs/file-transfer.md.
 *
 *   npm run bench -- transfer [--size 256] [--rounds 3] [--big 4096] [--open-rounds 6]
 *                             [--targets raw,parley16,parley64,parley256]
 *                             [--files 2000] [--file-kib 4] [--file-rounds 3]
 *                             [--browser-mib 512] [--browser-rounds 1] [--browser-budget 40]
 *                             [--browser-warmup 3] [--browser-stall-pass 15]
 *                             [--browser-variants parley,raw,simplePeer,peerjsBinary,peerjsRaw]
 *                             [--browser-only | --terminal-only] [--cpu-prof <dir>]
 *
 * `--cpu-prof <dir>`: each terminal peer writes a V8 CPU profile of its transfer into <dir>.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeRandomFile } from '../packages/client/test/transfer/support.js'
import { ALL_VARIANTS, browserTransfer, TRANSFER_VARIANTS, type TransferVariant } from './transfer/browser.js'

const here = dirname(fileURLToPath(import.meta.url))
const MiB = 1024 * 1024

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback
}
const sizeMiB = Number(arg('size', '256'))
const rounds = Number(arg('rounds', '3'))
const bigMiB = Number(arg('big', '4096'))
const openRounds = Number(arg('open-rounds', '6'))
const manyFiles = Number(arg('files', '2000'))
const fileKiB = Number(arg('file-kib', '4'))
const fileRounds = Number(arg('file-rounds', '3'))
const targets = arg('targets', 'raw,parley16,parley64,parley256').split(',')
const cpuProfDir = arg('cpu-prof', '')
const browserOnly = process.argv.includes('--browser-only')
const terminalOnly = process.argv.includes('--terminal-only')
const browserMiB = Number(arg('browser-mib', '512'))
const browserRounds = Number(arg('browser-rounds', '1'))
const browserBudget = Number(arg('browser-budget', '40'))
const browserWarmup = Number(arg('browser-warmup', '3'))
const browserStallPass = Number(arg('browser-stall-pass', '15'))
const browserVariants = arg('browser-variants', TRANSFER_VARIANTS.join(',')).split(',') as TransferVariant[]
for (const v of browserVariants) {
  if (!(ALL_VARIANTS as readonly string[]).includes(v)) {
    process.stderr.write(`unknown browser variant ${v} (${ALL_VARIANTS.join(',')})\n`)
    process.exit(2)
  }
}
if (browserOnly && terminalOnly) {
  process.stderr.write('--browser-only and --terminal-only exclude each other\n')
  process.exit(2)
}
for (const [name, value, min] of [
  ['browser-mib', browserMiB, 1],
  ['browser-rounds', browserRounds, 1],
  ['browser-budget', browserBudget, 1],
  ['browser-warmup', browserWarmup, 0],
  ['browser-stall-pass', browserStallPass, 0],
  ['files', manyFiles, 0],
  ['file-kib', fileKiB, 0],
  ['file-rounds', fileRounds, 1],
] as const) {
  if (!Number.isInteger(value) || value < min) {
    process.stderr.write(`--${name} must be an integer ≥ ${min}\n`)
    process.exit(2)
  }
}

interface Result {
  seconds: number
  /** CPU time of the whole process during the transfer (all threads), ms. */
  cpuUserMs: number
  cpuSystemMs: number
  maxRssMiB: number
  /** Receiver: ms from the channel to the first data byte, and from the last data byte to the end. */
  firstByteMs?: number
  afterLastByteMs?: number
}
type Signaling = 'naive' | 'held' | 'active'

interface Run {
  openMs: number
  sender: Result
  receiver: Result
}

/** SCTP settings (node-datachannel's setSctpSettings) a target suffixed `~<name>` runs with. */
const sctpPresets: Record<string, string> = {
  buf4: JSON.stringify({ recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 }),
  sack: JSON.stringify({ delayedSackTime: 200 }),
  cc1: JSON.stringify({ congestionControlModule: 1 }),
  cc3: JSON.stringify({ congestionControlModule: 3 }),
  hwm1: 'hwm1',
  mtu1500: 'mtu1500',
  hwm8: 'hwm8',
  hwm16: 'hwm16',
}

const children = new Set<ChildProcess>()
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL')
})

function peer(args: string[], sctp?: string): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env }
  if (cpuProfDir) env.PARLEY_BENCH_CPU_PROF = cpuProfDir
  if (sctp?.startsWith('hwm')) env.PARLEY_BENCH_HWM = sctp.slice(3)
  else if (sctp?.startsWith('mtu')) env.PARLEY_BENCH_MTU = sctp.slice(3)
  else if (sctp) env.PARLEY_BENCH_SCTP = sctp
  const child = fork(join(here, 'transfer', 'peer.ts'), args, {
    execArgv: ['--import', 'tsx'],
    env,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

const failures: string[] = []

/**
 * One transfer between two fresh processes, retried up to twice: libdatachannel sometimes rejects
 * the answer with "Got a remote candidate without ICE transport" (counted in `failures`).
 */
async function runOnce(
  target: string,
  chunk: number,
  size: number,
  src: string,
  out: string,
  signaling: Signaling = 'held',
): Promise<Run> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runAttempt(target, chunk, size, src, out, signaling)
    } catch (error) {
      failures.push(
        String((error as Error).message)
          .split('\n')[0]!
          .slice(0, 200),
      )
      process.stderr.write(`attempt ${attempt} failed: ${failures.at(-1)}\n`)
      for (const c of children) c.kill('SIGKILL')
      if (attempt === 3) throw error
    }
  }
}

/** One transfer between two fresh processes; resolves with both ends' figures. */
function runAttempt(
  target: string,
  chunk: number,
  size: number,
  src: string,
  out: string,
  signaling: Signaling = 'held',
): Promise<Run> {
  const [base = target, preset] = target.split('~')
  const sctp = preset === undefined ? undefined : sctpPresets[preset]
  if (preset !== undefined && !sctp) throw new Error(`unknown SCTP preset ~${preset}`)
  const kind =
    base === 'raw' || base === 'rawio' || base === 'rawfiles' || base === 'parleyfiles'
      ? base
      : base.startsWith('parleyList')
        ? 'parleyList'
        : target.startsWith('parleyBuffered')
          ? 'parleyBuffered'
          : 'parley'
  const s = peer(['send', kind, String(chunk), String(size), src, signaling], sctp)
  const r = peer(['recv', kind, String(chunk), String(size), out, signaling], sctp)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${target} timed out`)), 300_000)
    let openMs = 0
    let ready = 0
    const results: Partial<Record<'sender' | 'receiver', Result>> = {}
    const wire = (from: ChildProcess, to: ChildProcess, who: 'sender' | 'receiver') => {
      from.on('message', (m: { kind: string; ms?: number; message?: string } & Result) => {
        if (m.kind === 'sdp' || m.kind === 'cand') to.send(m)
        else if (m.kind === 'ready') {
          ready++
          if (ready === 2) s.send({ kind: 'go' })
        } else if (m.kind === 'open' && who === 'sender') openMs = m.ms ?? 0
        else if (m.kind === 'error') reject(new Error(`${target} ${who} (${signaling}): ${m.message}`))
        else if (m.kind === 'result') {
          results[who] = {
            seconds: m.seconds,
            cpuUserMs: m.cpuUserMs,
            cpuSystemMs: m.cpuSystemMs,
            maxRssMiB: m.maxRssMiB,
            ...(m.firstByteMs === undefined ? {} : { firstByteMs: m.firstByteMs }),
            ...(m.afterLastByteMs === undefined ? {} : { afterLastByteMs: m.afterLastByteMs }),
          }
          if (results.sender && results.receiver) {
            clearTimeout(timer)
            s.kill('SIGKILL')
            r.kill('SIGKILL')
            resolve({ openMs, sender: results.sender, receiver: results.receiver })
          }
        }
      })
    }
    wire(s, r, 'sender')
    wire(r, s, 'receiver')
  })
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0
    ? 0
    : s.length % 2
      ? s[(s.length - 1) / 2]!
      : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
const round1 = (x: number) => Math.round(x * 10) / 10
/** CPU time (user + system, every thread) per MiB moved, ms. */
const cpuPerMiB = (r: Result) => (r.cpuUserMs + r.cpuSystemMs) / sizeMiB

async function main(): Promise<void> {
  const terminalFigures = browserOnly ? undefined : await terminal()
  const browser = terminalOnly ? undefined : await browserFigures()
  process.stdout.write(`${JSON.stringify({ bench: 'transfer', ...terminalFigures, browser })}\n`)
}

/** Browser → browser transfers of a `--browser-mib` file written for the run. */
async function browserFigures() {
  const dir = await mkdtemp(join(tmpdir(), 'parley-bench-transfer-browser-'))
  try {
    const file = join(dir, 'source.bin')
    process.stderr.write(`writing a ${browserMiB} MiB source file…\n`)
    await writeRandomFile(file, browserMiB * MiB)
    return await browserTransfer({
      file,
      bytes: browserMiB * MiB,
      rounds: browserRounds,
      budgetMs: browserBudget * 1000,
      warmupMs: browserWarmup * 1000,
      stallPassMs: browserStallPass * 1000,
      variants: browserVariants,
      log: (message) => process.stderr.write(`[transfer browser] ${message}\n`),
    })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function terminal() {
  const loadAtStart = loadavg()[0]!
  const dir = await mkdtemp(join(tmpdir(), 'parley-bench-transfer-'))
  try {
    const size = sizeMiB * MiB
    const src = join(dir, 'source.bin')
    process.stderr.write(`writing a ${sizeMiB} MiB source file…\n`)
    await writeRandomFile(src, size)
    const out = join(dir, 'out')
    await mkdir(out)

    // 1. connection open time: usual trickle code vs held offerer candidates (1 MiB raw transfers)
    const open: Record<Signaling, number[]> = { naive: [], held: [], active: [] }
    const kinds: Signaling[] = ['naive', 'held', 'active']
    for (let i = 0; i < openRounds; i++) {
      for (const signaling of kinds.map((_, k) => kinds[(k + i) % kinds.length]!)) {
        const run = await runOnce('raw', 65536, MiB, src, out, signaling)
        open[signaling].push(Math.round(run.openMs))
      }
    }
    process.stderr.write(
      `open ms: naive ${open.naive.join(' ')} | held ${open.held.join(' ')} | active ${open.active.join(' ')}\n`,
    )

    // 2. throughput, targets interleaved and rotated each round
    const runs: Record<string, Run[]> = Object.fromEntries(targets.map((t) => [t, []]))
    for (let round = 0; round < rounds; round++) {
      const order = targets.map((_, i) => targets[(i + round) % targets.length]!)
      for (const target of order) {
        const chunk = target.startsWith('raw')
          ? 256 * 1024
          : Number(target.split('~')[0]!.replace(/^parley(List|Buffered)?/, '')) * 1024
        const run = await runOnce(target, chunk, size, src, out)
        runs[target]!.push(run)
        await rm(join(out, 'source.bin'), { force: true })
        process.stderr.write(
          `round ${round + 1} ${target}: ${(sizeMiB / run.receiver.seconds).toFixed(1)} MiB/s, cpu ms/MiB ${cpuPerMiB(run.sender).toFixed(1)}/${cpuPerMiB(run.receiver).toFixed(1)}, first byte ${run.receiver.firstByteMs} ms, after last ${run.receiver.afterLastByteMs} ms, rss ${run.sender.maxRssMiB}/${run.receiver.maxRssMiB} MiB\n`,
        )
      }
    }
    const throughput = Object.fromEntries(
      targets.map((t) => {
        const rs = runs[t]!
        const seconds = rs.reduce((sum, r) => sum + r.receiver.seconds, 0)
        return [
          t,
          {
            MiBps: round1((sizeMiB * rs.length) / seconds),
            runsMiBps: rs.map((r) => round1(sizeMiB / r.receiver.seconds)),
            senderCpuMsPerMiB: round1(median(rs.map((r) => cpuPerMiB(r.sender)))),
            receiverCpuMsPerMiB: round1(median(rs.map((r) => cpuPerMiB(r.receiver)))),
            receiverFirstByteMs: median(rs.map((r) => r.receiver.firstByteMs ?? 0)),
            receiverAfterLastByteMs: median(rs.map((r) => r.receiver.afterLastByteMs ?? 0)),
            senderPeakRssMiB: Math.max(...rs.map((r) => r.sender.maxRssMiB)),
            receiverPeakRssMiB: Math.max(...rs.map((r) => r.receiver.maxRssMiB)),
          },
        ]
      }),
    )
    const raw = throughput.raw?.MiBps
    const ratioToRaw = raw
      ? Object.fromEntries(
          targets
            .filter((t) => t !== 'raw')
            .map((t) => [t, Math.round((throughput[t]!.MiBps / raw) * 100) / 100]),
        )
      : {}
    // per round, against the raw run of the same round (targets run back to back, rotated): less
    // sensitive to the load drifting over the run than the ratio of the totals
    const pairedRatioToRaw = raw
      ? Object.fromEntries(
          targets
            .filter((t) => t !== 'raw')
            .map((t) => [
              t,
              Math.round(
                median(runs[t]!.map((r, i) => runs.raw![i]!.receiver.seconds / r.receiver.seconds)) * 100,
              ) / 100,
            ]),
        )
      : {}

    // 3. a big transfer: the receiver's memory must stay flat
    let big: Record<string, number> | undefined
    if (bigMiB > 0) {
      await rm(src, { force: true })
      const bigSrc = join(dir, 'big.bin')
      process.stderr.write(`writing a ${bigMiB} MiB source file…\n`)
      await writeRandomFile(bigSrc, bigMiB * MiB)
      const run = await runOnce('parley256', 256 * 1024, bigMiB * MiB, bigSrc, out)
      big = {
        sizeMiB: bigMiB,
        MiBps: round1(bigMiB / run.receiver.seconds),
        senderPeakRssMiB: run.sender.maxRssMiB,
        receiverPeakRssMiB: run.receiver.maxRssMiB,
      }
      process.stderr.write(`big: ${JSON.stringify(big)}\n`)
    }
    // 4. many small files: per-file work (offer, accept, one file created, hashed and renamed each)
    const files = manyFiles > 0 ? await smallFiles(dir) : undefined

    // idle RSS of a peer process (modules loaded, connection open, 1 MiB moved) for "above idle"
    const idle = await runOnce(
      'parley256',
      256 * 1024,
      MiB,
      join(dir, bigMiB > 0 ? 'big.bin' : 'source.bin'),
      out,
    ).catch(() => undefined)
    return {
      sizeMiB,
      rounds,
      loadavg1m: [round1(loadAtStart), round1(loadavg()[0]!)],
      openMs: {
        naiveTrickle: median(open.naive),
        heldCandidates: median(open.held),
        offererActive: median(open.active),
        runs: open,
      },
      throughput,
      ratioToRaw,
      pairedRatioToRaw,
      big,
      files,
      idleRssMiB: idle ? { sender: idle.sender.maxRssMiB, receiver: idle.receiver.maxRssMiB } : undefined,
      failures,
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** `--files` files of `--file-kib` KiB, Parley's one offer against plain code, `--file-rounds` each. */
async function smallFiles(dir: string) {
  const src = join(dir, 'files')
  await mkdir(src)
  process.stderr.write(`writing ${manyFiles} files of ${fileKiB} KiB…\n`)
  for (let i = 0; i < manyFiles; i++) {
    await writeRandomFile(join(src, `f${String(i).padStart(6, '0')}.bin`), fileKiB * 1024)
  }
  const kinds = ['rawfiles', 'parleyfiles'] as const
  const seconds: Record<(typeof kinds)[number], number[]> = { rawfiles: [], parleyfiles: [] }
  for (let round = 0; round < fileRounds; round++) {
    for (const kind of round % 2 ? [...kinds].reverse() : kinds) {
      const out = await mkdtemp(join(dir, 'files-out-'))
      const run = await runOnce(kind, 256 * 1024, manyFiles, src, out)
      seconds[kind].push(run.receiver.seconds)
      process.stderr.write(
        `files round ${round + 1} ${kind}: ${run.receiver.seconds.toFixed(2)} s, ${Math.round(manyFiles / run.receiver.seconds)} files/s\n`,
      )
      await rm(out, { recursive: true, force: true })
    }
  }
  const figures = (xs: number[]) => ({
    seconds: xs.map((x) => Math.round(x * 100) / 100),
    filesPerSec: Math.round(manyFiles / median(xs)),
  })
  return {
    count: manyFiles,
    fileKiB,
    rounds: fileRounds,
    raw: figures(seconds.rawfiles),
    parley: figures(seconds.parleyfiles),
    parleyToRaw: Math.round((median(seconds.rawfiles) / median(seconds.parleyfiles)) * 100) / 100,
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${String(error?.stack ?? error)}\n`)
    process.exit(1)
  },
)
