import {
  MAX_NAME_LENGTH,
  type PeerInfo,
  type PeerSignal,
  parsePeerSignal,
  ROOM_PATTERN,
  type WelcomeMessage,
} from '@parley/protocol'
import { ParleyError } from './errors.js'
import {
  isLocalMediaLike,
  type LocalMediaLike,
  type MediaRequest,
  type MediaState,
} from './LocalMediaLike.js'
import { childLogger, type Logger, silentLogger } from './Logger.js'
import { LocalMedia } from './media/LocalMedia.js'
import { Participant, type SendOptions } from './Participant.js'
import { PeerSession, type PeerState } from './PeerSession.js'
import type { ChannelPreset, ChannelSettings } from './PresetChannel.js'
import type { QualitySample } from './QualitySample.js'
import {
  flavorOf,
  loadRuntime,
  type PeerConnectionConstructor,
  type RtcRuntime,
  type WebSocketConstructor,
} from './runtime.js'
import { SignalingClient, type SignalingState } from './SignalingClient.js'
import { StateMachine, type TransitionTable } from './StateMachine.js'
import { QualityMonitor, type QualityMonitorOptions } from './stats/QualityMonitor.js'
import { TypedEmitter } from './TypedEmitter.js'
import { signalingUrl } from './url.js'

export interface RoomOptions {
  /** Display name shown to the others (≤ 64 characters). */
  name?: string
  /** Auth token (JWT) for servers that require one. */
  token?: string
  /** Media to publish on join: a LocalMedia, or constraints to capture one (browsers). */
  media?: LocalMediaLike | MediaRequest
  /** Extra ICE servers, merged with the ones the server hands out. No public STUN server is built in. */
  iceServers?: RTCIceServer[]
  /** 'relay' forces TURN. */
  iceTransportPolicy?: 'all' | 'relay'
  /** One peer connection attempt may take this long before an ICE restart / new connection (default 10 s). */
  connectTimeoutMs?: number
  /** ICE 'disconnected' for longer than this triggers an ICE restart (default 3 s). */
  disconnectedTimeoutMs?: number
  /** Recovery attempts per peer before it is 'failed' (default 8). */
  maxConnectAttempts?: number
  /** Signaling reconnection backoff (defaults 250 ms → 10 s, unlimited attempts). */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number; maxAttempts?: number }
  /** Signaling connect + join timeout (default 10 s). */
  requestTimeoutMs?: number
  /** Settings of the SDK channels (partial preset, size limits, buffer watermarks). */
  channels?: ChannelSettings
  /** How long leave() waits for queued messages to go out (default 1 s). */
  leaveDrainTimeoutMs?: number
  logger?: Logger
  /**
   * Connection-quality sampling ('quality' events) and adaptive video bitrate: stats interval
   * (default 2 s), level thresholds, bitrate settings (false: leave encodings alone); false: neither.
   */
  quality?: Pick<QualityMonitorOptions, 'intervalMs' | 'thresholds' | 'bitrate'> | false
  /** Overrides of the platform (e.g. another WebRTC implementation in Node). */
  rtc?: { RTCPeerConnection?: PeerConnectionConstructor; WebSocket?: WebSocketConstructor }
}

export type RoomState = 'joining' | 'joined' | 'reconnecting' | 'left'

export const ROOM_TRANSITIONS: TransitionTable<RoomState> = {
  joining: ['joined', 'left'],
  joined: ['reconnecting', 'left'],
  reconnecting: ['joined', 'left'],
  left: [],
}

export interface RoomEvents {
  state: (state: RoomState) => void
  'participant-joined': (participant: Participant) => void
  'participant-left': (participant: Participant) => void
  track: (participant: Participant, track: MediaStreamTrack, stream: MediaStream) => void
  'track-removed': (participant: Participant, track: MediaStreamTrack) => void
  message: (participant: Participant, message: unknown, channel: ChannelPreset) => void
  'connection-state': (participant: Participant, state: PeerState) => void
  'media-state': (participant: Participant, state: MediaState) => void
  quality: (participant: Participant, sample: QualitySample) => void
  /** A channel the peer opened with Participant.createDataChannel (label not `parley:*`). */
  'data-channel': (participant: Participant, channel: RTCDataChannel) => void
  error: (error: ParleyError) => void
}

type MediaFactory = (request: MediaRequest) => Promise<LocalMediaLike>
let mediaFactory: MediaFactory | undefined = (request) => LocalMedia.create(request)

/** Wires the LocalMedia implementation used when `RoomOptions.media` holds constraints. */
export function registerLocalMediaFactory(factory: MediaFactory): void {
  mediaFactory = factory
}

function dedupeIceServers(servers: readonly RTCIceServer[]): RTCIceServer[] {
  const seen = new Set<string>()
  return servers.filter((s) => {
    const key = JSON.stringify([s.urls, s.username ?? null, s.credential ?? null])
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

async function generateCertificate(rt: RtcRuntime): Promise<RTCCertificate[] | undefined> {
  const ctor = rt.RTCPeerConnection as unknown as {
    generateCertificate?: (algorithm: AlgorithmIdentifier | EcKeyGenParams) => Promise<RTCCertificate>
  }
  if (rt.flavor !== 'native' || typeof ctor.generateCertificate !== 'function') return undefined
  try {
    return [await ctor.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' })]
  } catch {
    return undefined
  }
}

/**
 * A room of the signaling server and a full mesh of peer connections to everyone in it.
 *
 * ```ts
 * const room = await Room.join('https://host', 'my-room', { name: 'Ada' })
 * room.on('message', (p, msg) => console.log(p.name, msg))
 * await room.broadcast({ kind: 'chat', text: 'hi' })
 * await room.leave()
 * ```
 * States: joining → joined ⇄ reconnecting (signaling only; peer connections keep flowing) → left.
 */
export class Room extends TypedEmitter<RoomEvents> {
  readonly roomName: string
  readonly localName: string
  readonly #options: RoomOptions
  readonly #logger: Logger
  readonly #runtime: RtcRuntime
  readonly #signaling: SignalingClient
  readonly #machine: StateMachine<RoomState>
  readonly #participants = new Map<string, Participant>()
  readonly #certificates: RTCCertificate[] | undefined
  #localPeerId = ''
  #iceServers: RTCIceServer[] = []
  #leaving: Promise<void> | undefined
  #localMedia: LocalMediaLike | undefined
  #ownsMedia = false
  #unsubscribeMedia: (() => void) | undefined
  #quality: QualityMonitor | undefined
  #screenTrack: MediaStreamTrack | undefined
  #mediaState: MediaState = { audio: false, video: false, screen: false }

  /**
   * Joins `room` on the server at `serverUrl` (http(s)://host[:port] or ws(s)://host/ws) and
   * connects to everyone in it. Rejects with INVALID_ARGUMENT, SIGNALING_UNREACHABLE, JOIN_REJECTED
   * (the cause holds the server's code, e.g. ROOM_FULL), TIMEOUT, RUNTIME_UNAVAILABLE, or a media error.
   */
  static async join(serverUrl: string, room: string, options: RoomOptions = {}): Promise<Room> {
    if (!ROOM_PATTERN.test(room)) {
      throw new ParleyError('INVALID_ARGUMENT', 'room names are 1–64 characters of A–Z, a–z, 0–9, _ and -')
    }
    if (options.name !== undefined && options.name.length > MAX_NAME_LENGTH) {
      throw new ParleyError('INVALID_ARGUMENT', `names are at most ${MAX_NAME_LENGTH} characters`)
    }
    const url = signalingUrl(serverUrl)
    const runtime = await Room.#resolveRuntime(options)
    const certificates = await generateCertificate(runtime)
    let media: LocalMediaLike | undefined
    let ownsMedia = false
    if (options.media !== undefined) {
      if (isLocalMediaLike(options.media)) {
        media = options.media
      } else if (options.media.audio || options.media.video) {
        if (!mediaFactory) throw new ParleyError('MEDIA_UNSUPPORTED', 'media capture is not available here')
        media = await mediaFactory(options.media)
        ownsMedia = true
      }
    }
    const instance = new Room(url, room, options, runtime, certificates)
    if (media) instance.#adoptMedia(media, ownsMedia)
    try {
      await instance.#start()
    } catch (error) {
      if (ownsMedia) media?.stop()
      throw error
    }
    return instance
  }

  static async #resolveRuntime(options: RoomOptions): Promise<RtcRuntime> {
    const pc = options.rtc?.RTCPeerConnection
    const ws = options.rtc?.WebSocket
    if (pc && ws) return { flavor: flavorOf(pc), RTCPeerConnection: pc, WebSocket: ws }
    const found = await loadRuntime()
    return pc || ws
      ? {
          flavor: flavorOf(pc ?? found.RTCPeerConnection),
          RTCPeerConnection: pc ?? found.RTCPeerConnection,
          WebSocket: ws ?? found.WebSocket,
        }
      : found
  }

  private constructor(
    url: string,
    room: string,
    options: RoomOptions,
    runtime: RtcRuntime,
    certificates: RTCCertificate[] | undefined,
  ) {
    const logger = childLogger(options.logger ?? silentLogger, { room })
    super((error, event) => logger.error({ error, event }, 'room listener threw'))
    this.roomName = room
    this.localName = options.name ?? ''
    this.#options = options
    this.#logger = logger
    this.#runtime = runtime
    this.#certificates = certificates
    this.#machine = new StateMachine<RoomState>({
      name: 'room',
      initial: 'joining',
      table: ROOM_TRANSITIONS,
      logger,
      onChange: (next) => this.emit('state', next),
    })
    this.#signaling = new SignalingClient({
      url,
      room,
      WebSocket: runtime.WebSocket,
      logger,
      ...(options.name !== undefined ? { name: options.name } : {}),
      ...(options.token !== undefined ? { token: options.token } : {}),
      ...(options.reconnect !== undefined ? { reconnect: options.reconnect } : {}),
      ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    })
  }

  get state(): RoomState {
    return this.#machine.state
  }

  /** Our peer id (assigned by the server; kept across signaling reconnections). */
  get localPeerId(): string {
    return this.#localPeerId
  }

  get participants(): ReadonlyMap<string, Participant> {
    return this.#participants
  }

  participant(peerId: string): Participant | undefined {
    return this.#participants.get(peerId)
  }

  /** Which WebRTC implementation this room uses ('native' in browsers, 'node-datachannel' in Node). */
  get rtcFlavor(): RtcRuntime['flavor'] {
    return this.#runtime.flavor
  }

  /** Sends to every participant; resolves when every copy was handed to its transport. */
  async broadcast(message: unknown, options?: SendOptions): Promise<void> {
    const results = await Promise.allSettled(
      [...this.#participants.values()].map((p) => p.send(message, options)),
    )
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failure) throw failure.reason
  }

  // ---------------------------------------------------------------------------------------- media

  get localMedia(): LocalMediaLike | undefined {
    return this.#localMedia
  }

  /** Local media state as signalled to the others. */
  get mediaState(): MediaState {
    return { ...this.#mediaState }
  }

  /** Starts sending the tracks of `media` to everyone (and to everyone who joins later). */
  async publish(media: LocalMediaLike): Promise<void> {
    this.#assertActive()
    this.#adoptMedia(media, this.#localMedia === media && this.#ownsMedia)
    await Promise.all([...this.#participants.values()].map((p) => this.#publishTo(p)))
    this.#signalMediaState()
  }

  #adoptMedia(media: LocalMediaLike, owned: boolean): void {
    if (this.#localMedia !== media) {
      this.#unsubscribeMedia?.()
      this.#localMedia = media
      const offEnded = media.on('track-ended', (kind) => {
        if (kind === 'screen') {
          void this.stopScreenShare()
        } else {
          // the device went away (unplugged, permission revoked): tell the others
          this.#mediaState = { ...this.#mediaState, [kind]: false }
          this.#signalMediaState()
        }
      })
      // a switched camera/microphone replaces the sent track (replaceTrack, no renegotiation)
      const offReplaced = media.on('track-replaced', () => {
        for (const participant of this.#participants.values()) void this.#publishTo(participant)
      })
      this.#unsubscribeMedia = () => {
        offEnded()
        offReplaced()
      }
    }
    this.#ownsMedia = owned
    this.#mediaState = {
      audio: media.audioTrack?.enabled ?? false,
      video: media.videoTrack?.enabled ?? false,
      screen: this.#screenTrack !== undefined,
    }
  }

  /** Mutes / unmutes the microphone (track.enabled) and tells the others. */
  setMicrophoneEnabled(on: boolean): void {
    const track = this.#localMedia?.audioTrack
    if (track) track.enabled = on
    this.#mediaState = { ...this.#mediaState, audio: on && track !== undefined }
    this.#signalMediaState()
  }

  /** Turns the camera on / off (track.enabled) and tells the others. */
  setCameraEnabled(on: boolean): void {
    const track = this.#localMedia?.videoTrack
    if (track) track.enabled = on
    this.#mediaState = { ...this.#mediaState, video: on && track !== undefined }
    this.#signalMediaState()
  }

  /** Shares the screen in place of the camera (replaceTrack: no renegotiation). */
  async startScreenShare(): Promise<void> {
    this.#assertActive()
    const media = this.#localMedia
    if (!media) throw new ParleyError('MEDIA_UNSUPPORTED', 'publish local media before sharing the screen')
    const track = await media.startScreen()
    this.#screenTrack = track
    await Promise.all(
      [...this.#participants.values()]
        .filter((p) => p.acceptsMedia)
        .map((p) => p.session.setLocalTrack('video', track, media.stream)),
    )
    this.#mediaState = { ...this.#mediaState, screen: true }
    this.#signalMediaState()
  }

  /** Stops sharing and restores the camera (also called when the user ends sharing from the browser UI). */
  async stopScreenShare(): Promise<void> {
    const media = this.#localMedia
    if (!media || !this.#screenTrack) return
    this.#screenTrack = undefined
    media.stopScreen()
    const camera = media.videoTrack ?? null
    await Promise.all(
      [...this.#participants.values()]
        .filter((p) => p.acceptsMedia)
        .map((p) => p.session.setLocalTrack('video', camera, media.stream)),
    )
    this.#mediaState = { ...this.#mediaState, screen: false }
    this.#signalMediaState()
  }

  /** @internal Hands a stats sample of `peerId` to its participant (used by the stats sampler). */
  reportQuality(peerId: string, sample: QualitySample): void {
    this.#participants.get(peerId)?.setQuality(sample)
  }

  // ---------------------------------------------------------------------------------------- leave

  /**
   * Leaves the room: waits (at most `leaveDrainTimeoutMs`) for queued messages to go out, says
   * goodbye to every peer over the data channel and to the server (the others see it at once),
   * then closes every peer connection, channel and timer, and stops media the room captured.
   * Sends still pending reject with CHANNEL_CLOSED. Idempotent: every call returns the same promise.
   */
  leave(): Promise<void> {
    this.#leaving ??= this.#leave()
    return this.#leaving
  }

  async #leave(): Promise<void> {
    const drainMs = this.#options.leaveDrainTimeoutMs ?? 1000
    const sessions = [...this.#participants.values()].map((p) => p.session)
    if (this.state !== 'left' && this.state !== 'joining') {
      await Promise.all(sessions.map((s) => s.drain(drainMs)))
      await Promise.all(sessions.map((s) => s.sayGoodbye(drainMs)))
    }
    this.#signaling.leave()
    this.#teardown()
  }

  #teardown(): void {
    this.#quality?.close()
    for (const participant of this.#participants.values()) participant.dispose()
    this.#participants.clear()
    this.#unsubscribeMedia?.()
    this.#unsubscribeMedia = undefined
    if (this.#ownsMedia) this.#localMedia?.stop()
    this.#machine.set('left')
    this.removeAllListeners()
  }

  // ------------------------------------------------------------------------------------ internals

  #assertActive(): void {
    if (this.state === 'left' || this.#leaving) throw new ParleyError('CLOSED', 'the room was left')
  }

  async #start(): Promise<void> {
    const s = this.#signaling
    if (this.#options.quality !== false) {
      this.#quality = new QualityMonitor(this, {
        ...this.#options.quality,
        logger: this.#logger,
        // node-datachannel's polyfill reports candidate-pair RTTs in milliseconds
        pairRttUnit: this.#runtime.flavor === 'node-datachannel' ? 'ms' : 's',
      })
    }
    s.on('state', (state: SignalingState) => {
      if (state === 'joined') this.#machine.set('joined')
      else if (state === 'reconnecting') this.#machine.set('reconnecting')
    })
    s.on('welcome', (welcome) => this.#onWelcome(welcome))
    s.on('peer-joined', (peer) => this.#onPeerJoined(peer))
    s.on('peer-left', (peerId) => this.#removeParticipant(peerId))
    s.on('signal', (from, data) => this.#onSignal(from, data))
    s.on('server-error', (error) => {
      // a signal racing with a peer's departure is routine
      if ((error.cause as { code?: unknown } | undefined)?.code === 'UNKNOWN_PEER') {
        this.#logger.debug({ message: error.message }, 'signal to a peer that already left')
      } else {
        this.emit('error', error)
      }
    })
    s.on('closed', (error) => {
      if (this.#leaving || this.state === 'left') return
      if (error) this.emit('error', error)
      this.#leaving = Promise.resolve()
      this.#teardown()
    })
    await s.connect()
  }

  #onWelcome(welcome: WelcomeMessage): void {
    const previous = this.#localPeerId
    this.#localPeerId = welcome.peerId
    this.#iceServers = dedupeIceServers([
      ...welcome.iceServers.map((s) => {
        const server: RTCIceServer = { urls: s.urls }
        if (s.username !== undefined) server.username = s.username
        if (s.credential !== undefined) server.credential = s.credential
        return server
      }),
      ...(this.#options.iceServers ?? []),
    ])
    if (previous && previous !== welcome.peerId) {
      // the server forgot our session: we are a new peer now, so are our connections
      this.#logger.info({ previous, peerId: welcome.peerId }, 'rejoined with a new peer id')
      for (const peerId of [...this.#participants.keys()]) this.#removeParticipant(peerId)
    }
    const present = new Set(welcome.peers.map((p) => p.peerId))
    for (const peerId of [...this.#participants.keys()]) {
      if (!present.has(peerId)) this.#removeParticipant(peerId)
    }
    for (const peer of welcome.peers) this.#onPeerJoined(peer)
  }

  #onPeerJoined(peer: PeerInfo): Participant | undefined {
    if (peer.peerId === this.#localPeerId || this.#leaving) return undefined
    const existing = this.#participants.get(peer.peerId)
    if (existing) {
      if (peer.name) existing.setName(peer.name)
      return existing
    }
    const logger = childLogger(this.#logger, { peer: peer.peerId })
    const session = new PeerSession({
      localId: this.#localPeerId,
      remoteId: peer.peerId,
      runtime: this.#runtime,
      sendSignal: (signal: PeerSignal) => this.#signaling.signal(peer.peerId, signal),
      iceServers: () => this.#iceServers,
      logger,
      ...(this.#certificates ? { certificates: this.#certificates } : {}),
      ...(this.#options.iceTransportPolicy ? { iceTransportPolicy: this.#options.iceTransportPolicy } : {}),
      ...(this.#options.connectTimeoutMs !== undefined
        ? { connectTimeoutMs: this.#options.connectTimeoutMs }
        : {}),
      ...(this.#options.disconnectedTimeoutMs !== undefined
        ? { disconnectedTimeoutMs: this.#options.disconnectedTimeoutMs }
        : {}),
      ...(this.#options.maxConnectAttempts !== undefined
        ? { maxConnectAttempts: this.#options.maxConnectAttempts }
        : {}),
      ...(this.#options.channels ? { channels: this.#options.channels } : {}),
    })
    const participant = new Participant(peer.peerId, peer.name, session, logger)
    this.#participants.set(peer.peerId, participant)
    session.on('state', (state) => this.emit('connection-state', participant, state))
    session.on('message', (message, preset) => this.emit('message', participant, message, preset))
    session.on('track', (track, stream) => this.emit('track', participant, track, stream))
    session.on('track-removed', (track) => this.emit('track-removed', participant, track))
    session.on('data-channel', (channel) => this.emit('data-channel', participant, channel))
    session.on('error', (error) => this.emit('error', error))
    session.on('bye', () => this.#removeParticipant(peer.peerId))
    participant.on('quality', (sample) => this.emit('quality', participant, sample))
    participant.on('media-state', (state) => this.emit('media-state', participant, state))
    this.emit('participant-joined', participant)
    if (this.#localMedia) void this.#publishTo(participant)
    if (this.#localMedia) this.#signaling.signal(peer.peerId, { kind: 'media-state', ...this.#mediaState })
    session.start()
    return participant
  }

  #removeParticipant(peerId: string): void {
    const participant = this.#participants.get(peerId)
    if (!participant) return
    this.#participants.delete(peerId)
    participant.session.close()
    this.emit('participant-left', participant)
    participant.dispose()
  }

  #onSignal(from: string, data: { readonly [key: string]: unknown }): void {
    const signal = parsePeerSignal(data)
    if (!signal) {
      this.#logger.debug({ from }, 'ignored a signal that is not a Parley peer signal')
      return
    }
    const participant = this.#participants.get(from) ?? this.#onPeerJoined({ peerId: from, name: '' })
    if (!participant) return
    if (signal.kind === 'media-state') participant.setMediaState(signal)
    else participant.session.handleSignal(signal)
  }

  async #publishTo(participant: Participant): Promise<void> {
    const media = this.#localMedia
    if (!media) return
    const session = participant.session
    try {
      // both calls record their track synchronously, before the session makes its first offer
      await Promise.all([
        session.setLocalTrack('audio', media.audioTrack ?? null, media.stream),
        session.setLocalTrack('video', this.#screenTrack ?? media.videoTrack ?? null, media.stream),
      ])
    } catch (error) {
      this.#logger.warn({ error, peer: participant.peerId }, 'cannot send media to this peer')
    }
  }

  #signalMediaState(): void {
    if (this.state === 'left') return
    for (const peerId of this.#participants.keys()) {
      this.#signaling.signal(peerId, { kind: 'media-state', ...this.#mediaState })
    }
  }
}
