/**
 * Connection quality of one peer. Defined by the stats layer (src/stats/quality.ts; thresholds in
 * docs/quality.md) and re-exported here for Room and Participant.
 */
export type { CandidatePath, CandidateType, DirectionStats, QualitySample } from './stats/quality.js'
