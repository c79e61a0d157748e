/**
 * Connection quality of one peer, as produced by the stats sampler (src/stats, media engineer).
 * Declared here so that Room and Participant can carry samples; the sampler fills them in.
 */
export interface DirectionStats {
  bitrateKbps: number
  packetsLostPct: number
  jitterMs: number | undefined
  fps: number | undefined
  width: number | undefined
  height: number | undefined
}

export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay' | undefined

export interface QualitySample {
  level: 'excellent' | 'good' | 'poor' | 'lost'
  timestamp: number
  outbound: DirectionStats
  inbound: DirectionStats
  rttMs: number | undefined
  path: { local: CandidateType; remote: CandidateType; protocol: 'udp' | 'tcp' | undefined }
}
