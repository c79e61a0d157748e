import type { IceCandidateData, PeerSignal, SessionDescriptionData } from '@parley/protocol'
import { ParleyError } from './errors.js'
import { type Logger, silentLogger } from './Logger.js'
import { NegotiationQueue } from './NegotiationQueue.js'
import {
  CHANNEL_PRESETS,
  type ChannelPreset,
  type ChannelSettings,
  channelInit,
  channelLabel,
  PresetChannel,
  RESERVED_LABEL_PREFIX,
} from './PresetChannel.js'
import { createPeerConnection, type RtcRuntime, retainChannel } from './runtime.js'
import { sasFromDescriptions } from './Sas.js'
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

export type MediaKind = 'audio' | 'video'

/** Wait after ICE/DTLS `failed` before recovering (the peer may simply be leaving). */
const FAILED_GRACE_MS = 300

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
  control: (message: { readonly type: string; readonly [key: string]: unknown }) => void
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

/** Everything that belongs to one RTCPeerConnection (one generation). */
interface Link {
  readonly pc: RTCPeerConnection
  readonly epoch: number
  remoteDescriptionSet: boolean
  ignoreOffer: boolean
  readonly pendingCandidates: (RTCIceCandidateInit | null)[]
  endOfCandidatesSent: boolean
  channelsCreated: boolean
  everConnected: boolean
  iceRestarts: number
  negotiations: number
  /** A recovery (ICE restart or request for a new generation) is under way for this connection. */
  recovering: boolean
  /**
   * node-datachannel offerer: local candidates are held back (and stripped from the offer) until
   * the answer is applied. Otherwise the answerer can finish ICE and send its DTLS ClientHello
   * before this side knows the remote fingerprint: libdatachannel then drops it (the open takes
   * one DTLS retransmission, ~1 s) or fails the handshake and closes the connection.
   */
  holdCandidates: boolean
  readonly heldCandidates: (IceCandidateData | null)[]
  /** Local candidates already sent or held (node-datachannel reports some twice). */
  readonly sentCandidates: Set<string>
  readonly rawChannels: Set<RTCDataChannel>
  readonly transceivers: Map<MediaKind, RTCRtpTransceiver>
  readonly remoteTracks: Set<MediaStreamTrack>
}

interface LocalTrack {
  readonly track: MediaStreamTrack | null
  readonly stream: MediaStream | undefined
}

function toCandidateInit(c: IceCandidateData): RTCIceCandidateInit {
  const init: RTCIceCandidateInit = { candidate: c.candidate }
  if (c.sdpMid !== undefined) init.sdpMid = c.sdpMid
  if (c.sdpMLineIndex !== undefined) init.sdpMLineIndex = c.sdpMLineIndex
  if (c.usernameFragment !== undefined) init.usernameFragment = c.usernameFragment
  return init
}

/** The mid of the first media section of an SDP (node-datachannel offers have one, for data). */
function midOf(sdp: string): string {
  return /^a=mid:(\S+)/m.exec(sdp)?.[1] ?? '0'
}

function fromCandidate(c: RTCIceCandidate): IceCandidateData {
  const data: IceCandidateData = { candidate: c.candidate }
  if (c.sdpMid !== undefined) data.sdpMid = c.sdpMid
  if (c.sdpMLineIndex !== undefined) data.sdpMLineIndex = c.sdpMLineIndex
  if (c.usernameFragment !== undefined) data.usernameFragment = c.usernameFragment
  return data
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
  readonly #channels: Readonly<Record<ChannelPreset, PresetChannel>>
  readonly #localTracks = new Map<MediaKind, LocalTrack>()
  readonly #connectTimeoutMs: number
  readonly #disconnectedTimeoutMs: number
  readonly #maxConnectAttempts: number
  #link: Link | undefined
  #makingOffer = false
  #remoteRenegotiates = true
  #attempts = 0
  #connectTimer: ReturnType<typeof setTimeout> | undefined
  #disconnectedTimer: ReturnType<typeof setTimeout> | undefined
  #failedTimer: ReturnType<typeof setTimeout> | undefined
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
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000
    this.#disconnectedTimeoutMs = options.disconnectedTimeoutMs ?? 3_000
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
    const settings = options.channels ?? {}
    const events = {
      onMessage: (message: unknown, preset: ChannelPreset) => this.emit('message', message, preset),
      onControl: (message: unknown) => this.#onControl(message),
      onOpen: () => this.#checkConnected(this.#link),
    }
    this.#channels = {
      reliable: new PresetChannel('reliable', settings, events, logger),
      unreliable: new PresetChannel('unreliable', settings, events, logger),
      partial: new PresetChannel('partial', settings, events, logger),
    }
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
    return this.#channels[preset]
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
      case 'media-state':
        return
    }
  }

  /** Sends one message on a preset channel (waits for the connection and for buffer room). */
  send(message: unknown, preset: ChannelPreset = 'reliable'): Promise<void> {
    return this.#channels[preset].send(message)
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
    const channel = link.pc.createDataChannel(label, init)
    retainChannel(channel)
    link.rawChannels.add(channel)
    return channel
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
    const results = await Promise.all(CHANNEL_PRESETS.map((p) => this.#channels[p].drain(timeoutMs)))
    return results.every(Boolean)
  }

  /** Tells the remote peer over the data channel that this side is leaving (best effort). */
  async sayGoodbye(timeoutMs: number): Promise<void> {
    const reliable = this.#channels.reliable
    if (!reliable.isOpen || this.state === 'closed') return
    // bye travels behind every message sent before it on the ordered reliable channel: once the
    // peer acknowledges it (or closes), all of them were delivered
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        offAck()
        offState()
        resolve()
      }
      const timer = setTimeout(done, timeoutMs)
      const offAck = this.#onByeAck(done)
      const offState = this.on('state', (state) => state !== 'connected' && done())
      reliable.onClosed(done)
      reliable.sendControl({ type: 'bye' }).catch(done)
    })
  }

  /** Sends an SDK control message over the reliable channel (dropped if it is not open). */
  sendControl(message: { readonly type: string; readonly [key: string]: unknown }): void {
    if (this.#channels.reliable.isOpen) this.#channels.reliable.sendControl(message).catch(() => undefined)
  }

  /** Hands a goodbye to the transport without waiting (the page is unloading). */
  sayGoodbyeNow(): void {
    if (this.#channels.reliable.isOpen)
      this.#channels.reliable.sendControl({ type: 'bye' }).catch(() => undefined)
  }

  readonly #byeAckWaiters = new Set<() => void>()

  #onByeAck(fn: () => void): () => void {
    this.#byeAckWaiters.add(fn)
    return () => this.#byeAckWaiters.delete(fn)
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
    this.#clearTimers()
    this.#queue.close()
    for (const preset of CHANNEL_PRESETS) this.#channels[preset].close(reason)
    this.#dropLink()
    this.#remoteStream = undefined
  }

  #clearTimers(): void {
    if (this.#connectTimer) clearTimeout(this.#connectTimer)
    if (this.#disconnectedTimer) clearTimeout(this.#disconnectedTimer)
    if (this.#failedTimer) clearTimeout(this.#failedTimer)
    this.#connectTimer = undefined
    this.#disconnectedTimer = undefined
    this.#failedTimer = undefined
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
  #newLink(epoch: number, offerer: boolean): Link {
    this.#dropLink()
    const pc = createPeerConnection(this.#options.runtime, this.#configuration())
    const link: Link = {
      pc,
      epoch,
      remoteDescriptionSet: false,
      ignoreOffer: false,
      pendingCandidates: [],
      endOfCandidatesSent: false,
      channelsCreated: false,
      everConnected: false,
      iceRestarts: 0,
      negotiations: 0,
      recovering: false,
      holdCandidates: offerer && this.#options.runtime.flavor === 'node-datachannel',
      heldCandidates: [],
      sentCandidates: new Set(),
      rawChannels: new Set(),
      transceivers: new Map(),
      remoteTracks: new Set(),
    }
    this.#link = link
    this.#makingOffer = false
    const current = (): boolean => this.#link === link
    pc.onicecandidate = (event) => {
      if (!current()) return
      if (event.candidate?.candidate) this.#sendCandidate(link, fromCandidate(event.candidate))
      else this.#sendEndOfCandidates(link)
    }
    pc.onicegatheringstatechange = () => {
      if (!current()) return
      if (pc.iceGatheringState === 'gathering') link.endOfCandidatesSent = false
      else if (pc.iceGatheringState === 'complete') {
        // node-datachannel announces 'complete' before its last candidate events: its local
        // description already lists every candidate, so send those first
        if (this.#options.runtime.flavor === 'node-datachannel') this.#sendSdpCandidates(link)
        this.#sendEndOfCandidates(link)
      }
    }
    pc.onconnectionstatechange = () => this.#onConnectionState(link)
    pc.oniceconnectionstatechange = () => this.#onConnectionState(link)
    pc.ondatachannel = (event) => this.#onRemoteChannel(link, event.channel)
    if (this.#options.runtime.flavor === 'native') {
      pc.ontrack = (event) => this.#onTrack(link, event)
      pc.onnegotiationneeded = () => this.#onNegotiationNeeded(link)
    }
    this.#logger.debug({ epoch, offerer }, 'new peer connection')
    if (offerer) {
      this.#createSdkChannels(link)
      if (this.#options.runtime.flavor === 'native') {
        // negotiationneeded fires for the channels (and tracks) and sends the offer
        for (const kind of this.#localTracks.keys()) void this.#applyLocalTrack(link, kind)
      } else {
        this.#queue
          .run(() => this.#offerOnce(link))
          .catch((error: unknown) => {
            this.#logger.warn({ error }, 'offer failed')
          })
      }
    }
    this.#armConnectTimer()
    this.emit('peer-connection', pc)
    return link
  }

  /** Closes the current peer connection and everything that belongs to it. */
  #dropLink(): void {
    const link = this.#link
    if (!link) return
    this.#link = undefined
    for (const preset of CHANNEL_PRESETS) this.#channels[preset].detach()
    const pc = link.pc
    pc.onicecandidate = null
    pc.onicegatheringstatechange = null
    pc.onconnectionstatechange = null
    pc.oniceconnectionstatechange = null
    pc.ondatachannel = null
    pc.ontrack = null
    pc.onnegotiationneeded = null
    for (const channel of link.rawChannels) {
      if (channel.readyState !== 'closed') channel.close()
    }
    link.rawChannels.clear()
    try {
      pc.close()
    } catch (error) {
      this.#logger.debug({ error }, 'closing peer connection failed')
    }
    for (const track of link.remoteTracks) {
      track.stop()
      this.emit('track-removed', track)
    }
    link.remoteTracks.clear()
  }

  #signal(signal: PeerSignal): void {
    if (this.state === 'closed') return
    this.#options.sendSignal(signal)
  }

  #sendCandidate(link: Link, candidate: IceCandidateData): void {
    const key = candidate.candidate.replace(/^a=/, '')
    if (link.sentCandidates.has(key)) return
    link.sentCandidates.add(key)
    if (link.holdCandidates) link.heldCandidates.push(candidate)
    else this.#signal({ kind: 'candidate', candidate, epoch: link.epoch })
  }

  /** Sends the candidates listed in the local description that were not sent yet. */
  #sendSdpCandidates(link: Link): void {
    const sdp = link.pc.localDescription?.sdp
    if (!sdp) return
    const mid = midOf(sdp)
    for (const line of sdp.split(/\r?\n/)) {
      if (line.startsWith('a=candidate:'))
        this.#sendCandidate(link, { candidate: line.slice(2), sdpMid: mid })
    }
  }

  #sendEndOfCandidates(link: Link): void {
    if (link.endOfCandidatesSent) return
    link.endOfCandidatesSent = true
    if (link.holdCandidates) link.heldCandidates.push(null)
    else this.#signal({ kind: 'candidate', candidate: null, epoch: link.epoch })
  }

  /** The answer is applied: send the candidates held back (candidates first, end-of-candidates last). */
  #releaseCandidates(link: Link): void {
    if (!link.holdCandidates) return
    link.holdCandidates = false
    const held = link.heldCandidates.splice(0)
    for (const candidate of held)
      if (candidate) this.#signal({ kind: 'candidate', candidate, epoch: link.epoch })
    if (held.includes(null)) this.#signal({ kind: 'candidate', candidate: null, epoch: link.epoch })
  }

  #sendLocalDescription(link: Link): void {
    const description = link.pc.localDescription
    if (!description?.sdp || (description.type !== 'offer' && description.type !== 'answer')) return
    link.negotiations++
    let sdp = description.sdp
    if (link.holdCandidates && description.type === 'offer') {
      // candidates gathered before the offer was read are embedded in it: hold them back as well
      this.#sendSdpCandidates(link)
      const lines = sdp.split(/\r?\n/)
      sdp = `${lines.filter((l) => !l.startsWith('a=candidate:') && l !== 'a=end-of-candidates' && l !== '').join('\r\n')}\r\n`
    }
    this.#signal({
      kind: 'description',
      description: { type: description.type, sdp },
      epoch: link.epoch,
      renegotiation: this.#options.runtime.flavor === 'native',
    })
  }

  #createSdkChannels(link: Link): void {
    if (link.channelsCreated) return
    link.channelsCreated = true
    const settings = this.#options.channels ?? {}
    for (const preset of CHANNEL_PRESETS) {
      const channel = link.pc.createDataChannel(channelLabel(preset), channelInit(preset, settings))
      retainChannel(channel)
      this.#channels[preset].attach(channel, () => link.pc.sctp?.maxMessageSize)
    }
  }

  #onNegotiationNeeded(link: Link): void {
    this.#queue
      .run(async () => {
        if (this.#link !== link || link.pc.signalingState !== 'stable') return
        this.#makingOffer = true
        try {
          await link.pc.setLocalDescription()
          if (this.#link === link) this.#sendLocalDescription(link)
        } finally {
          this.#makingOffer = false
        }
      })
      .catch((error: unknown) => this.#logger.warn({ error }, 'renegotiation failed'))
  }

  /** node-datachannel: one offer per connection (its polyfill cannot renegotiate). */
  async #offerOnce(link: Link): Promise<void> {
    if (this.#link !== link) return
    this.#makingOffer = true
    try {
      const offer = await link.pc.createOffer()
      await link.pc.setLocalDescription(offer)
      if (this.#link === link) this.#sendLocalDescription(link)
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
    await pc.setRemoteDescription({ type: description.type, sdp: description.sdp ?? '' })
    if (this.#link !== link) return
    link.remoteDescriptionSet = true
    if (description.type === 'answer') this.#releaseCandidates(link)
    for (const candidate of link.pendingCandidates.splice(0)) await this.#addCandidate(link, candidate)
    if (description.type === 'offer') {
      this.#createSdkChannels(link)
      if (this.#options.runtime.flavor === 'native') {
        for (const kind of this.#localTracks.keys()) await this.#applyLocalTrack(link, kind)
        await pc.setLocalDescription()
      } else {
        await pc.setLocalDescription(await pc.createAnswer())
      }
      if (this.#link !== link) return
      this.#sendLocalDescription(link)
    }
    void this.#updateSas(link)
  }

  async #onCandidate(candidate: IceCandidateData | null, epoch: number): Promise<void> {
    const link = this.#link
    if (!link || epoch !== link.epoch) return
    const init = candidate === null ? null : toCandidateInit(candidate)
    if (!link.remoteDescriptionSet) {
      link.pendingCandidates.push(init)
      return
    }
    await this.#addCandidate(link, init)
  }

  async #addCandidate(link: Link, candidate: RTCIceCandidateInit | null): Promise<void> {
    try {
      if (candidate === null) await link.pc.addIceCandidate()
      else await link.pc.addIceCandidate(candidate)
    } catch (error) {
      if (!link.ignoreOffer && candidate !== null) this.#logger.debug({ error }, 'remote candidate rejected')
    }
  }

  #onReconnectRequest(epoch: number): void {
    const link = this.#link
    if (this.polite || !link || epoch < link.epoch) return
    this.#logger.debug({ epoch }, 'remote peer asks for a new connection')
    this.#startGeneration(link)
  }

  #onControl(message: unknown): void {
    const type =
      typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined
    if (type === 'bye') {
      this.#channels.reliable.sendControl({ type: 'bye-ack' }).catch(() => undefined)
      this.emit('bye')
    } else if (type === 'bye-ack') {
      for (const fn of [...this.#byeAckWaiters]) fn()
    } else if (typeof type === 'string') {
      this.emit('control', message as { readonly type: string })
    }
  }

  #onRemoteChannel(link: Link, channel: RTCDataChannel): void {
    if (this.#link !== link) {
      channel.close()
      return
    }
    if (channel.label.startsWith(RESERVED_LABEL_PREFIX)) {
      this.#logger.warn({ label: channel.label }, 'remote opened a reserved channel label; closing it')
      channel.close()
      return
    }
    retainChannel(channel)
    link.rawChannels.add(channel)
    channel.addEventListener('close', () => link.rawChannels.delete(channel), { once: true })
    this.emit('data-channel', channel)
  }

  #onTrack(link: Link, event: RTCTrackEvent): void {
    if (this.#link !== link) return
    const track = event.track
    let stream = event.streams[0]
    if (!stream) {
      this.#remoteStream ??= new MediaStream()
      stream = this.#remoteStream
      stream.addTrack(track)
    }
    this.#remoteStream = stream
    link.remoteTracks.add(track)
    track.addEventListener(
      'ended',
      () => {
        if (link.remoteTracks.delete(track)) this.emit('track-removed', track)
      },
      { once: true },
    )
    this.emit('track', track, stream)
  }

  async #applyLocalTrack(link: Link, kind: MediaKind): Promise<void> {
    if (this.#link !== link) return
    const local = this.#localTracks.get(kind)
    if (!local) return
    const pc = link.pc
    let transceiver = link.transceivers.get(kind)
    if (!transceiver) {
      // reuse a transceiver the remote offer created for this kind, if we send nothing on it yet
      transceiver = pc
        .getTransceivers()
        .find(
          (t) =>
            t.receiver.track.kind === kind &&
            !t.sender.track &&
            t.currentDirection !== 'stopped' &&
            ![...link.transceivers.values()].includes(t),
        )
    }
    if (transceiver) {
      link.transceivers.set(kind, transceiver)
      if (local.track) {
        if (transceiver.direction === 'recvonly' || transceiver.direction === 'inactive') {
          transceiver.direction = 'sendrecv'
        }
        if (local.stream) transceiver.sender.setStreams(local.stream)
      }
      await transceiver.sender.replaceTrack(local.track)
      return
    }
    if (!local.track) return
    const init: RTCRtpTransceiverInit = { direction: 'sendrecv', streams: local.stream ? [local.stream] : [] }
    link.transceivers.set(kind, pc.addTransceiver(local.track, init))
  }

  async #updateSas(link: Link): Promise<void> {
    try {
      const sas = await sasFromDescriptions(link.pc.localDescription?.sdp, link.pc.remoteDescription?.sdp)
      if (!sas || this.#link !== link || sas === this.#sas) return
      this.#sas = sas
      this.emit('sas', sas)
    } catch (error) {
      this.#logger.debug({ error }, 'cannot compute the short authentication string')
    }
  }

  #onConnectionState(link: Link): void {
    if (this.#link !== link || this.state === 'closed' || this.state === 'failed') return
    const pc = link.pc
    const connection = pc.connectionState
    const ice = pc.iceConnectionState
    if (connection === 'failed' || ice === 'failed' || connection === 'closed') {
      // short grace: when the remote peer is leaving, its goodbye / peer-left arrives right after
      this.#failedTimer ??= setTimeout(() => {
        this.#failedTimer = undefined
        if (this.#link === link) this.#recover(link, 'failed')
      }, FAILED_GRACE_MS)
    } else if (connection === 'disconnected' || ice === 'disconnected') {
      if (this.state === 'connected') this.#machine.set('reconnecting')
      this.#disconnectedTimer ??= setTimeout(() => {
        this.#disconnectedTimer = undefined
        if (this.#link === link) this.#recover(link, 'disconnected')
      }, this.#disconnectedTimeoutMs)
    } else if (connection === 'connected') {
      if (this.#disconnectedTimer) clearTimeout(this.#disconnectedTimer)
      this.#disconnectedTimer = undefined
      this.#checkConnected(link)
    }
  }

  #checkConnected(link: Link | undefined): void {
    if (!link || this.#link !== link || this.state === 'closed' || this.state === 'failed') return
    if (!this.#channels.reliable.isOpen) return
    const connection = link.pc.connectionState
    if (connection !== 'connected') return
    this.#clearTimers()
    this.#attempts = 0
    link.everConnected = true
    link.recovering = false
    this.#machine.set('connected')
    void this.#updateSas(link)
  }

  #armConnectTimer(): void {
    if (this.#connectTimer) clearTimeout(this.#connectTimer)
    this.#connectTimer = setTimeout(() => {
      this.#connectTimer = undefined
      const link = this.#link
      if (!link || this.state === 'connected') return
      this.#logger.info({ epoch: link.epoch, timeoutMs: this.#connectTimeoutMs }, 'connect timeout')
      this.#recover(link, 'timeout')
    }, this.#connectTimeoutMs)
  }

  /** ICE restart if both sides can, else a new connection generation; `failed` when out of attempts. */
  #recover(link: Link, reason: 'failed' | 'disconnected' | 'timeout'): void {
    if (this.#link !== link || this.state === 'closed' || this.state === 'failed') return
    // one recovery at a time per connection; only its timeout escalates it
    if (link.recovering && reason !== 'timeout') return
    link.recovering = true
    if (this.#disconnectedTimer) clearTimeout(this.#disconnectedTimer)
    if (this.#failedTimer) clearTimeout(this.#failedTimer)
    this.#disconnectedTimer = undefined
    this.#failedTimer = undefined
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
      this.#armConnectTimer()
      return
    }
    this.#newGeneration(link, reason)
  }

  /** The impolite side starts a new RTCPeerConnection; the polite side asks it to. */
  #newGeneration(link: Link, reason: string): void {
    this.#logger.info({ reason, epoch: link.epoch, attempt: this.#attempts }, 'new connection generation')
    if (this.polite) {
      this.#signal({ kind: 'reconnect', epoch: link.epoch })
      this.#armConnectTimer()
      return
    }
    this.#queue.run(async () => this.#startGeneration(link)).catch(() => undefined)
  }

  #startGeneration(link: Link): void {
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
