import type { IceCandidateData, PeerSignal, SessionDescriptionData } from '@parley/protocol'
import { ConnectionWatchdog, type RecoveryReason } from './ConnectionWatchdog.js'
import { ParleyError } from './errors.js'
import { type Logger, silentLogger } from './Logger.js'
import { NegotiationQueue } from './NegotiationQueue.js'
import { type LocalTrack, type MediaKind, PeerLink } from './PeerLink.js'
import {
  type ChannelPreset,
  type ChannelSettings,
  type PresetChannel,
  RESERVED_LABEL_PREFIX,
} from './PresetChannel.js'
import type { RtcRuntime } from './runtime.js'
import { sasFromDescriptions } from './Sas.js'
import { type ControlMessage, SdkChannels } from './SdkChannels.js'
import { StateMachine, type TransitionTable } from './StateMachine.js'
import { TypedEmitter } from './TypedEmitter.js'

/** Connection state of one remote peer. */
export type PeerState = 'new' | 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed'

export const PEER_TRANSITIONS: TransitionTable<PeerState> = {
  new: ['connecting', 'failed', 'closed'],
  connecting: ['connected', 'failed', 'closed'],
  connected: ['reconnecting', 'failed', 'closed'],
  reconnecting: ['connected', 'failed', 'closed'],
  failed: ['closed'],
  closed: [],
}

export type { MediaKind } from './PeerLink.js'

export interface PeerSessionOptions {
  readonly localId: string
  readonly remoteId: string
  readonly runtime: RtcRuntime
  /** Delivers a signal to the remote peer (through the signaling server). */
  readonly sendSignal: (signal: PeerSignal) => void
  /** ICE servers, or a function giving the current ones (read for each new connection generation). */
  readonly iceServers?: readonly RTCIceServer[] | (() => readonly RTCIceServer[])
  readonly iceTransportPolicy?: RTCIceTransportPolicy
  /** Reused by every connection generation so that the DTLS fingerprint (and the SAS) stays the same. */
  readonly certificates?: readonly RTCCertificate[]
  /** One connection attempt may take this long before an ICE restart or a new connection (default 10 s). */
  readonly connectTimeoutMs?: number
  /** ICE `disconnected` for longer than this triggers an ICE restart (default 3 s). */
  readonly disconnectedTimeoutMs?: number
  /** Consecutive recovery attempts (ICE restarts, new connections) before `failed` (default 8). */
  readonly maxConnectAttempts?: number
  readonly channels?: ChannelSettings
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
  readonly #watchdog: ConnectionWatchdog
  readonly #localTracks = new Map<MediaKind, LocalTrack>()
  readonly #maxConnectAttempts: number
  #link: PeerLink | undefined
  #makingOffer = false
  #remoteRenegotiates = true
  #attempts = 0
  #remoteStream: MediaStream | undefined
  #sas: string | undefined

  constructor(options: PeerSessionOptions) {
    const logger = options.logger ?? silentLogger
    super((error, event) => logger.error({ error, event }, 'peer session listener threw'))
    this.#options = options
    this.#logger = logger
    this.localId = options.localId
    this.remoteId = options.remoteId
    this.polite = options.localId < options.remoteId
    this.#watchdog = new ConnectionWatchdog({
      ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      ...(options.disconnectedTimeoutMs !== undefined
        ? { disconnectedTimeoutMs: options.disconnectedTimeoutMs }
        : {}),
      onRecover: (reason) => {
        const link = this.#link
        if (!link) return
        if (reason === 'timeout') {
          if (this.state === 'connected') return
          this.#logger.info(
            { epoch: link.epoch, timeoutMs: this.#watchdog.connectTimeoutMs },
            'connect timeout',
          )
        }
        this.#recover(link, reason)
      },
    })
    this.#maxConnectAttempts = options.maxConnectAttempts ?? 8
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
        open: () => this.#checkConnected(this.#link),
      },
      logger,
    )
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
    return this.#sas
  }

  /** Remote media (browsers), once a track arrived. */
  get remoteStream(): MediaStream | undefined {
    return this.#remoteStream
  }

  /** False when this side or the remote one cannot renegotiate (node-datachannel): no media, no ICE restart. */
  get canRenegotiate(): boolean {
    return this.#options.runtime.flavor === 'native' && this.#remoteRenegotiates
  }

  get connectionInfo(): ConnectionInfo {
    return {
      epoch: this.#link?.epoch ?? 0,
      polite: this.polite,
      negotiations: this.#link?.negotiations ?? 0,
      iceRestarts: this.#link?.iceRestarts ?? 0,
      attempts: this.#attempts,
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
          this.#onDescription(signal.description, signal.epoch ?? 0, signal.renegotiation !== false),
        )
        return
      case 'candidate':
        step('candidate', () => this.#onCandidate(signal.candidate, signal.epoch ?? 0))
        return
      case 'reconnect':
        step('reconnect', async () => this.#onReconnectRequest(signal.epoch))
        return
      case 'restart':
        step('restart', async () => this.#onRemoteRestart())
        return
      case 'media-state':
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
    const link = this.#link
    if (!link || this.state === 'closed' || this.state === 'failed') return
    if (this.canRenegotiate) {
      link.iceRestarts++
      link.pc.restartIce()
      return
    }
    this.#newGeneration(link, 'manual')
  }

  /**
   * Sends `track` as this peer's `kind` track (null: send nothing, keep the transceiver). The first
   * track of a kind adds a transceiver (one renegotiation); later calls use `replaceTrack`, so
   * camera ↔ screen switches need no renegotiation.
   */
  async setLocalTrack(kind: MediaKind, track: MediaStreamTrack | null, stream?: MediaStream): Promise<void> {
    this.#localTracks.set(kind, { track, stream })
    const link = this.#link
    if (!link || this.state === 'closed' || this.state === 'failed') return
    if (this.#options.runtime.flavor !== 'native') {
      if (track) throw new ParleyError('MEDIA_UNSUPPORTED', 'this runtime cannot send media')
      return
    }
    if (!this.#remoteRenegotiates) {
      this.#logger.info({ kind }, 'remote peer cannot receive media; track not sent')
      return
    }
    await this.#queue.run(() => this.#applyLocalTrack(link, kind))
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
    this.#watchdog.clear()
    this.#queue.close()
    this.#channels.close(reason)
    this.#dropLink()
    this.#remoteStream = undefined
  }

  #configuration(): RTCConfiguration {
    const servers = this.#options.iceServers
    const config: RTCConfiguration = {
      iceServers: [...((typeof servers === 'function' ? servers() : servers) ?? [])],
    }
    if (this.#options.iceTransportPolicy) config.iceTransportPolicy = this.#options.iceTransportPolicy
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
      logger: this.#logger,
      events: {
        signal: (signal) => current() && this.#signal(signal),
        connectionStateChange: () => this.#onConnectionState(link),
        remoteChannel: (channel) => this.#onRemoteChannel(link, channel),
        track: (event) => this.#onTrack(link, event),
        trackEnded: (track) => current() && this.emit('track-removed', track),
        negotiationNeeded: () => this.#onNegotiationNeeded(link),
      },
    })
    this.#link = link
    this.#makingOffer = false
    this.#logger.debug({ epoch, offerer }, 'new peer connection')
    if (offerer) {
      this.#createSdkChannels(link, 'first')
      if (this.#options.runtime.flavor === 'native') {
        // the transceivers are added synchronously; the offer is made at once rather than on the
        // negotiationneeded event (which then finds nothing left to negotiate)
        for (const kind of this.#localTracks.keys()) void this.#applyLocalTrack(link, kind)
        this.#onNegotiationNeeded(link)
      } else {
        this.#queue
          .run(() => this.#offerOnce(link))
          .catch((error: unknown) => {
            this.#logger.warn({ error }, 'offer failed')
          })
      }
    }
    this.#watchdog.attemptStarted()
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

  /**
   * Creates the SDK channels on `link`: `first` = what the first description needs (the reliable
   * channel in browsers), `all` = the rest too. Browsers create the other two after sending that
   * description, off the connect path (each createDataChannel is a synchronous call into the WebRTC
   * thread); node-datachannel creates all three at once.
   */
  #createSdkChannels(link: PeerLink, which: 'first' | 'all'): void {
    if (link.sdkChannels === 'all') return
    const native = this.#options.runtime.flavor === 'native'
    if (link.sdkChannels === 'none' && which === 'first' && native) {
      link.sdkChannels = 'reliable'
      this.#channels.attach(link.pc, ['reliable'])
      return
    }
    if (which === 'first' && link.sdkChannels === 'reliable') return
    this.#channels.attach(link.pc, link.sdkChannels === 'reliable' ? ['unreliable', 'partial'] : undefined)
    link.sdkChannels = 'all'
  }

  #onNegotiationNeeded(link: PeerLink): void {
    this.#queue
      .run(async () => {
        if (this.#link !== link || link.pc.signalingState !== 'stable') return
        this.#makingOffer = true
        try {
          await link.pc.setLocalDescription()
          if (this.#link !== link) return
          link.sendLocalDescription()
          this.#createSdkChannels(link, 'all')
        } finally {
          this.#makingOffer = false
        }
      })
      .catch((error: unknown) => this.#logger.warn({ error }, 'renegotiation failed'))
  }

  /** node-datachannel: one offer per connection (its polyfill cannot renegotiate). */
  async #offerOnce(link: PeerLink): Promise<void> {
    if (this.#link !== link) return
    this.#makingOffer = true
    try {
      const offer = await link.pc.createOffer()
      await link.pc.setLocalDescription(offer)
      if (this.#link === link) link.sendLocalDescription()
    } finally {
      this.#makingOffer = false
    }
  }

  async #onDescription(
    description: SessionDescriptionData,
    epoch: number,
    remoteRenegotiates: boolean,
  ): Promise<void> {
    let link = this.#link
    if (!link || this.state === 'closed') return
    if (epoch < link.epoch) {
      this.#logger.debug({ epoch, current: link.epoch }, 'stale description ignored')
      return
    }
    if (description.type !== 'offer' && description.type !== 'answer') return
    if (!remoteRenegotiates) this.#remoteRenegotiates = false
    if (epoch > link.epoch) {
      if (description.type !== 'offer') return
      if (this.state === 'connected') this.#machine.set('reconnecting')
      link = this.#newLink(epoch, false)
    }
    const offerCollision =
      description.type === 'offer' && (this.#makingOffer || link.pc.signalingState !== 'stable')
    link.ignoreOffer = !this.polite && offerCollision
    if (link.ignoreOffer) {
      this.#logger.debug('offer collision: impolite side ignores the remote offer')
      return
    }
    if (offerCollision && this.#options.runtime.flavor !== 'native') {
      // node-datachannel cannot roll back: answer on a fresh connection of the same generation
      link = this.#newLink(epoch, false)
    }
    const pc = link.pc
    if (description.type === 'answer' && pc.signalingState !== 'have-local-offer') {
      this.#logger.debug({ state: pc.signalingState }, 'unexpected answer ignored')
      return
    }
    await link.setRemoteDescription({ type: description.type, sdp: description.sdp ?? '' })
    if (this.#link !== link) return
    if (description.type === 'offer') {
      this.#createSdkChannels(link, 'first')
      if (this.#options.runtime.flavor === 'native') {
        for (const kind of this.#localTracks.keys()) await this.#applyLocalTrack(link, kind)
        await pc.setLocalDescription()
      } else {
        await pc.setLocalDescription(await pc.createAnswer())
      }
      if (this.#link !== link) return
      link.sendLocalDescription()
      this.#createSdkChannels(link, 'all')
    }
    void this.#updateSas(link)
  }

  async #onCandidate(candidate: IceCandidateData | null, epoch: number): Promise<void> {
    const link = this.#link
    if (!link || epoch !== link.epoch) return
    await link.addRemoteCandidate(candidate)
  }

  #onReconnectRequest(epoch: number): void {
    const link = this.#link
    if (this.polite || !link || epoch < link.epoch) return
    this.#logger.debug({ epoch }, 'remote peer asks for a new connection')
    this.#startGeneration(link)
  }

  /**
   * The remote peer is a new instance (reloaded page, restarted process): our connection leads
   * nowhere. Start a new generation at once, as the offerer whatever our role; the remote side's
   * own first offer (generation 0) is then older and ignored, so the two cannot collide.
   */
  #onRemoteRestart(): void {
    if (this.state === 'closed' || this.state === 'failed') return
    const epoch = (this.#link?.epoch ?? 0) + 1
    this.#logger.info({ epoch }, 'remote peer restarted: new connection generation')
    this.#attempts = 0
    if (this.state === 'new') this.#machine.set('connecting')
    else if (this.state === 'connected') this.#machine.set('reconnecting')
    this.#newLink(epoch, true)
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
    const track = event.track
    let stream = event.streams[0]
    if (!stream) {
      this.#remoteStream ??= new MediaStream()
      stream = this.#remoteStream
      stream.addTrack(track)
    }
    this.#remoteStream = stream
    this.emit('track', track, stream)
  }

  async #applyLocalTrack(link: PeerLink, kind: MediaKind): Promise<void> {
    const local = this.#localTracks.get(kind)
    if (this.#link === link && local) await link.applyLocalTrack(kind, local)
  }

  async #updateSas(link: PeerLink): Promise<void> {
    try {
      const sas = await sasFromDescriptions(link.pc.localDescription?.sdp, link.pc.remoteDescription?.sdp)
      if (!sas || this.#link !== link || sas === this.#sas) return
      this.#sas = sas
      this.emit('sas', sas)
    } catch (error) {
      this.#logger.debug({ error }, 'cannot compute the short authentication string')
    }
  }

  #onConnectionState(link: PeerLink): void {
    if (this.#link !== link || this.state === 'closed' || this.state === 'failed') return
    const connection = link.pc.connectionState
    const ice = link.pc.iceConnectionState
    if (connection === 'failed' || ice === 'failed' || connection === 'closed') {
      this.#watchdog.failed()
    } else if (connection === 'disconnected' || ice === 'disconnected') {
      if (this.state === 'connected') this.#machine.set('reconnecting')
      this.#watchdog.disconnected()
    } else if (connection === 'connected') {
      this.#watchdog.transportUp()
      this.#checkConnected(link)
    }
  }

  #checkConnected(link: PeerLink | undefined): void {
    if (!link || this.#link !== link || this.state === 'closed' || this.state === 'failed') return
    if (!this.#channels.isOpen || link.pc.connectionState !== 'connected') return
    this.#watchdog.clear()
    this.#attempts = 0
    link.everConnected = true
    link.recovering = false
    this.#machine.set('connected')
    void this.#updateSas(link)
  }

  /** ICE restart if both sides can, else a new connection generation; `failed` when out of attempts. */
  #recover(link: PeerLink, reason: RecoveryReason): void {
    if (this.#link !== link || this.state === 'closed' || this.state === 'failed') return
    // one recovery at a time per connection; only its timeout escalates it
    if (link.recovering && reason !== 'timeout') return
    link.recovering = true
    this.#watchdog.recovering()
    if (this.state === 'connected') this.#machine.set('reconnecting')
    this.#attempts++
    if (this.#attempts > this.#maxConnectAttempts) {
      this.#fail(reason)
      return
    }
    if (this.canRenegotiate && link.everConnected && link.iceRestarts === 0) {
      this.#logger.info({ reason, attempt: this.#attempts }, 'ICE restart')
      link.iceRestarts++
      link.pc.restartIce()
      this.#watchdog.attemptStarted()
      return
    }
    this.#newGeneration(link, reason)
  }

  /** The impolite side starts a new RTCPeerConnection; the polite side asks it to. */
  #newGeneration(link: PeerLink, reason: string): void {
    this.#logger.info({ reason, epoch: link.epoch, attempt: this.#attempts }, 'new connection generation')
    if (this.polite) {
      this.#signal({ kind: 'reconnect', epoch: link.epoch })
      this.#watchdog.attemptStarted()
      return
    }
    this.#queue.run(async () => this.#startGeneration(link)).catch(() => undefined)
  }

  #startGeneration(link: PeerLink): void {
    if (this.#link !== link || this.state === 'closed' || this.state === 'failed') return
    if (this.state === 'connected') this.#machine.set('reconnecting')
    this.#newLink(link.epoch + 1, true)
  }

  #fail(reason: string): void {
    this.#logger.warn({ reason, attempts: this.#attempts - 1 }, 'peer connection failed for good')
    const code = this.#link?.everConnected ? 'PEER_FAILED' : 'CONNECT_TIMEOUT'
    this.#machine.set('failed')
    this.emit('error', new ParleyError(code, `connection to ${this.remoteId} failed (${reason})`))
    this.#release('peer connection failed')
  }
}
