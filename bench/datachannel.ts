/**
 * Data channel throughput benchmark between two Chromium processes: the SDK's reliable channel
 * (`Participant.send(Uint8Array)`, awaiting each send: the SDK applies the back-pressure) against raw
 * RTCDataChannel code sending the same bytes with the usual back-pressure (pause above a high-water
 * mark, resume on `bufferedamountlow`), in the same run, transfers interleaved (order rotated every
 * round). Also measures the longest main-thread stall on the sending page while it sends.
 * Prints ONE JSON line on stdout.
 *
 *   npm run bench -- datachannel [--mib 64] [--rounds 3] [--warmup-mib 8] [--message-kib 64]
 *                                [--large-mib 8] [--variants raw,rawLarge,sdk,sdkLarge]
 *
 * Variants (raw ones share one connection, SDK ones one room; both opened once and reused):
 * - `raw`: a bare RTCPeerConnection (signalled through a bare ws relay), one ordered reliable channel,
 *   `--message-kib` messages, bufferedAmountLowThreshold = 1 MiB, pause above 4 MiB buffered (the SDK's
 *   defaults, so that only the SDK's own cost differs);
 * - `rawLarge`: the same with 256 KiB messages (Chromium's max-message-size: the raw ceiling);
 * - `sdk`: Room.join on both pages, `await participant.send(chunk)` with `--message-kib` messages
 *   (compared with `raw`);
 * - `sdkLarge`: the same with `--large-mib` messages, which the SDK splits into frames of the peer's
 *   max-message-size (256 KiB in Chromium) and reassembles (compared with `rawLarge`).
 * Throughput: bytes / (last byte received on page A − first send on page B), wall clock. Every
 * variant first sends `--warmup-mib` once, not counted.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { Page } from 'playwright-core'
import { median, ratio } from './support/summary.js'
import { hardDeadline, openWebRtcHarness, sleep } from './webrtc/harness.js'
import type { ConnectArgs, SendArgs } from './webrtc/page.js'
import { startTaskTrace } from './webrtc/taskTrace.js'

const log = (message: string) => process.stderr.write(`[datachannel] ${message}\n`)
const MiB = 1024 * 1024
const VARIANTS = ['raw', 'rawLarge', 'sdk', 'sdkLarge'] as const
type Variant = (typeof VARIANTS)[number]
/** Which connection a variant uses, and what it is compared with. */
const SPECS: Readonly<Record<Variant, { readonly kind: 'raw' | 'parley'; readonly baseline?: Variant }>> = {
  raw: { kind: 'raw' },
  rawLarge: { kind: 'raw' },
  sdk: { kind: 'parley', baseline: 'raw' },
  sdkLarge: { kind: 'parley', baseline: 'rawLarge' },
}
/** Chromium's SCTP max-message-size, hence the SDK's frame size: what raw code can send at most. */
const RAW_LARGE_BYTES = 256 * 1024

function options() {
  const { values } = parseArgs({
    options: {
      mib: { type: 'string' },
      rounds: { type: 'string' },
      'message-kib': { type: 'string' },
      'large-mib': { type: 'string' },
      'warmup-mib': { type: 'string' },
      variants: { type: 'string' },
      profile: { type: 'string' },
    },
    strict: true,
  })
  const int = (name: string, text: string | undefined, fallback: number, min: number) => {
    const value = text === undefined ? fallback : Number(text)
    if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer ≥ ${min}`)
    return value
  }
  const variants = (values.variants ?? VARIANTS.join(',')).split(',').map((v) => v.trim())
  for (const v of variants) {
    if (!(VARIANTS as readonly string[]).includes(v)) throw new Error(`unknown variant ${v} (${VARIANTS})`)
  }
  const totalBytes = int('mib', values.mib, 64, 1) * MiB
  const messageBytes = int('message-kib', values['message-kib'], 64, 1) * 1024
  const largeBytes = int('large-mib', values['large-mib'], 8, 1) * MiB
  if (largeBytes > totalBytes) throw new Error('--large-mib must not exceed --mib')
  const profile = values.profile
  if (profile !== undefined && !variants.includes(profile))
    throw new Error('--profile must name a variant run')
  return {
    profile: profile as Variant | undefined,
    totalBytes,
    messageBytes,
    largeBytes,
    rounds: int('rounds', values.rounds, 3, 1),
    warmupBytes: int('warmup-mib', values['warmup-mib'], 8, 0) * MiB,
    variants: variants as Variant[],
  }
}

interface Transfer {
  readonly mibPerSec: number
  readonly seconds: number
  readonly senderMaxLagMs: number
  readonly senderMaxLongTaskMs: number
  readonly senderLongTasks: number
  readonly senderMaxTaskMs: number
  readonly senderMaxTaskCpuMs: number
  readonly receiverMessages: number
}

type Options = ReturnType<typeof options>

const DEADLINE_MS = 175_000
const HIGH_WATER = 4 * MiB
const LOW_WATER = 1 * MiB

function messageBytesOf(variant: Variant, opts: Options): number {
  switch (variant) {
    case 'raw':
    case 'sdk':
      return opts.messageBytes
    case 'rawLarge':
      return RAW_LARGE_BYTES
    case 'sdkLarge':
      return opts.largeBytes
  }
}

async function transfer(
  pages: readonly [Page, Page],
  variant: Variant,
  totalBytes: number,
  opts: Options,
  profile = false,
): Promise<Transfer> {
  const [receiver, sender] = pages
  const slot = SPECS[variant].kind
  const args: SendArgs = {
    variant: slot,
    totalBytes,
    messageBytes: messageBytesOf(variant, opts),
    highWaterMark: HIGH_WATER,
    lowWaterMark: LOW_WATER,
  }
  await receiver.evaluate(([s, total]) => window.Bench.expect(s, total), [slot, totalBytes] as const)
  const profilers = profile ? await Promise.all(pages.map((page) => startProfiler(page))) : undefined
  const stopTrace = await startTaskTrace(sender)
  const [sent, got] = await Promise.all([
    sender.evaluate(([s, a]) => window.Bench.send(s, a), [slot, args] as const),
    receiver.evaluate((timeout) => window.Bench.received(timeout), 60_000),
  ])
  const tasks = await stopTrace()
  if (profilers) {
    const files = await Promise.all(
      profilers.map((stop, i) => stop(`${variant}-${i === 0 ? 'receiver' : 'sender'}`)),
    )
    log(`CPU profiles: ${files.join(' ')}`)
  }
  const seconds = (got.last - sent.start) / 1000
  return {
    mibPerSec: got.bytes / MiB / seconds,
    seconds,
    senderMaxLagMs: sent.maxLagMs,
    senderMaxLongTaskMs: sent.maxLongTaskMs,
    senderLongTasks: sent.longTasks,
    senderMaxTaskMs: tasks.maxTaskMs,
    senderMaxTaskCpuMs: tasks.maxTaskCpuMs,
    receiverMessages: got.messages,
  }
}

const PROFILE_DIR = join(tmpdir(), 'parley-bench-profiles')

/** Starts the V8 sampling profiler of `page` (CDP); the returned function stops it and writes a .cpuprofile. */
async function startProfiler(page: Page): Promise<(name: string) => Promise<string>> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 })
  await cdp.send('Profiler.start')
  return async (name) => {
    const { profile } = await cdp.send('Profiler.stop')
    await cdp.detach()
    mkdirSync(PROFILE_DIR, { recursive: true })
    const file = join(PROFILE_DIR, `datachannel-${name}-${Date.now()}.cpuprofile`)
    writeFileSync(file, JSON.stringify(profile))
    return file
  }
}

const describe = (t: Transfer) =>
  `${t.mibPerSec.toFixed(2)} MiB/s (${t.seconds.toFixed(2)} s, sender max lag ${t.senderMaxLagMs} ms, ` +
  `long tasks ${t.senderLongTasks} max ${t.senderMaxLongTaskMs} ms, ` +
  `longest task ${t.senderMaxTaskMs} ms / ${t.senderMaxTaskCpuMs} ms CPU)`

async function main(): Promise<void> {
  const opts = options()
  hardDeadline(DEADLINE_MS, log)
  const began = performance.now()
  const load = [loadavg()[0] ?? 0]
  const kinds = [...new Set(opts.variants.map((v) => SPECS[v].kind))]
  const h = await openWebRtcHarness(
    kinds.map((kind) => (kind === 'raw' ? 'wsRelay' : 'parley')),
    log,
  )
  const [receiver, sender] = h.pages
  const chromium = receiver.context().browser()?.version() ?? null
  const transfers = new Map<Variant, Transfer[]>(opts.variants.map((v) => [v, []]))
  const tag = Math.random().toString(36).slice(2, 8)
  try {
    // One connection per kind, opened once: page A (receiver) waits, page B (sender) connects.
    for (const kind of kinds) {
      const base = { variant: kind, servers: h.servers, room: `d-${tag}` }
      const a: ConnectArgs = { ...base, localId: `${tag}-a`, remoteId: `${tag}-b` }
      const b: ConnectArgs = { ...base, localId: `${tag}-b`, remoteId: `${tag}-a` }
      await receiver.evaluate(([slot, args]) => window.Bench.listen(slot, args), [kind, a] as const)
      await sender.evaluate(([slot, args]) => window.Bench.connect(slot, args), [kind, b] as const)
      await receiver.evaluate((slot) => window.Bench.opened(slot), kind)
    }
    // Warm-up: every variant once, not counted (JIT, SCTP congestion window, buffers).
    for (const variant of opts.variants) {
      if (opts.warmupBytes === 0) break
      log(`warm-up ${variant}: ${describe(await transfer(h.pages, variant, opts.warmupBytes, opts))}`)
    }
    for (let round = 0; round < opts.rounds; round++) {
      const order = opts.variants.map((_, k) => opts.variants[(k + round) % opts.variants.length]!)
      for (const variant of order) {
        const t = await transfer(
          h.pages,
          variant,
          opts.totalBytes,
          opts,
          opts.profile === variant && round === 0,
        )
        transfers.get(variant)?.push(t)
        log(`round ${round + 1}/${opts.rounds} ${variant}: ${describe(t)}`)
        await sleep(200)
      }
    }
  } finally {
    await h.close()
  }
  load.push(loadavg()[0] ?? 0)

  const figures = (variant: Variant) => {
    const t = transfers.get(variant) ?? []
    return {
      messageBytes: messageBytesOf(variant, opts),
      mibPerSec: Math.round(median(t.map((x) => x.mibPerSec)) * 100) / 100,
      mibPerSecRounds: t.map((x) => Math.round(x.mibPerSec * 100) / 100),
      senderMaxLagMs: Math.max(...t.map((x) => x.senderMaxLagMs)),
      senderMaxLongTaskMs: Math.max(...t.map((x) => x.senderMaxLongTaskMs)),
      senderLongTasks: t.reduce((sum, x) => sum + x.senderLongTasks, 0),
      senderMaxTaskMs: Math.max(...t.map((x) => x.senderMaxTaskMs)),
      senderMaxTaskCpuMs: Math.max(...t.map((x) => x.senderMaxTaskCpuMs)),
    }
  }
  const table = Object.fromEntries(opts.variants.map((v) => [v, figures(v)]))
  /** Median over rounds of variant / baseline within the same round (measured back to back). */
  const paired = (variant: Variant, baseline: Variant) => {
    const base = transfers.get(baseline) ?? []
    const mine = transfers.get(variant) ?? []
    const ratios = mine
      .map((t, i) => t.mibPerSec / (base[i]?.mibPerSec ?? Number.NaN))
      .filter(Number.isFinite)
    return ratios.length === 0 ? null : Math.round(median(ratios) * 1000) / 1000
  }
  const compared = opts.variants.flatMap((v) => {
    const baseline = SPECS[v].baseline
    return baseline !== undefined && opts.variants.includes(baseline) ? [[v, baseline] as const] : []
  })
  const ratios = Object.fromEntries(
    compared.map(([v, baseline]) => [
      `${v}To${baseline[0]!.toUpperCase()}${baseline.slice(1)}`,
      {
        mibPerSec: ratio(table[v]?.mibPerSec, table[baseline]?.mibPerSec),
        pairedMedian: paired(v, baseline),
      },
    ]),
  )
  const sdkVariants = opts.variants.filter((v) => SPECS[v].kind === 'parley')
  const worst = (key: 'senderMaxLagMs' | 'senderMaxTaskMs' | 'senderMaxTaskCpuMs') =>
    Math.max(0, ...sdkVariants.map((v) => table[v]?.[key] ?? 0))
  const output = {
    bench: 'datachannel',
    mib: opts.totalBytes / MiB,
    rounds: opts.rounds,
    chromium,
    cpus: cpus().length,
    loadavg1m: load.map((l) => Math.round(l * 10) / 10),
    ...table,
    ratio: ratios,
    goals: {
      throughputAtLeast0_95xRaw: Object.values(ratios).every(
        (r) => r.mibPerSec !== null && r.mibPerSec >= 0.95,
      ),
      // CPU time of the longest task: what the page's own code did (not the OS descheduling it)
      senderTaskAtMost50msCpu: worst('senderMaxTaskCpuMs') <= 50,
      senderStallAtMost50msWall: Math.max(worst('senderMaxLagMs'), worst('senderMaxTaskMs')) <= 50,
    },
    seconds: Math.round((performance.now() - began) / 100) / 10,
  }
  process.stdout.write(`${JSON.stringify(output)}\n`)
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error))
    process.exit(1)
  },
)
