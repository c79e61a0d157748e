import type { MediaState } from './LocalMediaLike.js'
import type { Logger } from './Logger.js'
import type { ConnectionInfo, PeerSession, PeerState } from './PeerSession.js'
import type { ChannelPreset } from './PresetChannel.js'
import type { QualitySample } from './QualitySample.js'
import { TypedEmitter } from './TypedEmitter.js'

export interface ParticipantEvents {
  state: (state: PeerState) => void
  message: (message: unknown, channel: ChannelPreset) => void
  track: (track: MediaStreamTrack, stream: MediaStream) => void
  'track-removed': (track: MediaStreamTrack) => void
  'media-state': (state: MediaState) => void
  quality: (sample: QualitySample) => void
  /** The short authentication string became known (or changed with a new connection). */
  sas: (sas: string) => void
  'data-channel': (channel: RTCDataChannel) => void
}

export interface SendOptions {
  /** Delivery preset (default 'reliable'). */
  channel?: ChannelPreset
}

const NO_MEDIA: MediaState = Object.freeze({ audio: false, video: false, screen: false })

/**
 * A remote peer of the room, as the application sees it. Created and owned by Room; it lives until
 * the peer leaves (or the room is left), across reconnections of the underlying PeerSession.
 */
export class Participant extends TypedEmitter<ParticipantEvents> {
  readonly peerId: string
  #name: string
  readonly #session: PeerSession
  #mediaState: MediaState = NO_MEDIA
  #quality: QualitySample | undefined

  /** @internal Created by Room. */
  constructor(peerId: string, name: string, session: PeerSession, logger: Logger) {
    super((error, event) => logger.error({ error, event, peerId }, 'participant listener threw'))
    this.peerId = peerId
    this.#name = name
    this.#session = session
    session.on('state', (state) => this.emit('state', state))
    session.on('message', (message, preset) => this.emit('message', message, preset))
    session.on('track', (track, stream) => this.emit('track', track, stream))
    session.on('track-removed', (track) => this.emit('track-removed', track))
    session.on('sas', (sas) => this.emit('sas', sas))
    session.on('data-channel', (channel) => this.emit('data-channel', channel))
  }

  /** Display name given by the peer when it joined. */
  get name(): string {
    return this.#name
  }

  get state(): PeerState {
    return this.#session.state
  }

  /** The peer's published media state (what it says it sends). */
  get mediaState(): MediaState {
    return this.#mediaState
  }

  /** The peer's media (browsers), once a track arrived. */
  get stream(): MediaStream | undefined {
    return this.#session.remoteStream
  }

  /** Latest connection quality sample. */
  get quality(): QualitySample | undefined {
    return this.#quality
  }

  /**
   * Short authentication string derived from both DTLS fingerprints (6 digits, "123 456"),
   * identical on both ends unless someone (e.g. the signaling server) intercepts the connection.
   * Compare it out of band (read it aloud). Undefined until both fingerprints are known.
   */
  get sas(): string | undefined {
    return this.#session.sas
  }

  /** False when the peer (or this runtime) cannot renegotiate: a Node peer, which takes data only. */
  get acceptsMedia(): boolean {
    return this.#session.canRenegotiate
  }

  /** Diagnostics of the underlying connection (generation, negotiations, ICE restarts). */
  get connectionInfo(): ConnectionInfo {
    return this.#session.connectionInfo
  }

  /** The current RTCPeerConnection (for stats); replaced when the connection is re-established. */
  get peerConnection(): RTCPeerConnection | undefined {
    return this.#session.peerConnection
  }

  /**
   * Sends a JSON value or bytes (Uint8Array, ArrayBuffer, any ArrayBufferView). Resolves once the
   * message is handed to the transport: waits for the connection and for buffer room; messages
   * larger than the peer's max-message-size are chunked and reassembled transparently.
   * Rejects with CHANNEL_CLOSED if the peer leaves first, MESSAGE_TOO_LARGE, INVALID_ARGUMENT.
   */
  send(message: unknown, options?: SendOptions): Promise<void> {
    return this.#session.send(message, options?.channel ?? 'reliable')
  }

  /**
   * Opens an application channel to this peer (e.g. for file transfer). Labels starting with
   * `parley:` are reserved. The channel belongs to the current connection: if the connection is
   * re-established, open a new one. Channels the peer opens arrive as 'data-channel' events.
   */
  createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
    return this.#session.createDataChannel(label, init)
  }

  /** Restarts ICE (or re-establishes the connection where ICE restart is not possible). */
  restartIce(): void {
    this.#session.restartIce()
  }

  /** @internal The peer announced its media state. */
  setMediaState(state: MediaState): void {
    const next = { audio: state.audio, video: state.video, screen: state.screen }
    const current = this.#mediaState
    if (current.audio === next.audio && current.video === next.video && current.screen === next.screen) return
    this.#mediaState = Object.freeze(next)
    this.emit('media-state', this.#mediaState)
  }

  /** @internal A stats sample for this peer (called by the stats sampler through Room). */
  setQuality(sample: QualitySample): void {
    this.#quality = sample
    this.emit('quality', sample)
  }

  /** @internal */
  get session(): PeerSession {
    return this.#session
  }

  /** @internal */
  setName(name: string): void {
    this.#name = name
  }

  /** @internal Closes the session and drops every listener. */
  dispose(): void {
    this.#session.close()
    this.removeAllListeners()
  }
}
