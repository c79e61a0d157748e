import type { MediaFlags, PeerConnection, QualityFigures, RoomPhase } from '../call/types.js'

/**
 * The part of @parley/client the web app uses, as narrow interfaces. `sdk/parley.ts` binds them
 * to the real SDK (and the compiler checks that the SDK satisfies them); stores and components
 * depend on these only, so they stay small and testable.
 */

export interface DeviceLists {
  readonly audioInputs: readonly MediaDeviceInfo[]
  readonly videoInputs: readonly MediaDeviceInfo[]
}

/** What the room exposes of the media it publishes. */
export interface PublishedMedia {
  readonly stream: MediaStream
  readonly audioTrack: MediaStreamTrack | undefined
  readonly videoTrack: MediaStreamTrack | undefined
}

export interface LocalMediaPort extends PublishedMedia {
  /** The screen being shared, if any (kept apart from the camera stream). */
  readonly screenTrack: MediaStreamTrack | undefined
  switchCamera(deviceId: string): Promise<MediaStreamTrack>
  switchMicrophone(deviceId: string): Promise<MediaStreamTrack>
  /** 0..1 current microphone level. */
  audioLevel(): number
  /** Idempotent. */
  stop(): void
}

export interface MediaRequest {
  readonly audio: boolean | MediaTrackConstraints
  readonly video: boolean | MediaTrackConstraints
}

export interface MediaPort {
  create(request: MediaRequest): Promise<LocalMediaPort>
  listDevices(): Promise<DeviceLists>
}

export type ChannelPreset = 'reliable' | 'unreliable' | 'partial'

export interface SendOptions {
  channel?: ChannelPreset
}

export interface ParticipantPort {
  readonly peerId: string
  readonly name: string
  readonly state: PeerConnection
  readonly mediaState: MediaFlags
  readonly stream: MediaStream | undefined
  readonly quality: QualityFigures | undefined
  readonly sas: string | undefined
  send(message: unknown, options?: SendOptions): Promise<void>
}

export interface ErrorLike {
  readonly code: string
  readonly message: string
}

/** The Room events the app listens to (same names and arguments as the SDK's RoomEvents). */
export interface RoomEventsPort {
  state: (state: RoomPhase) => void
  'participant-joined': (p: ParticipantPort) => void
  /** `reason` 'afresh': the same peer is back at once as a new participant (our session was dropped). */
  'participant-left': (p: ParticipantPort, reason: string) => void
  /** `p` came back under the same id after reloading its page (its connection is re-established). */
  'participant-restarted': (p: ParticipantPort) => void
  'participant-away': (p: ParticipantPort, graceMs: number) => void
  track: (p: ParticipantPort, track: MediaStreamTrack, stream: MediaStream) => void
  'track-removed': (p: ParticipantPort, track: MediaStreamTrack) => void
  message: (p: ParticipantPort, message: unknown, channel: ChannelPreset) => void
  'connection-state': (p: ParticipantPort, state: PeerConnection) => void
  'media-state': (p: ParticipantPort, state: MediaFlags) => void
  quality: (p: ParticipantPort, sample: QualityFigures) => void
  'data-channel': (p: ParticipantPort, channel: RTCDataChannel) => void
  error: (error: ErrorLike) => void
}

export interface RoomPort {
  readonly localPeerId: string
  /** Resumes this peer's session from a reloaded page (JoinRequest.resume). */
  readonly resumeToken: string | undefined
  readonly localName: string
  readonly state: RoomPhase
  readonly participants: ReadonlyMap<string, ParticipantPort>
  participant(peerId: string): ParticipantPort | undefined
  readonly localMedia: PublishedMedia | undefined
  readonly mediaState: MediaFlags
  on<K extends keyof RoomEventsPort>(event: K, fn: RoomEventsPort[K]): () => void
  broadcast(message: unknown, options?: SendOptions): Promise<void>
  setMicrophoneEnabled(on: boolean): void
  setCameraEnabled(on: boolean): void
  startScreenShare(): Promise<void>
  stopScreenShare(): Promise<void>
  /** Idempotent. */
  leave(): Promise<void>
}

export interface JoinRequest {
  readonly serverUrl: string
  readonly room: string
  readonly name: string
  readonly local: LocalMediaPort | undefined
  /**
   * The resume token the page had before a reload: the room takes that session over (same peer
   * id, transfers continue) if the server still holds it, else joins afresh.
   */
  readonly resume?: string | undefined
}

export type JoinRoom = (request: JoinRequest) => Promise<RoomPort>

/** Audio level of one track (a remote participant's), for the active-speaker highlight. */
export interface TrackMeter {
  /** 0..1 RMS level now. */
  level(): number
  /** Idempotent. */
  close(): void
}

export type MeterTrack = (track: MediaStreamTrack) => TrackMeter | undefined
