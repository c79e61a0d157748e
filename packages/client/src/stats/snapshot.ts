/**
 * Reads the cumulative counters Parley needs out of an `RTCPeerConnection.getStats()` report
 * (a real RTCStatsReport or a plain Map of stats objects), tolerating what browsers and
 * node-datachannel omit or name differently. The math on them is in quality.ts.
 */

export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay'
export type TransportProtocol = 'udp' | 'tcp'
export type QualityLimitationReason = 'none' | 'bandwidth' | 'cpu' | 'other'

export interface CandidatePath {
  local: CandidateType | undefined
  remote: CandidateType | undefined
  protocol: TransportProtocol | undefined
  /** For a local relay candidate: how this client reaches the TURN server. */
  relayProtocol?: 'udp' | 'tcp' | 'tls' | undefined
}

/** What is read from a stats report: a real RTCStatsReport or a Map of plain objects. */
export interface StatsReportLike {
  forEach(callback: (value: unknown, key: string) => void): void
}

type Kind = 'audio' | 'video'

export interface RtpCounters {
  id: string
  kind: Kind
  timestamp: number
  bytes: number
  packets: number
  /** inbound only: cumulative packets lost */
  packetsLost: number | undefined
  /** framesEncoded (outbound) / framesDecoded (inbound) */
  frames: number | undefined
  fps: number | undefined
  width: number | undefined
  height: number | undefined
  /** seconds (inbound only) */
  jitter: number | undefined
  limitation: QualityLimitationReason | undefined
}

export interface RemoteInboundCounters {
  id: string
  /** id of the local outbound-rtp this report is about */
  localId: string | undefined
  kind: Kind
  packetsLost: number | undefined
  fractionLost: number | undefined
  /** seconds */
  jitter: number | undefined
  /** seconds */
  roundTripTime: number | undefined
}

export interface PairCounters {
  id: string
  /** Identity of the pair across reports: candidate addresses (some stacks renew ids per report). */
  key: string
  /** The local candidate's `address:port` (a relay candidate's is on the TURN server). */
  localAddress: string | undefined
  /** The remote candidate's `address:port`. */
  remoteAddress: string | undefined
  timestamp: number
  bytesSent: number
  bytesReceived: number
  /** ICE connectivity/consent traffic received (STUN requests + responses); undefined: not reported */
  consentReceived: number | undefined
  /** seconds */
  currentRoundTripTime: number | undefined
  path: CandidatePath
}

/** The cumulative counters of one report that the math needs. */
export interface StatsSnapshot {
  timestamp: number
  outbound: RtpCounters[]
  inbound: RtpCounters[]
  remoteInbound: RemoteInboundCounters[]
  pair: PairCounters | undefined
}

type Rec = Readonly<Record<string, unknown>>

function isRec(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null
}
function num(r: Rec, key: string): number | undefined {
  const v = r[key]
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}
function str(r: Rec, key: string): string | undefined {
  const v = r[key]
  return typeof v === 'string' ? v : undefined
}
function kindOf(r: Rec): Kind | undefined {
  const k = str(r, 'kind') ?? str(r, 'mediaType')
  return k === 'audio' || k === 'video' ? k : undefined
}
function candidateType(v: string | undefined): CandidateType | undefined {
  return v === 'host' || v === 'srflx' || v === 'prflx' || v === 'relay' ? v : undefined
}
function protocolOf(v: string | undefined): TransportProtocol | undefined {
  const p = v?.toLowerCase()
  return p === 'udp' || p === 'tcp' ? p : undefined
}
function relayProtocolOf(v: string | undefined): 'udp' | 'tcp' | 'tls' | undefined {
  const p = v?.toLowerCase()
  return p === 'udp' || p === 'tcp' || p === 'tls' ? p : undefined
}
function limitationOf(v: string | undefined): QualityLimitationReason | undefined {
  return v === 'none' || v === 'bandwidth' || v === 'cpu' || v === 'other' ? v : undefined
}

function rtpCounters(r: Rec, id: string, kind: Kind, inbound: boolean): RtpCounters {
  return {
    id,
    kind,
    timestamp: num(r, 'timestamp') ?? 0,
    bytes: num(r, inbound ? 'bytesReceived' : 'bytesSent') ?? 0,
    packets: num(r, inbound ? 'packetsReceived' : 'packetsSent') ?? 0,
    packetsLost: inbound ? num(r, 'packetsLost') : undefined,
    frames: num(r, inbound ? 'framesDecoded' : 'framesEncoded'),
    fps: num(r, 'framesPerSecond'),
    width: num(r, 'frameWidth'),
    height: num(r, 'frameHeight'),
    jitter: inbound ? num(r, 'jitter') : undefined,
    limitation: inbound ? undefined : limitationOf(str(r, 'qualityLimitationReason')),
  }
}

export interface SnapshotOptions {
  /**
   * Unit of the candidate pair's RTT fields. The spec says seconds; node-datachannel's polyfill
   * (0.33) reports milliseconds there. Default 's'.
   */
  pairRttUnit?: 's' | 'ms'
}

function candidateAddress(c: Rec | undefined): string | undefined {
  if (!c) return undefined
  const ip = str(c, 'address') ?? str(c, 'ip')
  const port = num(c, 'port')
  return ip === undefined || port === undefined ? undefined : `${ip}:${port}`
}

/**
 * Extracts the cumulative counters of a report. The selected candidate pair is the one named by
 * the transport's `selectedCandidatePairId` (Chromium, spec), else the pair flagged `selected`
 * (Firefox), else a nominated succeeded pair.
 */
export function snapshotFromReport(report: StatsReportLike, options: SnapshotOptions = {}): StatsSnapshot {
  const byId = new Map<string, Rec>()
  const snapshot: StatsSnapshot = {
    timestamp: 0,
    outbound: [],
    inbound: [],
    remoteInbound: [],
    pair: undefined,
  }
  const pairs: Rec[] = []
  let selectedPairId: string | undefined
  report.forEach((value, key) => {
    if (!isRec(value)) return
    const id = str(value, 'id') ?? key
    byId.set(id, value)
    snapshot.timestamp = Math.max(snapshot.timestamp, num(value, 'timestamp') ?? 0)
    const kind = kindOf(value)
    switch (str(value, 'type')) {
      case 'outbound-rtp':
        if (kind) snapshot.outbound.push(rtpCounters(value, id, kind, false))
        break
      case 'inbound-rtp':
        if (kind) snapshot.inbound.push(rtpCounters(value, id, kind, true))
        break
      case 'remote-inbound-rtp':
        if (kind)
          snapshot.remoteInbound.push({
            id,
            localId: str(value, 'localId'),
            kind,
            packetsLost: num(value, 'packetsLost'),
            fractionLost: num(value, 'fractionLost'),
            jitter: num(value, 'jitter'),
            roundTripTime: num(value, 'roundTripTime'),
          })
        break
      case 'candidate-pair':
        pairs.push(value)
        break
      case 'transport':
        selectedPairId ??= str(value, 'selectedCandidatePairId')
        break
    }
  })
  const selected =
    (selectedPairId === undefined ? undefined : byId.get(selectedPairId)) ??
    pairs.find((p) => p.selected === true) ??
    pairs.find((p) => p.nominated === true && str(p, 'state') === 'succeeded')
  if (selected) {
    const local = byId.get(str(selected, 'localCandidateId') ?? '')
    const remote = byId.get(str(selected, 'remoteCandidateId') ?? '')
    const path: CandidatePath = {
      local: candidateType(local && str(local, 'candidateType')),
      remote: candidateType(remote && str(remote, 'candidateType')),
      protocol: protocolOf(local && str(local, 'protocol')),
    }
    const relayProtocol = relayProtocolOf(local && str(local, 'relayProtocol'))
    if (relayProtocol) path.relayProtocol = relayProtocol
    const id = str(selected, 'id') ?? ''
    const localAddress = candidateAddress(local)
    const remoteAddress = candidateAddress(remote)
    const requests = num(selected, 'requestsReceived')
    const responses = num(selected, 'responsesReceived')
    const rtt = num(selected, 'currentRoundTripTime')
    snapshot.pair = {
      id,
      key: localAddress && remoteAddress ? `${localAddress}>${remoteAddress}` : id,
      localAddress,
      remoteAddress,
      timestamp: num(selected, 'timestamp') ?? snapshot.timestamp,
      bytesSent: num(selected, 'bytesSent') ?? 0,
      bytesReceived: num(selected, 'bytesReceived') ?? 0,
      consentReceived:
        requests === undefined && responses === undefined ? undefined : (requests ?? 0) + (responses ?? 0),
      currentRoundTripTime: rtt !== undefined && options.pairRttUnit === 'ms' ? rtt / 1000 : rtt,
      path,
    }
  }
  return snapshot
}
