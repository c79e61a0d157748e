/**
 * Browser → browser half of `npm run bench -- transfer`: two Chromium processes (bench/webrtc/harness.ts),
 * the sender page reading a disk-backed File, five variants alternated in one run (see
 * bench/transfer/browserPage.ts): Parley's TransferManager (SHA-256 on, the receiver writing to OPFS),
 * raw RTCDataChannel code, PeerJS ('raw' and 'binary' serialization) and simple-peer. A fresh connection
 * per transfer (closed afterwards, so that what one variant queued never weighs on the next).
 *
 * Per variant: MiB/s (bytes the receiver got / (its last byte − the sender's start); a transfer is
 * stopped at `budgetMs` and the MiB actually moved are reported), the peak RSS of the sender's and the
 * receiver's renderer process and of their whole Chromium process trees (sampled from /proc every
 * 250 ms, also as growth above the figure just before the transfer), and each page's longest
 * main-thread stall: in-page lag probe and longtask entries (wall clock) in every run, and the longest
 * task's CPU time from Chromium traces of both pages (bench/webrtc/taskTrace.ts) in a stall pass after
 * the rounds, whose throughput is not counted: tracing costs per task, and the variants do not run as
 * many tasks. An untimed warm-up of each variant comes first.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { loadavg } from 'node:os'
import { type MachineLag, type MachineLagProbe, startMachineLagProbe } from '../support/machineLag.js'
import { processTree, threadCpuDelta, treeThreadCpuMicros } from '../support/processTree.js'
import { rssKiB } from '../support/procStats.js'
import { hardDeadline, openWebRtcHarness, pageBundle, sleep, type WebRtcHarness } from '../webrtc/harness.js'
import { startProfiler } from '../webrtc/profiler.js'
import { pageRendererPid, startTaskTrace, type TaskReport } from '../webrtc/taskTrace.js'
import type {
  TransferConnectArgs,
  TransferReceiveReport,
  TransferSendReport,
  TransportReading,
} from './browserPage.js'
import { ALL_VARIANTS, TRANSFER_VARIANTS, type TransferVariant } from './browserVariants.js'

export { ALL_VARIANTS, TRANSFER_VARIANTS, type TransferVariant }

const MiB = 1024 * 1024

export interface BrowserOptions {
  readonly file: string
  readonly bytes: number
  readonly rounds: number
  readonly budgetMs: number
  /** Each variant runs once this long before the measured rounds, not counted (0: no warm-up). */
  readonly warmupMs: number
  /**
   * After the rounds, each variant runs once this long with both main threads traced, for the CPU
   * time of their longest tasks (0: no trace). The rounds are not traced: tracing costs per task.
   */
  readonly stallPassMs: number
  readonly variants: readonly TransferVariant[]
  readonly log: (message: string) => void
}

interface Sample {
  renderer: number
  tree: number
}

interface Run {
  readonly mib: number
  readonly complete: boolean
  readonly mibPerSec: number
  readonly sender: { idle: Sample; peak: Sample }
  readonly receiver: { idle: Sample; peak: Sample }
  readonly send: TransferSendReport
  readonly maxTaskMs: number
  readonly maxTaskCpuMs: number
  readonly receive: TransferReceiveReport['stalls']
  /** A separate idle process's lag over the same period (bench/support/machineLag.ts). */
  readonly machine: MachineLag
  readonly receiverMaxTaskMs: number
  readonly receiverMaxTaskCpuMs: number
  /** CPU time of each side's whole Chromium (every process) from the send to the last byte, ms. */
  readonly senderCpuMs: number
  readonly receiverCpuMs: number
  /** The same CPU time by thread, µs per `<process type>/<thread name>` (see threadCpuDelta). */
  readonly senderThreads: ReadonlyMap<string, number>
  readonly receiverThreads: ReadonlyMap<string, number>
  /** What crossed the wire from the send to the last byte: packets each side sent, bytes the sender sent. */
  readonly wire: { senderPackets: number; receiverPackets: number; senderBytes: number; pair: string } | null
}

/** The wire counters between two readings of both sides (null when a side has no reading). */
function wireDelta(
  before: readonly (TransportReading | null)[],
  after: readonly (TransportReading | null)[],
): Run['wire'] {
  const [r0, s0] = before
  const [r1, s1] = after
  if (!r0 || !s0 || !r1 || !s1) return null
  return {
    senderPackets: s1.packetsSent - s0.packetsSent,
    receiverPackets: r1.packetsSent - r0.packetsSent,
    senderBytes: s1.bytesSent - s0.bytesSent,
    pair: s1.pair,
  }
}

/**
 * The threads a page's own code runs on: its renderer's main thread (named after the executable,
 * `chromium`), its dedicated workers (Parley's OPFS writer, digest worker and sender worker) and
 * the renderer's thread pool (WebCrypto's digest is not there: Chromium runs it on the calling
 * thread). Everything else in the tree is Chromium moving the data: the WebRTC network thread
 * (SCTP, DTLS), the renderer's IO thread and the network service's (one IPC and one UDP socket
 * operation per packet).
 */
const PAGE_THREADS = /^renderer\/(chromium|DedicatedWorker.*|ThreadPoolForeg.*)$/
const pageMicros = (threads: ReadonlyMap<string, number>): number =>
  [...threads].reduce((sum, [label, micros]) => (PAGE_THREADS.test(label) ? sum + micros : sum), 0)

async function pageScripts(): Promise<[string, string][]> {
  const text = await pageBundle('bench/transfer/browserPage.ts')
  const require = createRequire(import.meta.url)
  const simplePeer = readFileSync(require.resolve('simple-peer/simplepeer.min.js'), 'utf8')
  return [
    ['simplepeer.js', simplePeer],
    ['transfer.js', text],
  ]
}

const kib = (pid: number): number => {
  try {
    return rssKiB(pid)
  } catch {
    return 0
  }
}
const sample = (renderer: number, browser: number): Sample => ({
  renderer: kib(renderer),
  tree: processTree(browser).reduce((sum, pid) => sum + kib(pid), 0),
})
/** The CPU time of a side's whole tree, ms, from its threads' deltas. */
const totalMs = (threads: ReadonlyMap<string, number>): number =>
  [...threads.values()].reduce((sum, micros) => sum + micros, 0) / 1000
const max = (a: Sample, b: Sample): Sample => ({
  renderer: Math.max(a.renderer, b.renderer),
  tree: Math.max(a.tree, b.tree),
})

async function transfer(
  h: WebRtcHarness,
  renderers: readonly [number, number],
  machine: MachineLagProbe,
  opts: BrowserOptions,
  variant: TransferVariant,
  round: number,
  traced = false,
): Promise<Run> {
  const [receiver, sender] = h.pages
  const tag = `${variant}-${round < 0 ? 'w' : round}-${Math.random().toString(36).slice(2, 8)}`
  const base = {
    relayUrl: h.servers.relayUrl,
    peerjsPort: h.servers.peerjsPort,
    parleyUrl: h.servers.parleyUrl,
    room: `t-${tag}`,
  }
  const a: TransferConnectArgs = { ...base, localId: `${tag}-a`, remoteId: `${tag}-b` }
  const b: TransferConnectArgs = { ...base, localId: `${tag}-b`, remoteId: `${tag}-a` }
  await receiver.evaluate(([v, args]) => window.TransferBench.open(v, args, false), [variant, a] as const)
  await sender.evaluate(([v, args]) => window.TransferBench.open(v, args, true), [variant, b] as const)
  await Promise.all(h.pages.map((p) => p.evaluate(() => window.TransferBench.opened())))
  await receiver.evaluate((total) => window.TransferBench.expect(total), opts.bytes)
  // the machine's own lag over the same period as the receiving page's probe (started by expect())
  const stopMachine = machine.start()
  // a full V8 collection on both pages, so that "idle" is not the garbage of the previous transfer
  await Promise.all(
    h.pages.map(async (page) => {
      const cdp = await page.context().newCDPSession(page)
      await cdp.send('HeapProfiler.collectGarbage').catch(() => undefined)
      await cdp.detach()
    }),
  )
  await sleep(500)
  const idle = [sample(renderers[0], h.browserPids[0]), sample(renderers[1], h.browserPids[1])] as const
  const peak = [{ ...idle[0] }, { ...idle[1] }]
  const sampler = setInterval(() => {
    peak[0] = max(peak[0]!, sample(renderers[0], h.browserPids[0]))
    peak[1] = max(peak[1]!, sample(renderers[1], h.browserPids[1]))
  }, 250)
  // PARLEY_BENCH_TASK_DETAIL=1: log what the longest sender tasks spent their time on (a heavier trace)
  const detail = process.env.PARLEY_BENCH_TASK_DETAIL === '1'
  // Traced only in the stall pass: tracing costs per task, and the variants do not run as many tasks.
  const untraced = async (): Promise<TaskReport> => ({
    maxTaskMs: 0,
    maxTaskCpuMs: 0,
    tasksOver50Ms: 0,
    tasksOver50MsCpu: 0,
  })
  const stopTrace = traced ? await startTaskTrace(sender, { detail }) : untraced
  const stopReceiverTrace = traced ? await startTaskTrace(receiver) : untraced
  // PARLEY_BENCH_PROFILE=1: a V8 CPU profile of the sender page per transfer (bench/webrtc/profiler.ts)
  // PARLEY_BENCH_PROFILE=receiver: the receiving page's instead
  const profiled = process.env.PARLEY_BENCH_PROFILE
  const stopProfile =
    profiled === '1' || profiled === 'receiver'
      ? await startProfiler(profiled === 'receiver' ? receiver : sender)
      : undefined
  try {
    const wireBefore = await Promise.all(
      h.pages.map((p) => p.evaluate(() => window.TransferBench.transport())),
    )
    const threadsBefore = h.browserPids.map(treeThreadCpuMicros)
    const sending = sender.evaluate((v) => window.TransferBench.send(v), variant)
    const got: TransferReceiveReport = await receiver.evaluate(
      (ms) => window.TransferBench.received(ms),
      opts.budgetMs,
    )
    const machineLag = await stopMachine()
    const threads = h.browserPids.map((pid, i) => threadCpuDelta(threadsBefore[i]!, treeThreadCpuMicros(pid)))
    const wireAfter = await Promise.all(
      h.pages.map((p) => p.evaluate(() => window.TransferBench.transport())),
    )
    if (!got.complete) await sender.evaluate(() => window.TransferBench.stop())
    const send = await sending
    const [tasks, receiverTasks] = await Promise.all([stopTrace(), stopReceiverTrace()])
    if (stopProfile) {
      const side = profiled === 'receiver' ? 'receiver' : 'sender'
      opts.log(`${variant} ${side} profile: ${await stopProfile(`transfer-${variant}-${side}`)}`)
    }
    if (tasks.longest) opts.log(`${variant} longest sender tasks: ${JSON.stringify(tasks.longest)}`)
    const mib = got.bytes / MiB
    const seconds = (got.last - send.start) / 1000
    return {
      mib: Math.round(mib * 10) / 10,
      complete: got.complete,
      mibPerSec: seconds > 0 ? mib / seconds : 0,
      sender: { idle: idle[1], peak: peak[1]! },
      receiver: { idle: idle[0], peak: peak[0]! },
      send,
      maxTaskMs: tasks.maxTaskMs,
      maxTaskCpuMs: tasks.maxTaskCpuMs,
      receive: got.stalls,
      machine: machineLag,
      receiverMaxTaskMs: receiverTasks.maxTaskMs,
      receiverMaxTaskCpuMs: receiverTasks.maxTaskCpuMs,
      senderCpuMs: totalMs(threads[1] ?? new Map()),
      receiverCpuMs: totalMs(threads[0] ?? new Map()),
      senderThreads: threads[1] ?? new Map(),
      receiverThreads: threads[0] ?? new Map(),
      wire: wireDelta(wireBefore, wireAfter),
    }
  } finally {
    clearInterval(sampler)
    await Promise.allSettled(h.pages.map((p) => p.evaluate(() => window.TransferBench.close())))
  }
}

const r1 = (x: number) => Math.round(x * 10) / 10
const r2 = (x: number) => Math.round(x * 100) / 100
const mibOf = (k: number) => r1(k / 1024)

const describe = (r: Run) =>
  `${r.mibPerSec.toFixed(2)} MiB/s (${r.mib} MiB${r.complete ? '' : ', stopped at the budget'}); ` +
  `RSS renderer sender ${mibOf(r.sender.peak.renderer)} (+${mibOf(r.sender.peak.renderer - r.sender.idle.renderer)}) ` +
  `receiver ${mibOf(r.receiver.peak.renderer)} (+${mibOf(r.receiver.peak.renderer - r.receiver.idle.renderer)}) MiB; ` +
  `CPU ${r1(r.senderCpuMs / Math.max(r.mib, 1e-9))} / ${r1(r.receiverCpuMs / Math.max(r.mib, 1e-9))} ms/MiB ` +
  `(page's threads ${r1(pageMicros(r.senderThreads) / 1000 / Math.max(r.mib, 1e-9))} / ` +
  `${r1(pageMicros(r.receiverThreads) / 1000 / Math.max(r.mib, 1e-9))}); ` +
  `sender paused ${r.send.pauses}×, lag ≤ ${r.send.maxLagMs} ms, longest task ${r.maxTaskMs} ms wall / ${r.maxTaskCpuMs} ms CPU; ` +
  `receiver lag ≤ ${r.receive.maxLagMs} ms, longest task ${r.receiverMaxTaskMs} ms wall / ${r.receiverMaxTaskCpuMs} ms CPU; ` +
  `an idle process's lag ≤ ${r.machine.maxLagMs} ms (${r.machine.over50} of ${r.machine.ticks} ticks over 50 ms)`

/** Runs the browser → browser transfers; resolves with the figures for the JSON line. */
export async function browserTransfer(opts: BrowserOptions) {
  // bounded: every transfer stops at the budget; connections, cleanup and start-up are the rest
  hardDeadline(
    90_000 +
      opts.variants.length *
        (opts.rounds * (opts.budgetMs + 30_000) + opts.warmupMs + opts.stallPassMs + 60_000),
    opts.log,
  )
  const h = await openWebRtcHarness(['parley', 'peerjs', 'wsRelay'], opts.log, await pageScripts(), {
    '/parley-sender-worker.js': ['text/javascript', await pageBundle('bench/transfer/senderWorker.ts')],
  })
  const machine = startMachineLagProbe()
  const runs = new Map<TransferVariant, Run[]>(opts.variants.map((v) => [v, []]))
  const stallRuns = new Map<TransferVariant, Run>()
  /** Each round's MiB/s by variant (the rounds where a variant failed lack it). */
  const byRound: Map<TransferVariant, number>[] = []
  const load = [loadavg()[0] ?? 0]
  const failures: string[] = []
  let chromium: string | null = null
  let cores = 0
  try {
    chromium = h.pages[0].context().browser()?.version() ?? null
    cores = await h.pages[1].evaluate(() => navigator.hardwareConcurrency)
    const renderers: [number, number] = [await pageRendererPid(h.pages[0]), await pageRendererPid(h.pages[1])]
    const [, sender] = h.pages
    await sender.evaluate(() => window.TransferBench.fileInput())
    await sender.setInputFiles('#bench-file', opts.file)
    /** Each variant once for `budgetMs`, throughput not counted: the warm-up and the stall pass. */
    const pass = async (name: string, budgetMs: number, traced: boolean) => {
      for (const variant of opts.variants) {
        try {
          const run = await transfer(h, renderers, machine, { ...opts, budgetMs }, variant, -1, traced)
          if (traced) stallRuns.set(variant, run)
          opts.log(`${name} ${variant} (throughput not counted): ${describe(run)}`)
        } catch (error) {
          const message = String((error as Error).message).split('\n')[0]
          if (traced) failures.push(`${variant} (${name}): ${message}`)
          opts.log(`${name} ${variant} failed: ${message}`)
          await Promise.allSettled(h.pages.map((p) => p.evaluate(() => window.TransferBench.close())))
        }
        await sleep(500)
      }
    }
    if (opts.warmupMs > 0) await pass('warm-up', opts.warmupMs, false)
    for (let round = 0; round < opts.rounds; round++) {
      const order = opts.variants.map((_, k) => opts.variants[(k + round) % opts.variants.length]!)
      for (const variant of order) {
        try {
          const run = await transfer(h, renderers, machine, opts, variant, round)
          runs.get(variant)?.push(run)
          byRound[round] ??= new Map()
          byRound[round]?.set(variant, run.mibPerSec)
          opts.log(`round ${round + 1} ${variant}: ${describe(run)}`)
        } catch (error) {
          // one variant failing (e.g. its connection not opening) does not lose the others' figures
          const message = String((error as Error).message)
            .split('\n')[0]!
            .slice(0, 200)
          failures.push(`${variant}: ${message}`)
          opts.log(`round ${round + 1} ${variant} failed: ${message}`)
          await Promise.allSettled(h.pages.map((p) => p.evaluate(() => window.TransferBench.close())))
        }
        await sleep(500)
      }
    }
    if (opts.stallPassMs > 0) await pass('stall pass', opts.stallPassMs, true)
  } finally {
    machine.close()
    await h.close()
  }
  load.push(loadavg()[0] ?? 0)
  /** A wire counter summed over the rounds that have one, per MiB they moved. */
  const perMiB = (rs: readonly Run[], pick: (w: NonNullable<Run['wire']>) => number, digits = 0) => {
    const read = rs.filter((r) => r.wire !== null)
    const moved = read.reduce((s, r) => s + r.mib, 0)
    const scale = 10 ** digits
    return moved > 0
      ? Math.round((read.reduce((s, r) => s + pick(r.wire!), 0) / moved) * scale) / scale
      : null
  }
  const figures = (rs: readonly Run[], stall: Run | undefined) => {
    // wall-clock probes: every run; task CPU (traced): the stall pass
    const all = stall ? [...rs, stall] : rs
    const peakAbove = (side: 'sender' | 'receiver', key: keyof Sample) =>
      mibOf(Math.max(0, ...rs.map((r) => r[side].peak[key] - r[side].idle[key])))
    const peak = (side: 'sender' | 'receiver', key: keyof Sample) =>
      mibOf(Math.max(0, ...rs.map((r) => r[side].peak[key])))
    const seconds = rs.reduce((s, r) => s + (r.mibPerSec > 0 ? r.mib / r.mibPerSec : 0), 0)
    const moved = rs.reduce((s, r) => s + r.mib, 0)
    const cpuPerMiB = (side: 'senderCpuMs' | 'receiverCpuMs') =>
      moved > 0 ? r1(rs.reduce((s, r) => s + r[side], 0) / moved) : null
    const pageCpuPerMiB = (side: 'senderThreads' | 'receiverThreads') =>
      moved > 0 ? r1(rs.reduce((s, r) => s + pageMicros(r[side]), 0) / 1000 / moved) : null
    /** The busiest threads over every round, ms per MiB. */
    const byThread = (side: 'senderThreads' | 'receiverThreads') => {
      const sum = new Map<string, number>()
      for (const r of rs)
        for (const [label, micros] of r[side]) sum.set(label, (sum.get(label) ?? 0) + micros)
      return Object.fromEntries(
        [...sum]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 6)
          .map(([label, micros]) => [label, moved > 0 ? r1(micros / 1000 / moved) : null]),
      )
    }
    return {
      mibPerSec: seconds > 0 ? r2(rs.reduce((s, r) => s + r.mib, 0) / seconds) : 0,
      runsMibPerSec: rs.map((r) => r2(r.mibPerSec)),
      mibMoved: rs.map((r) => r.mib),
      complete: rs.every((r) => r.complete),
      senderPeakRssMiB: peak('sender', 'renderer'),
      senderRssAboveIdleMiB: peakAbove('sender', 'renderer'),
      receiverPeakRssMiB: peak('receiver', 'renderer'),
      receiverRssAboveIdleMiB: peakAbove('receiver', 'renderer'),
      senderTreePeakRssMiB: peak('sender', 'tree'),
      senderTreeRssAboveIdleMiB: peakAbove('sender', 'tree'),
      receiverTreePeakRssMiB: peak('receiver', 'tree'),
      receiverTreeRssAboveIdleMiB: peakAbove('receiver', 'tree'),
      senderCpuMsPerMiB: cpuPerMiB('senderCpuMs'),
      receiverCpuMsPerMiB: cpuPerMiB('receiverCpuMs'),
      // of which the page's own threads (main, workers, thread pool): what the page's code costs
      senderPageCpuMsPerMiB: pageCpuPerMiB('senderThreads'),
      receiverPageCpuMsPerMiB: pageCpuPerMiB('receiverThreads'),
      senderCpuByThreadMsPerMiB: byThread('senderThreads'),
      receiverCpuByThreadMsPerMiB: byThread('receiverThreads'),
      senderPauses: rs.map((r) => r.send.pauses),
      // the wire: UDP packets per MiB of payload each way (the receiver's are SACKs and acks), the
      // sender's bytes on the wire per payload byte, and the selected candidate pair
      senderPacketsPerMiB: perMiB(rs, (w) => w.senderPackets),
      receiverPacketsPerMiB: perMiB(rs, (w) => w.receiverPackets),
      wireBytesPerPayloadByte: perMiB(rs, (w) => w.senderBytes / MiB, 3),
      pairs: [...new Set(rs.map((r) => r.wire?.pair ?? 'unknown'))],
      senderMaxLagMs: Math.max(0, ...all.map((r) => r.send.maxLagMs)),
      senderMaxLongTaskMs: Math.max(0, ...all.map((r) => r.send.maxLongTaskMs)),
      receiverMaxLagMs: Math.max(0, ...all.map((r) => r.receive.maxLagMs)),
      receiverMaxLongTaskMs: Math.max(0, ...all.map((r) => r.receive.maxLongTaskMs)),
      // the same period's lag of a separate idle process: what the machine gives any thread
      machineMaxLagMs: Math.max(0, ...all.map((r) => r.machine.maxLagMs)),
      // null: no stall pass
      senderMaxTaskMs: stall?.maxTaskMs ?? null,
      senderMaxTaskCpuMs: stall?.maxTaskCpuMs ?? null,
      receiverMaxTaskMs: stall?.receiverMaxTaskMs ?? null,
      receiverMaxTaskCpuMs: stall?.receiverMaxTaskCpuMs ?? null,
    }
  }
  const table = Object.fromEntries(
    [...runs].filter(([, rs]) => rs.length > 0).map(([v, rs]) => [v, figures(rs, stallRuns.get(v))]),
  ) as Partial<Record<TransferVariant, ReturnType<typeof figures>>>
  const ratio = (other: TransferVariant) => {
    const mine = table.parley?.mibPerSec
    const theirs = table[other]?.mibPerSec
    return mine !== undefined && theirs ? r2(mine / theirs) : null
  }
  /** Median over rounds of Parley's MiB/s / the variant's in the same round (a drifting load weighs less). */
  /** Each round's Parley MiB/s / the variant's (null where either failed). */
  const roundRatios = (other: TransferVariant) =>
    byRound.map((m) => {
      const mine = m.get('parley')
      const theirs = m.get(other)
      return mine !== undefined && theirs ? mine / theirs : null
    })
  /** Their median (a drifting load weighs less than in the ratio of the totals). */
  const pairedRatio = (other: TransferVariant) => {
    const ratios = roundRatios(other)
      .filter((x): x is number => x !== null)
      .sort((x, y) => x - y)
    if (ratios.length === 0) return null
    const mid = ratios.length >> 1
    return r2(ratios.length % 2 === 1 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2)
  }
  const parley = table.parley
  const cpuRatio = (
    key: 'senderCpuMsPerMiB' | 'receiverCpuMsPerMiB' | 'senderPageCpuMsPerMiB' | 'receiverPageCpuMsPerMiB',
  ) => {
    const mine = table.parley?.[key]
    const theirs = table.raw?.[key]
    return mine != null && theirs ? r2(mine / theirs) : null
  }
  const atMost50 = (ms: number | null) => (ms === null ? null : ms <= 50)
  return {
    sizeMiB: opts.bytes / MiB,
    rounds: opts.rounds,
    budgetSeconds: opts.budgetMs / 1000,
    warmupSeconds: opts.warmupMs / 1000,
    stallPassSeconds: opts.stallPassMs / 1000,
    chromium,
    // where `parley` sent from: the page, as the web app by default (`parleyWorker`: its worker)
    parleySender: 'page',
    cores,
    loadavg1m: load.map(r1),
    ...table,
    ratio: {
      parleyToRaw: ratio('raw'),
      pairedParleyToRaw: pairedRatio('raw'),
      roundsParleyToRaw: roundRatios('raw').map((x) => (x === null ? null : r2(x))),
      // CPU per MiB of the whole browser, Parley over raw: what throughput follows where CPU is short
      cpuPerMiBParleyToRaw: {
        sender: cpuRatio('senderCpuMsPerMiB'),
        receiver: cpuRatio('receiverCpuMsPerMiB'),
      },
      // the same for the page's own threads only (the rest is Chromium's data path, equal for both)
      pageCpuPerMiBParleyToRaw: {
        sender: cpuRatio('senderPageCpuMsPerMiB'),
        receiver: cpuRatio('receiverPageCpuMsPerMiB'),
      },
      parleyToPeerjsRaw: ratio('peerjsRaw'),
      parleyToPeerjsBinary: ratio('peerjsBinary'),
      parleyToSimplePeer: ratio('simplePeer'),
    },
    failures,
    goals: parley
      ? {
          throughputAtLeast0_9xRaw: (ratio('raw') ?? 0) >= 0.9,
          memoryUnder100MiBAboveIdle:
            parley.senderRssAboveIdleMiB < 100 && parley.receiverRssAboveIdleMiB < 100,
          senderTaskAtMost50msCpu: atMost50(parley.senderMaxTaskCpuMs),
          senderStallAtMost50msWall: Math.max(parley.senderMaxLagMs, parley.senderMaxLongTaskMs) <= 50,
          receiverTaskAtMost50msCpu: atMost50(parley.receiverMaxTaskCpuMs),
          receiverStallAtMost50msWall: Math.max(parley.receiverMaxLagMs, parley.receiverMaxLongTaskMs) <= 50,
          // false: a separate idle process woke more than 50 ms late too, in the same periods, so
          // the two wall-clock goals above measured the machine's scheduling as much as the pages
          machineStallAtMost50msWall: parley.machineMaxLagMs <= 50,
        }
      : null,
  }
}
