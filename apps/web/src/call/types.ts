/**
 * What the call screen renders: plain snapshots built by CallController from the SDK's Room and
 * Participant objects. Components never touch the SDK; they read these and call controller methods.
 */

export interface MediaFlags {
  readonly audio: boolean
  readonly video: boolean
  readonly screen: boolean
}

export type RoomPhase = 'joining' | 'joined' | 'reconnecting' | 'left'
export type PeerConnection = 'new' | 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed'
export type QualityLevel = 'excellent' | 'good' | 'poor' | 'lost'

export interface DirectionFigures {
  readonly bitrateKbps: number
  readonly packetsLostPct: number
  readonly jitterMs: number | undefined
  readonly fps: number | undefined
  readonly width: number | undefined
  readonly height: number | undefined
}

export interface QualityFigures {
  readonly level: QualityLevel
  readonly timestamp: number
  readonly inbound: DirectionFigures
  readonly outbound: DirectionFigures
  readonly rttMs: number | undefined
  readonly path: {
    readonly local: string | undefined
    readonly remote: string | undefined
    readonly protocol: string | undefined
  }
}

export interface PeerView {
  readonly peerId: string
  readonly name: string
  readonly connection: PeerConnection
  readonly media: MediaFlags
  readonly stream: MediaStream | undefined
  /** Bumped when tracks are added to or removed from `stream` (same object, new content). */
  readonly streamVersion: number
  readonly quality: QualityFigures | undefined
  /** Recent inbound bitrates (kbit/s), oldest first, for the sparkline. */
  readonly bitrateHistory: readonly number[]
  /** Short authentication string: both sides see the same one unless someone is in the middle. */
  readonly sas: string | undefined
}

export interface SelfView {
  readonly peerId: string
  readonly name: string
  readonly media: MediaFlags
  readonly stream: MediaStream | undefined
  readonly streamVersion: number
}

export interface CallSnapshot {
  readonly phase: RoomPhase
  readonly self: SelfView
  /** Remote participants in join order. */
  readonly peers: readonly PeerView[]
}

export interface Notice {
  readonly id: number
  readonly text: string
  readonly tone: 'info' | 'warn' | 'error'
}
