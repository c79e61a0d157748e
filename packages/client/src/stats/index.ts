/** Public surface of the stats layer (re-exported by src/index.ts). */

export {
  type MonitoredParticipant,
  type MonitoredRoom,
  QualityMonitor,
  type QualityMonitorOptions,
  type QualityMonitorState,
} from './QualityMonitor.js'
export {
  type CandidatePath,
  type CandidateType,
  classifyQuality,
  computeSample,
  DEFAULT_THRESHOLDS,
  type DirectionStats,
  initialQualityState,
  type QualityLevel,
  type QualityLimitationReason,
  type QualitySample,
  type QualityState,
  type QualityThresholds,
  type StatsReportLike,
  snapshotFromReport,
  type TransportProtocol,
} from './quality.js'
export {
  isSourceConnected,
  StatsSampler,
  type StatsSamplerEvents,
  type StatsSamplerOptions,
  type StatsSamplerState,
  type StatsSource,
} from './StatsSampler.js'
