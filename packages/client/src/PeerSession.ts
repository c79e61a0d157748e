import type { PeerSignal } from '@parley/protocol'
import { ParleyError } from './errors.js'
import { type Logger, silentLogger } from './Logger.js'
import { NegotiationQueue } from './NegotiationQueue.js'
import { Negotiator } from './Negotiator.js'
import { type MediaKind, PeerLink } from './PeerLink.js'
import { PeerMedia } from './PeerMedia.js'
import { PeerRecovery } from './PeerRecovery.js'
import { PEER_TRANSITIONS, type PeerState } from './PeerState.js'
import {
  type ChannelPreset,
  type ChannelSettings,
  type PresetChannel,
  RESERVED_LABEL_PREFIX,
} from './PresetChannel.js'
import type { PeerConfiguration, RtcRuntime } from './runtime.js'
import { SasTracker } from './Sas.js'
import { type ControlMessage, SdkChannels } from './SdkChannels.js'
import { StateMachine } from './StateMachine.js'
import { TypedEmitter } from './TypedEmitter.js'

export type { MediaKind } from './PeerLink.js'
export { PEER_TRANSITIONS, type PeerState } from './PeerState.js'

export interface PeerSessionOptions {
  readonly localId: string
  readonly remoteId: string
  readonly runtime: RtcRuntime
  /** Delivers a signal to the remote peer (through the signaling server). */
  readonly sendSignal: (signal: PeerSignal) => void
  /** ICE servers, or a function giving the current ones (read for each new connection generation). */
  readonly iceServers?: readonly RTCIceServer[] | (() => readonly RTCIceServer[])
  readonly iceTransportPolicy?: RTCIceTransportPolicy
  /** node-datachannel only: the largest IP packet sent (see RoomOptions.mtu). */
  readonly mtu?: number
  /** Reused by every connection generation so that the DTLS fingerprint (and the SAS) stays the same. */
  readonly certificates?: readonly RTCCertificate[]
  /** One connection attempt may take this long before an ICE restart or a new connection (default 10 s). */
  readonly connectTimeoutMs?: number
  /** ICE `disconnected` for longer than this triggers an ICE restart (default 3 s). */
  readonly disconnectedTimeoutMs?: number
  /** Consecutive recovery attempts (ICE restarts, new connections) before `failed` (default 8). */
  readonly maxConnectAttempts?: number
  readonly channels?: ChannelSettings
  /**
   * @internal Announce the SDK channels and create the optional ones when needed (default true).
   * false behaves as SDK versions before announcements did (for compatibility tests).
   */
  readonly announceChannels?: boolean
  /** A peer connection made ahead of need, configured as given (see SparePeerConnection); undefined: make one. */
  readonly takePeerConnection?: (configuration: RTCConfiguration) => RTCPeerConnection | undefined
  readonly logger?: Logger
}

export interface PeerSessionEvents {
  state: (state: PeerState, previous: PeerState) => void
  message: (message: unknown, preset: ChannelPreset) => void
  /** A raw channel opened by the remote peer (label not `parley:*`). */
  'data-channel': (channel: RTCDataChannel) => void
  track: (track: MediaStreamTrack, stream: MediaStream) => void
  'track-removed': (track: MediaStreamTrack) => void
  /** A new RTCPeerConnection is in use (first one, or a replacement): attach stats samplers here. */
  'peer-connection': (pc: RTCPeerConnection) => void
  /** The short authentication string is known (or changed with a new connection generation). */
  sas: (sas: string) => void
  /** The remote peer said goodbye over the data channel (it is leaving the room). */
  bye: () => void
  /** An SDK control message other than the goodbye (e.g. the peer's new signaling id). */
  control: (message: ControlMessage) => void
  error: (error: ParleyError) => void
}

/** Diagnostics of the current connection. */
export interface ConnectionInfo {
  /** Generation of the RTCPeerConnection (bumped each time it is replaced). */
  readonly epoch: number
  readonly polite: boolean
  /** Local descriptions (offers and answers) sent for the current generation. */
  readonly negotiations: number
  readonly iceRestarts: number
  /** Recovery attempts since the last time the peer was connected. */
  readonly attempts: number
}

/**
 * The connection to one remote peer: one RTCPeerConnection at a time, negotiated with the perfect
 * negotiation pattern.
 *
 * - Roles are deterministic: the side with the smaller peer id is polite. The impolite side makes
 *   the first offer of every connection generation; the polite side answers and, on glare, rolls
 *   back. Later renegotiations (media, ICE restarts) may start on either side.
 * - Every negotiation step (descriptions, candidates, restarts) runs through one serial queue.
 *   Remote candidates are buffered until the remote description is set; end-of-candidates is sent.
 * - Recovery: ICE `failed`, or `disconnected` for longer than `disconnectedTimeoutMs`, or no
 *   connection within `connectTimeoutMs` → ICE restart when both sides can renegotiate, otherwise
 *   (node-datachannel, or when an ICE restart did not help) a new RTCPeerConnection generation.
 *   After `maxConnectAttempts` attempts the session is `failed`.
 * - The SDK channels (`parley:reliable|unreliable|partial`) are negotiated channels with fixed ids
 *   and survive generations: messages queued while reconnecting are sent on the next connection.
 *
 * States: new → connecting → connected ⇄ reconnecting → failed | closed (see PEER_TRANSITIONS).
 */
export class PeerSession extends TypedEmitter<PeerSessionEvents> {
  readonly localId: string
  readonly remoteId: string
  /** Polite peers yield on offer collisions; the impolite one starts each connection generation. */
  readonly polite: boolean
  readonly #options: PeerSessionOptions
  readonly #logger: Logger
  readonly #machine: StateMachine<PeerState>
  readonly #queue = new NegotiationQueue()
  readonly #channels: SdkChannels
  readonly #media = new PeerMedia(() => this.#link)
  readonly #negotiator: Negotiator
  readonly #recovery: PeerRecovery
  readonly #sas: SasTracker
  #link: PeerLink | undefined

  constructor(options: PeerSessionOptions) {
    const logger = options.logger ?? silentLogger
    super((error, event) => logger.error({ error, event }, 'peer session listener threw'))
    this.#options = options
    this.#logger = logger
    this.localId = options.localId
    this.remoteId = options.remoteId
    this.polite = options.localId < options.remoteId
    this.#recovery = new PeerRecovery({
      remoteId: options.remoteId,
      polite: this.polite,
      connectTimeoutMs: options.connectTimeoutMs,
      disconnectedTimeoutMs: options.disconnectedTimeoutMs,
      maxConnectAttempts: options.maxConnectAttempts,
      queue: this.#queue,
      logger,
      link: () => this.#link,
      state: () => this.state,
      setState: (state) => this.#machine.set(state),
      canRenegotiate: () => this.canRenegotiate,
      channelsOpen: () => this.#channels.isOpen,
      signal: (signal) => this.#signal(signal),
      newLink: (epoch, offerer) => this.#newLink(epoch, offerer),
      connected: (link) => void this.#updateSas(link),
      failed: (error) => {
        this.emit('error', error)
        this.#release('peer connection failed')
      },
    })
    this.#machine = new StateMachine<PeerState>({
      name: 'peer',
      initial: 'new',
      table: PEER_TRANSITIONS,
      logger,
      onChange: (next, previous) => {
        this.#logger.debug({ from: previous, to: next }, 'peer state')
        this.emit('state', next, previous)
      },
    })
    this.#channels = new SdkChannels(
      options.channels ?? {},
      {
        message: (message, preset) => this.emit('message', message, preset),
        control: (message) => this.emit('control', message),
        bye: () => this.emit('bye'),
        open: () => this.#recovery.checkConnected(this.#link),
      },
      logger,
    )
    this.#negotiator = new Negotiator({
      polite: this.polite,
      flavor: options.runtime.flavor,
      queue: this.#queue,
      channels: this.#channels,
      announceChannels: options.announceChannels !== false,
      media: this.#media,
      logger,
      link: () => this.#link,
      closed: () => this.state === 'closed',
      reconnecting: () => {
        if (this.state === 'connected') this.#machine.set('reconnecting')
      },
      replaceLink: (epoch) => this.#newLink(epoch, false),
    })
    this.#sas = new SasTracker((sas) => this.emit('sas', sas), logger)
  }

  get state(): PeerState {
    return this.#machine.state
  }

  /** The RTCPeerConnection of the current generation (for stats). */
  get peerConnection(): RTCPeerConnection | undefined {
    return this.#link?.pc
  }

  /** Short authentication string of the current connection, once both fingerprints are known. */
  get sas(): string | undefined {
    return this.#sas.value
  }

  /** Remote media (browsers), once a track arrived. */
  get remoteStream(): MediaStream | undefined {
    return this.#media.remoteStream
  }

  /** False when this side or the remote one cannot renegotiate (node-datachannel): no media, no ICE restart. */
  get canRenegotiate(): boolean {
    return this.#options.runtime.flavor === 'native' && this.#negotiator.remoteRenegotiates
  }

  get connectionInfo(): ConnectionInfo {
    return {
      epoch: this.#link?.epoch ?? 0,
      polite: this.polite,
      negotiations: this.#link?.negotiations ?? 0,
      iceRestarts: this.#link?.iceRestarts ?? 0,
      attempts: this.#recovery.attempts,
    }
  }

  channel(preset: ChannelPreset): PresetChannel {
    return this.#channels.get(preset)
  }

  /** Starts connecting. The impolite side sends the first offer; the polite side waits for it. */
  start(): void {
    if (this.state !== 'new') return
    this.#machine.set('connecting')
    this.#newLink(0, !this.polite)
  }

  /** Handles a signal relayed from the remote peer (media-state signals are the Room's business). */
  handleSignal(signal: PeerSignal): void {
    if (this.state === 'closed' || this.state === 'failed') return
    const step = (name: string, fn: () => Promise<void>): void => {
      this.#queue.run(fn).catch((error: unknown) => {
        if (this.state !== 'closed') this.#logger.warn({ error, step: name }, 'negotiation step failed')
      })
    }
    switch (signal.kind) {
      case 'description':
        step('description', () =>
          this.#negotiator.description(
            signal.description,
            signal.epoch ?? 0,
            signal.renegotiation !== false,
            signal.announceChannels === true,
          ),
        )
        return
      case 'candidate':
        step('candidate', () => this.#negotiator.candidate(signal.candidate, signal.epoch ?? 0))
        return
      case 'reconnect':
        step('reconnect', async () => this.#recovery.reconnectRequest(signal.epoch))
        return
      case 'restart':
        step('restart', async () => this.#recovery.remoteRestart())
        return
      case 'media-state':
      case 'away':
      case 'bye':
        return
    }
  }

  /** Sends one message on a preset channel (waits for the connection and for buffer room). */
  send(message: unknown, preset: ChannelPreset = 'reliable'): Promise<void> {
    return this.#channels.send(message, preset)
  }

  /** Creates an application channel on the current connection (not recreated with a new generation). */
  createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
    if (label.startsWith(RESERVED_LABEL_PREFIX)) {
      throw new ParleyError(
        'INVALID_ARGUMENT',
        `channel labels starting with "${RESERVED_LABEL_PREFIX}" are reserved`,
      )
    }
    const link = this.#link
    if (!link || this.state === 'closed' || this.state === 'failed') {
      throw new ParleyError('CLOSED', 'peer session is closed')
    }
    return link.createDataChannel(label, init)
  }

  /** Restarts ICE now (or starts a new connection generation where ICE restarts are not possible). */
  restartIce(): void {
    this.#recovery.restartIce()
  }

  /**
   * Sends `track` as this peer's `kind` track (null: send nothing, keep the transceiver). The first
   * track of a kind adds a transceiver (one renegotiation); later calls use `replaceTrack`, so
   * camera ↔ screen switches need no renegotiation.
   */
  async setLocalTrack(kind: MediaKind, track: MediaStreamTrack | null, stream?: MediaStream): Promise<void> {
    this.#media.setLocal(kind, track, stream)
    const link = this.#link
    if (!link || this.state === 'closed' || this.state === 'failed') return
    if (this.#options.runtime.flavor !== 'native') {
      if (track) throw new ParleyError('MEDIA_UNSUPPORTED', 'this runtime cannot send media')
      return
    }
    if (!this.#negotiator.remoteRenegotiates) {
      this.#logger.info({ kind }, 'remote peer cannot receive media; track not sent')
      return
    }
    await this.#queue.run(() => this.#media.apply(link, kind))
  }

  /**
   * Waits (at most `timeoutMs`) until every queued message of every preset channel was handed to
   * the transport and the transport buffers are empty. Resolves true when all was drained.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    return this.#channels.drain(timeoutMs)
  }

  /**
   * Says goodbye over the reliable channel and waits (at most `timeoutMs`) for the acknowledgement,
   * which proves that every message sent before it was delivered.
   */
  async sayGoodbye(timeoutMs: number): Promise<void> {
    if (this.state === 'closed') return
    await this.#channels.sayGoodbye(timeoutMs, (stop) =>
      this.on('state', (state) => state !== 'connected' && stop()),
    )
  }

  /** Sends an SDK control message over the reliable channel (dropped if it is not open). */
  sendControl(message: ControlMessage): void {
    this.#channels.sendControl(message)
  }

  /** Hands a goodbye to the transport without waiting (the page is unloading). */
  sayGoodbyeNow(): void {
    this.#channels.sendControl({ type: 'bye' })
  }

  /**
   * Closes the session: rejects unsent messages with CHANNEL_CLOSED, closes every channel, the
   * peer connection and its remote tracks, clears every timer. Idempotent.
   */
  close(): void {
    if (this.state === 'closed') return
    this.#machine.set('closed')
    this.#release('peer session closed')
    this.removeAllListeners()
  }

  // ------------------------------------------------------------------------------------ internals

  #release(reason: string): void {
    this.#recovery.clear()
    this.#queue.close()
    this.#channels.close(reason)
    this.#dropLink()
    this.#media.clearRemote()
  }

  #configuration(): PeerConfiguration {
    const servers = this.#options.iceServers
    const config: PeerConfiguration = {
      iceServers: [...((typeof servers === 'function' ? servers() : servers) ?? [])],
    }
    if (this.#options.iceTransportPolicy) config.iceTransportPolicy = this.#options.iceTransportPolicy
    if (this.#options.mtu !== undefined) config.mtu = this.#options.mtu
    if (this.#options.certificates?.length) config.certificates = [...this.#options.certificates]
    return config
  }

  /** Replaces the peer connection by a new one of generation `epoch`. */
  #newLink(epoch: number, offerer: boolean): PeerLink {
    this.#dropLink()
    const current = (): boolean => this.#link === link
    const link: PeerLink = new PeerLink({
      runtime: this.#options.runtime,
      configuration: this.#configuration(),
      epoch,
      offerer,
      announceChannels: this.#options.announceChannels !== false,
      ...(this.#options.takePeerConnection ? { takePeerConnection: this.#options.takePeerConnection } : {}),
      logger: this.#logger,
      events: {
        signal: (signal) => current() && this.#signal(signal),
        connectionStateChange: () => this.#recovery.connectionStateChanged(link),
        remoteChannel: (channel) => this.#onRemoteChannel(link, channel),
        track: (event) => this.#onTrack(link, event),
        trackEnded: (track) => current() && this.emit('track-removed', track),
        negotiationNeeded: () => this.#negotiator.negotiationNeeded(link),
      },
    })
    this.#link = link
    this.#negotiator.reset()
    this.#logger.debug({ epoch, offerer }, 'new peer connection')
    if (offerer) this.#negotiator.offer(link)
    this.#recovery.attemptStarted()
    this.emit('peer-connection', link.pc)
    return link
  }

  /** Closes the current peer connection and everything that belongs to it. */
  #dropLink(): void {
    const link = this.#link
    if (!link) return
    this.#link = undefined
    this.#channels.detach()
    for (const track of link.close()) this.emit('track-removed', track)
  }

  #signal(signal: PeerSignal): void {
    if (this.state === 'closed') return
    this.#options.sendSignal(signal)
  }

  #onRemoteChannel(link: PeerLink, channel: RTCDataChannel): void {
    if (this.#link !== link || channel.label.startsWith(RESERVED_LABEL_PREFIX)) {
      if (this.#link === link)
        this.#logger.warn({ label: channel.label }, 'remote opened a reserved channel label')
      channel.close()
      return
    }
    this.emit('data-channel', channel)
  }

  #onTrack(link: PeerLink, event: RTCTrackEvent): void {
    if (this.#link !== link) return
    const stream = this.#media.remoteTrack(event)
    this.emit('track', event.track, stream)
  }

  #updateSas(link: PeerLink): Promise<void> {
    return this.#sas.update(link.pc, () => this.#link === link)
  }
}
