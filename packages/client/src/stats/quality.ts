/**
 * Pure stats math: turns two successive `RTCPeerConnection.getStats()` reports into a
 * {@link QualitySample}. Every rate is computed from the DELTA of a cumulative counter over the
 * DELTA of its timestamp, never from `bytes * 8 / timestamp`. Thresholds: docs/quality.md.
 *
 * Nothing here touches WebRTC objects: reports are read through {@link StatsReportLike}, which a
 * real `RTCStatsReport` and a plain `Map<string, object>` both satisfy.
 */

import type {
  CandidatePath,
  PairCounters,
  QualityLimitationReason,
  RtpCounters,
  StatsSnapshot,
} from './snapshot.js'

export type {
  CandidatePath,
  CandidateType,
  PairCounters,
  QualityLimitationReason,
  RemoteInboundCounters,
  RtpCounters,
  SnapshotOptions,
  StatsReportLike,
  StatsSnapshot,
  TransportProtocol,
} from './snapshot.js'
export { snapshotFromReport } from './snapshot.js'

export type QualityLevel = 'excellent' | 'good' | 'poor' | 'lost'

export interface DirectionStats {
  /** RTP media payload bitrate (audio + video), kbit/s, from byte deltas over timestamp deltas. */
  bitrateKbps: number
  /** Loss over the last interval, 0..100. Inbound: lost vs received; outbound: as reported by the peer. */
  packetsLostPct: number
  /** Worst RTP interarrival jitter, ms (inbound: measured here; outbound: reported by the peer). */
  jitterMs: number | undefined
  /** Video frames per second (the sender's encoded or the receiver's decoded). */
  fps: number | undefined
  width: number | undefined
  height: number | undefined
  /** Every byte on the selected ICE candidate pair (media, RTCP, data channels), kbit/s. */
  transportKbps: number
}

export interface QualitySample {
  level: QualityLevel
  /** Time of the stats report the sample was computed from (ms, same clock as RTCStats.timestamp). */
  timestamp: number
  outbound: DirectionStats
  inbound: DirectionStats
  /** Media RTT (remote-inbound-rtp) or, without media, the ICE RTT of the selected pair. */
  rttMs: number | undefined
  path: CandidatePath
  /** Why the video encoder currently sends less than it would like (outbound-rtp). */
  limitation: QualityLimitationReason | undefined
}

/** Thresholds of the quality levels (documented in docs/quality.md). A sample takes the worst level. */
export interface QualityThresholds {
  /** Upper bounds (exclusive) for 'excellent'. */
  excellent: { lossPct: number; rttMs: number; jitterMs: number }
  /** Upper bounds (exclusive) for 'good'; anything worse is 'poor'. */
  good: { lossPct: number; rttMs: number; jitterMs: number }
  /** Loss is only judged over intervals with at least this many packets (avoids 1-of-3 = 33 %). */
  minPacketsForLoss: number
  /** Connected but nothing received (no media, no data, no ICE consent traffic) this long → 'lost'. */
  lostAfterMs: number
}

export const DEFAULT_THRESHOLDS: QualityThresholds = {
  excellent: { lossPct: 2, rttMs: 150, jitterMs: 30 },
  good: { lossPct: 8, rttMs: 400, jitterMs: 100 },
  minPacketsForLoss: 20,
  lostAfterMs: 5000,
}

// ------------------------------------------------------------------ deltas

/** A non-negative counter delta; a counter that went backwards (reset, new stream) counts as 0. */
export function counterDelta(previous: number | undefined, current: number | undefined): number {
  if (previous === undefined || current === undefined) return 0
  return current > previous ? current - previous : 0
}

/** kbit/s from a byte delta over a millisecond delta; 0 when the interval is empty or reversed. */
export function kbps(bytesDelta: number, msDelta: number): number {
  if (!(msDelta > 0) || !(bytesDelta > 0)) return 0
  return (bytesDelta * 8) / msDelta
}

/** Inbound loss %: Δlost / (Δlost + Δreceived). Negative Δlost (duplicates) counts as 0. */
export function inboundLossPct(lostDelta: number, receivedDelta: number): number {
  const lost = Math.max(0, lostDelta)
  const total = lost + Math.max(0, receivedDelta)
  return total > 0 ? (100 * lost) / total : 0
}

interface DirectionResult {
  stats: DirectionStats
  /** packets the loss figure is based on */
  packets: number
  /** true when anything was received in this direction during the interval */
  received: boolean
  /** false when the report cannot tell an idle connection from a dead one (no consent counters) */
  silenceObservable: boolean
}

function emptyDirection(): DirectionStats {
  return {
    bitrateKbps: 0,
    packetsLostPct: 0,
    jitterMs: undefined,
    fps: undefined,
    width: undefined,
    height: undefined,
    transportKbps: 0,
  }
}

function round(v: number, digits = 1): number {
  const f = 10 ** digits
  return Math.round(v * f) / f
}

/** The video stream that carried the most bytes during the interval (the visible one). */
function mainVideo(
  current: readonly RtpCounters[],
  previous: ReadonlyMap<string, RtpCounters>,
): { cur: RtpCounters; prev: RtpCounters | undefined } | undefined {
  let best: { cur: RtpCounters; prev: RtpCounters | undefined; bytes: number } | undefined
  for (const cur of current) {
    if (cur.kind !== 'video') continue
    const prev = previous.get(cur.id)
    const bytes = counterDelta(prev?.bytes, cur.bytes)
    if (!best || bytes > best.bytes) best = { cur, prev, bytes }
  }
  return best
}

function videoFields(
  main: { cur: RtpCounters; prev: RtpCounters | undefined } | undefined,
): Pick<DirectionStats, 'fps' | 'width' | 'height'> {
  if (!main) return { fps: undefined, width: undefined, height: undefined }
  const { cur, prev } = main
  let fps = cur.fps
  if (fps === undefined && prev && cur.frames !== undefined && prev.frames !== undefined) {
    const ms = cur.timestamp - prev.timestamp
    fps = ms > 0 ? (1000 * counterDelta(prev.frames, cur.frames)) / ms : undefined
  }
  return { fps: fps === undefined ? undefined : round(fps), width: cur.width, height: cur.height }
}

function rtpDirection(
  prev: readonly RtpCounters[] | undefined,
  cur: readonly RtpCounters[],
): { bitrateKbps: number; bytes: number; packets: number; lost: number; byId: Map<string, RtpCounters> } {
  const byId = new Map((prev ?? []).map((c) => [c.id, c]))
  let bitrate = 0
  let bytes = 0
  let packets = 0
  let lost = 0
  for (const c of cur) {
    const p = byId.get(c.id)
    if (!p) continue // a stream seen for the first time has no interval yet
    const db = counterDelta(p.bytes, c.bytes)
    bitrate += kbps(db, c.timestamp - p.timestamp)
    bytes += db
    packets += counterDelta(p.packets, c.packets)
    if (c.packetsLost !== undefined && p.packetsLost !== undefined) lost += c.packetsLost - p.packetsLost
  }
  return { bitrateKbps: bitrate, bytes, packets, lost, byId }
}

function pairKbps(
  prev: PairCounters | undefined,
  cur: PairCounters | undefined,
  key: 'bytesSent' | 'bytesReceived',
) {
  if (!prev || !cur || prev.key !== cur.key) return 0
  return kbps(counterDelta(prev[key], cur[key]), cur.timestamp - prev.timestamp)
}

function maxDefined(values: readonly (number | undefined)[]): number | undefined {
  let max: number | undefined
  for (const v of values) if (v !== undefined && (max === undefined || v > max)) max = v
  return max
}

/** Inbound direction over the interval prev → cur. */
export function inboundStats(prev: StatsSnapshot | undefined, cur: StatsSnapshot): DirectionResult {
  const rtp = rtpDirection(prev?.inbound, cur.inbound)
  const stats = emptyDirection()
  stats.bitrateKbps = round(rtp.bitrateKbps)
  stats.packetsLostPct = round(inboundLossPct(rtp.lost, rtp.packets), 2)
  const jitter = maxDefined(cur.inbound.map((c) => c.jitter))
  stats.jitterMs = jitter === undefined ? undefined : round(jitter * 1000)
  Object.assign(stats, videoFields(mainVideo(cur.inbound, rtp.byId)))
  stats.transportKbps = round(pairKbps(prev?.pair, cur.pair, 'bytesReceived'))
  const p = prev?.pair
  const c = cur.pair
  const pairReceived =
    p !== undefined &&
    c !== undefined &&
    (c.bytesReceived > p.bytesReceived ||
      (c.consentReceived !== undefined &&
        p.consentReceived !== undefined &&
        c.consentReceived > p.consentReceived))
  return {
    stats,
    packets: rtp.packets + Math.max(0, rtp.lost),
    received: rtp.bytes > 0 || pairReceived,
    // Silence can only be judged when idle connections still show traffic: ICE consent counters,
    // or RTP streams that are expected to flow.
    silenceObservable: c?.consentReceived !== undefined || cur.inbound.length > 0,
  }
}

/**
 * Outbound direction over the interval prev → cur. Loss comes from the peer's receiver reports
 * (remote-inbound-rtp): Δlost / Δsent of the matching outbound-rtp; when nothing was sent,
 * the last reported `fractionLost`.
 */
export function outboundStats(prev: StatsSnapshot | undefined, cur: StatsSnapshot): DirectionResult {
  const rtp = rtpDirection(prev?.outbound, cur.outbound)
  const stats = emptyDirection()
  stats.bitrateKbps = round(rtp.bitrateKbps)
  const prevRemote = new Map((prev?.remoteInbound ?? []).map((r) => [r.id, r]))
  let lost = 0
  let sent = 0
  let fraction: number | undefined
  for (const r of cur.remoteInbound) {
    const p = prevRemote.get(r.id)
    const local = cur.outbound.find((o) => o.id === r.localId)
    const localPrev = local ? rtp.byId.get(local.id) : undefined
    if (p && local && localPrev) {
      lost += Math.max(0, (r.packetsLost ?? 0) - (p.packetsLost ?? 0))
      sent += counterDelta(localPrev.packets, local.packets)
    }
    if (r.fractionLost !== undefined) fraction = Math.max(fraction ?? 0, r.fractionLost)
  }
  const pct = sent > 0 ? Math.min(100, (100 * lost) / sent) : 100 * (fraction ?? 0)
  stats.packetsLostPct = round(pct, 2)
  const jitter = maxDefined(cur.remoteInbound.map((r) => r.jitter))
  stats.jitterMs = jitter === undefined ? undefined : round(jitter * 1000)
  Object.assign(stats, videoFields(mainVideo(cur.outbound, rtp.byId)))
  stats.transportKbps = round(pairKbps(prev?.pair, cur.pair, 'bytesSent'))
  return { stats, packets: sent > 0 ? sent : rtp.packets, received: false, silenceObservable: true }
}

/** Media RTT from the peer's receiver reports, else the ICE RTT of the selected pair (ms). */
export function rttMs(cur: StatsSnapshot): number | undefined {
  const media = maxDefined(cur.remoteInbound.map((r) => r.roundTripTime))
  const seconds = media ?? cur.pair?.currentRoundTripTime
  return seconds === undefined ? undefined : round(seconds * 1000)
}

/** Reason the main outbound video is limited, if any video is sent. */
export function limitationReason(cur: StatsSnapshot): QualityLimitationReason | undefined {
  let reason: QualityLimitationReason | undefined
  for (const o of cur.outbound) {
    if (o.kind !== 'video' || o.limitation === undefined) continue
    if (reason === undefined || reason === 'none') reason = o.limitation
  }
  return reason
}

// ------------------------------------------------------------------ levels

const ORDER: readonly QualityLevel[] = ['excellent', 'good', 'poor', 'lost']

export function worstLevel(...levels: QualityLevel[]): QualityLevel {
  let worst: QualityLevel = 'excellent'
  for (const l of levels) if (ORDER.indexOf(l) > ORDER.indexOf(worst)) worst = l
  return worst
}

function levelFor(value: number | undefined, excellent: number, good: number): QualityLevel {
  if (value === undefined) return 'excellent'
  if (value < excellent) return 'excellent'
  if (value < good) return 'good'
  return 'poor'
}

export interface QualityInputs {
  /** worst loss of the two directions, % (undefined: not enough packets to judge) */
  lossPct: number | undefined
  rttMs: number | undefined
  /** worst jitter of the two directions, ms */
  jitterMs: number | undefined
  /** how long nothing at all has been received while connected, ms */
  silentForMs: number
  connected: boolean
}

/** Maps the metrics to a level: the worst of the per-metric levels (thresholds: docs/quality.md). */
export function classifyQuality(
  inputs: QualityInputs,
  thresholds: QualityThresholds = DEFAULT_THRESHOLDS,
): QualityLevel {
  if (!inputs.connected || inputs.silentForMs >= thresholds.lostAfterMs) return 'lost'
  const { excellent: e, good: g } = thresholds
  return worstLevel(
    levelFor(inputs.lossPct, e.lossPct, g.lossPct),
    levelFor(inputs.rttMs, e.rttMs, g.rttMs),
    levelFor(inputs.jitterMs, e.jitterMs, g.jitterMs),
  )
}

// ------------------------------------------------------------------ one step

/** What the sampler carries from one step to the next. */
export interface QualityState {
  previous: StatsSnapshot | undefined
  /** report time at which something was last received (or sampling started) */
  lastReceivedAt: number | undefined
}

export function initialQualityState(): QualityState {
  return { previous: undefined, lastReceivedAt: undefined }
}

/**
 * One sampling step: the sample for `cur` and the state for the next step.
 * `connected` is whether the peer connection is currently connected (ICE connected/completed);
 * a disconnected or failed connection is 'lost' at once.
 */
export function computeSample(
  state: QualityState,
  cur: StatsSnapshot,
  connected: boolean,
  thresholds: QualityThresholds = DEFAULT_THRESHOLDS,
): { sample: QualitySample; state: QualityState } {
  const inbound = inboundStats(state.previous, cur)
  const outbound = outboundStats(state.previous, cur)
  const now = cur.timestamp
  // The silence clock (re)starts with the first snapshot and while not connected: 'lost' by
  // silence means "connected, yet nothing arrives".
  const lastReceivedAt =
    state.lastReceivedAt === undefined || !connected || inbound.received || !inbound.silenceObservable
      ? now
      : state.lastReceivedAt
  const rtt = rttMs(cur)
  const min = thresholds.minPacketsForLoss
  const loss = maxDefined([
    inbound.packets >= min ? inbound.stats.packetsLostPct : undefined,
    outbound.packets >= min ? outbound.stats.packetsLostPct : undefined,
  ])
  const level = classifyQuality(
    {
      lossPct: loss,
      rttMs: rtt,
      jitterMs: maxDefined([inbound.stats.jitterMs, outbound.stats.jitterMs]),
      silentForMs: now - lastReceivedAt,
      connected,
    },
    thresholds,
  )
  const sample: QualitySample = {
    level,
    timestamp: now,
    outbound: outbound.stats,
    inbound: inbound.stats,
    rttMs: rtt,
    path: cur.pair?.path ?? { local: undefined, remote: undefined, protocol: undefined },
    limitation: limitationReason(cur),
  }
  return { sample, state: { previous: cur, lastReceivedAt } }
}
