import type { JoinRoom, MediaPort, MeterTrack } from './ports.js'

/** The SDK entry points the pages use (the real binding is in parley.ts; tests may pass fakes). */
export interface Sdk {
  readonly media: MediaPort
  readonly joinRoom: JoinRoom
  readonly meterTrack: MeterTrack
}
