/** Synthetic RTCStatsReport-like maps shaped like Chromium's getStats() output. */

export type StatsEntry = { id: string; type: string; timestamp: number } & Record<string, unknown>

export function report(...entries: StatsEntry[]): Map<string, StatsEntry> {
  return new Map(entries.map((e) => [e.id, e]))
}

export interface CallCounters {
  t: number
  /** outbound video */
  vSentBytes?: number
  vSentPackets?: number
  vFramesEncoded?: number
  vFps?: number
  vLimitation?: string
  /** outbound audio */
  aSentBytes?: number
  aSentPackets?: number
  /** peer's receiver report about our video */
  riLost?: number
  riFraction?: number
  riJitter?: number
  riRtt?: number
  /** inbound video */
  vRecvBytes?: number
  vRecvPackets?: number
  vRecvLost?: number
  vRecvJitter?: number
  vFramesDecoded?: number
  vRecvFps?: number
  /** selected pair */
  pairSent?: number
  pairRecv?: number
  consent?: number
  pairRtt?: number
  localType?: string
  remoteType?: string
  protocol?: string
}

/** A one-peer audio+video call report with the given cumulative counters. */
export function callReport(c: CallCounters): Map<string, StatsEntry> {
  const t = c.t
  const entries: StatsEntry[] = [
    {
      id: 'T01',
      type: 'transport',
      timestamp: t,
      selectedCandidatePairId: 'CP1',
    },
    {
      id: 'CP1',
      type: 'candidate-pair',
      timestamp: t,
      localCandidateId: 'L1',
      remoteCandidateId: 'R1',
      nominated: true,
      state: 'succeeded',
      bytesSent: c.pairSent ?? 0,
      bytesReceived: c.pairRecv ?? 0,
      requestsReceived: c.consent ?? 0,
      responsesReceived: c.consent ?? 0,
      ...(c.pairRtt === undefined ? {} : { currentRoundTripTime: c.pairRtt }),
    },
    {
      id: 'CP2',
      type: 'candidate-pair',
      timestamp: t,
      localCandidateId: 'L2',
      remoteCandidateId: 'R1',
      nominated: false,
      state: 'succeeded',
      bytesSent: 0,
      bytesReceived: 0,
    },
    {
      id: 'L1',
      type: 'local-candidate',
      timestamp: t,
      candidateType: c.localType ?? 'host',
      protocol: c.protocol ?? 'udp',
    },
    { id: 'L2', type: 'local-candidate', timestamp: t, candidateType: 'relay', protocol: 'udp' },
    {
      id: 'R1',
      type: 'remote-candidate',
      timestamp: t,
      candidateType: c.remoteType ?? 'host',
      protocol: 'udp',
    },
    {
      id: 'OV',
      type: 'outbound-rtp',
      kind: 'video',
      timestamp: t,
      bytesSent: c.vSentBytes ?? 0,
      packetsSent: c.vSentPackets ?? 0,
      framesEncoded: c.vFramesEncoded ?? 0,
      frameWidth: 640,
      frameHeight: 480,
      qualityLimitationReason: c.vLimitation ?? 'none',
      ...(c.vFps === undefined ? {} : { framesPerSecond: c.vFps }),
    },
    {
      id: 'OA',
      type: 'outbound-rtp',
      kind: 'audio',
      timestamp: t,
      bytesSent: c.aSentBytes ?? 0,
      packetsSent: c.aSentPackets ?? 0,
    },
    {
      id: 'IV',
      type: 'inbound-rtp',
      kind: 'video',
      timestamp: t,
      bytesReceived: c.vRecvBytes ?? 0,
      packetsReceived: c.vRecvPackets ?? 0,
      packetsLost: c.vRecvLost ?? 0,
      jitter: c.vRecvJitter ?? 0,
      framesDecoded: c.vFramesDecoded ?? 0,
      frameWidth: 320,
      frameHeight: 240,
      ...(c.vRecvFps === undefined ? {} : { framesPerSecond: c.vRecvFps }),
    },
  ]
  if (c.riLost !== undefined || c.riRtt !== undefined) {
    entries.push({
      id: 'RIV',
      type: 'remote-inbound-rtp',
      kind: 'video',
      // receiver reports carry the time they arrived, not the time of the report
      timestamp: t - 300,
      localId: 'OV',
      packetsLost: c.riLost ?? 0,
      fractionLost: c.riFraction ?? 0,
      jitter: c.riJitter ?? 0,
      ...(c.riRtt === undefined ? {} : { roundTripTime: c.riRtt }),
    })
  }
  return report(...entries)
}
