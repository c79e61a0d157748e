import {
  MAX_NAME_LENGTH,
  type PeerInfo,
  type PeerSignal,
  parsePeerSignal,
  ROOM_PATTERN,
  type WelcomeMessage,
} from '@parley/protocol'
import { AwayPeers } from './AwayPeers.js'
import { roomCertificates } from './certificates.js'
import { ParleyError } from './errors.js'
import { mergeIceServers } from './iceServers.js'
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
import { RoomMedia } from './RoomMedia.js'
import { Roster } from './Roster.js'
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
  /**
   * `resumeToken` of an earlier Room in this room, e.g. of the page before a reload: join as the
   * same peer (same id) if the server still holds that session, else join afresh. The others then
   * drop their connections to the old instance and connect to this one.
   */
  resume?: string
  /**
   * Browsers, on `pagehide`: 'leave' (default) leaves the room at once; 'suspend' calls
   * {@link Room.suspend} so that a reloaded page can take the session over (see `resume`).
   */
  pageHide?: 'leave' | 'suspend'
  /** How long the others wait for this peer to come back after suspend() (default 10 s, at most the server's grace). */
  suspendGraceMs?: number
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
  /** Join in the WebSocket URL, one round trip sooner (default true; false for older servers). */
  joinOnUpgrade?: boolean
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
  /**
   * A participant came back as a new instance under the same id (its page was reloaded): its
   * connection is being re-established, and whatever state its old instance had is gone.
   */
  'participant-restarted': (participant: Participant) => void
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

/** The window in browsers (for `pagehide`), undefined elsewhere. */
function pageEvents(): Pick<EventTarget, 'addEventListener' | 'removeEventListener'> | undefined {
  const g = globalThis as { addEventListener?: unknown; document?: unknown }
  return typeof g.addEventListener === 'function' && g.document !== undefined
    ? (globalThis as unknown as Pick<EventTarget, 'addEventListener' | 'removeEventListener'>)
    : undefined
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
  readonly #roster = new Roster({
    onNewPeer: (peer, signals) => {
      const participant = this.#createParticipant(peer)
      for (const signal of signals) this.#deliver(participant, signal)
    },
    onClaimed: (participant, peer, signals) => {
      if (peer.name && !participant.name) participant.setName(peer.name)
      for (const signal of signals) this.#deliver(participant, signal)
    },
  })
  readonly #certificates: RTCCertificate[] | undefined
  #localPeerId = ''
  #iceServers: RTCIceServer[] = []
  #leaving: Promise<void> | undefined
  /** The server's resume grace, ms (from the welcome; undefined when it does not say). */
  #resumeGraceMs: number | undefined
  /** Participants that suspended (page reload?) and may come back under the same id. */
  readonly #away = new AwayPeers<Participant>((p) => {
    this.#logger.info({ peer: p.peerId }, 'peer did not come back in time')
    this.#removeParticipant(p)
  })
  readonly #media: RoomMedia
  #quality: QualityMonitor | undefined
  /** Participants met while joining, announced once join() has resolved. */
  #announceLater: Participant[] | undefined = []

  /**
   * Joins `room` on the server at `serverUrl` (http(s)://host[:port] or ws(s)://host/ws) and
   * connects to everyone in it. The peers already in the room are announced with
   * 'participant-joined' in the task after the promise resolves, so that listeners added right
   * after `await Room.join(…)` hear about everyone (they are in `participants` already). Rejects with INVALID_ARGUMENT, SIGNALING_UNREACHABLE, JOIN_REJECTED
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
    const certificates = await roomCertificates(runtime)
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
    if (media) instance.#media.adopt(media, ownsMedia)
    try {
      await instance.#start()
    } catch (error) {
      if (ownsMedia) media?.stop()
      throw error
    }
    // peers already in the room are announced in the next task, so that handlers registered right
    // after `await Room.join()` see them too
    const initial = instance.#announceLater ?? []
    instance.#announceLater = undefined
    setTimeout(() => {
      for (const p of initial)
        if (instance.#roster.get(p.peerId) === p) instance.emit('participant-joined', p)
    }, 0)
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
    this.#media = new RoomMedia({
      participants: () => this.#roster.values(),
      signal: (participant, state) => {
        const to = this.#roster.signalingIdOf(participant)
        if (to !== undefined && this.state !== 'left')
          this.#signaling.signal(to, { kind: 'media-state', ...state })
      },
      logger,
    })
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
      ...(options.resume !== undefined ? { resume: options.resume } : {}),
      ...(options.reconnect !== undefined ? { reconnect: options.reconnect } : {}),
      ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
      ...(options.joinOnUpgrade !== undefined ? { joinOnUpgrade: options.joinOnUpgrade } : {}),
    })
  }

  get state(): RoomState {
    return this.#machine.state
  }

  /** Our peer id (assigned by the server; kept across signaling reconnections). */
  get localPeerId(): string {
    return this.#localPeerId
  }

  /**
   * The token that resumes this peer's session (changes with every signaling reconnection): keep
   * it where a reloaded page finds it, and pass it as the `resume` option there. See suspend().
   */
  get resumeToken(): string | undefined {
    return this.#signaling.resumeToken
  }

  /** Everyone else in the room, by peer id (the id each participant was first seen with). */
  get participants(): ReadonlyMap<string, Participant> {
    return this.#roster.participants
  }

  participant(peerId: string): Participant | undefined {
    return this.#roster.get(peerId)
  }

  /** Which WebRTC implementation this room uses ('native' in browsers, 'node-datachannel' in Node). */
  get rtcFlavor(): RtcRuntime['flavor'] {
    return this.#runtime.flavor
  }

  /** Sends to every participant; resolves when every copy was handed to its transport. */
  async broadcast(message: unknown, options?: SendOptions): Promise<void> {
    const results = await Promise.allSettled([...this.#roster.values()].map((p) => p.send(message, options)))
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failure) throw failure.reason
  }

  // ---------------------------------------------------------------------------------------- media

  get localMedia(): LocalMediaLike | undefined {
    return this.#media.localMedia
  }

  /** Local media state as signalled to the others. */
  get mediaState(): MediaState {
    return this.#media.state
  }

  /** Starts sending the tracks of `media` to everyone (and to everyone who joins later). */
  async publish(media: LocalMediaLike): Promise<void> {
    this.#assertActive()
    await this.#media.publish(media)
  }

  /** Mutes / unmutes the microphone (track.enabled) and tells the others. */
  setMicrophoneEnabled(on: boolean): void {
    this.#media.setMicrophoneEnabled(on)
  }

  /** Turns the camera on / off (track.enabled) and tells the others. */
  setCameraEnabled(on: boolean): void {
    this.#media.setCameraEnabled(on)
  }

  /** Shares the screen in place of the camera (replaceTrack: no renegotiation). */
  async startScreenShare(): Promise<void> {
    this.#assertActive()
    await this.#media.startScreenShare()
  }

  /** Stops sharing and restores the camera (also called when the user ends sharing from the browser UI). */
  async stopScreenShare(): Promise<void> {
    await this.#media.stopScreenShare()
  }

  /** @internal Hands a stats sample of `peerId` to its participant (used by the stats sampler). */
  reportQuality(peerId: string, sample: QualitySample): void {
    this.#roster.get(peerId)?.setQuality(sample)
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
    const sessions = [...this.#roster.values()].map((p) => p.session)
    if (this.state !== 'left' && this.state !== 'joining') {
      await Promise.all(sessions.map((s) => s.drain(drainMs)))
      await Promise.all(sessions.map((s) => s.sayGoodbye(drainMs)))
    }
    this.#signaling.leave()
    this.#teardown()
  }

  /**
   * Stops this Room without leaving: the server keeps the session for its grace period and the
   * others keep this participant for `suspendGraceMs` (told over the data channel), so that a new
   * Room joined with `resume: room.resumeToken` — typically the same page after a reload — takes
   * over the same peer id, and transfers to it continue. If nobody resumes, the others see the
   * participant leave when the grace ends. Closes everything here at once, like leave().
   * Idempotent; `pagehide` calls it when the room was joined with `pageHide: 'suspend'`.
   */
  suspend(): void {
    if (this.#leaving || this.state === 'left') return
    const graceMs = Math.min(this.#options.suspendGraceMs ?? 10_000, this.#resumeGraceMs ?? Infinity)
    this.#logger.info({ graceMs }, 'suspending: the session stays resumable')
    for (const participant of this.#roster.values()) {
      participant.session.sendControl({ type: 'away', ms: graceMs })
    }
    this.#signaling.suspend()
    this.#leaving = Promise.resolve()
    this.#teardown()
  }

  /** The page is going away (tab closed, navigation): tell everyone now, nothing async survives it. */
  readonly #onPageHide = (): void => {
    if (this.#leaving || this.state === 'left') return
    if (this.#options.pageHide === 'suspend') {
      this.suspend()
      return
    }
    this.#logger.info('page hidden: leaving the room')
    for (const participant of this.#roster.values()) participant.session.sayGoodbyeNow()
    this.#signaling.leave()
    this.#leaving = Promise.resolve()
    this.#teardown()
  }

  #teardown(): void {
    pageEvents()?.removeEventListener('pagehide', this.#onPageHide)
    this.#quality?.close()
    this.#away.close()
    for (const participant of this.#roster.values()) participant.dispose()
    this.#roster.clear()
    this.#media.close()
    this.#machine.set('left')
    this.removeAllListeners()
  }

  // ------------------------------------------------------------------------------------ internals

  #assertActive(): void {
    if (this.state === 'left' || this.#leaving) throw new ParleyError('CLOSED', 'the room was left')
  }

  async #start(): Promise<void> {
    const s = this.#signaling
    pageEvents()?.addEventListener('pagehide', this.#onPageHide)
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
    s.on('peer-left', (peerId) => {
      const participant = this.#roster.lookup(peerId)
      if (participant) this.#removeParticipant(participant)
      else this.#roster.forget(peerId)
    })
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
    if (welcome.resumeGrace !== undefined) this.#resumeGraceMs = welcome.resumeGrace * 1000
    // A session taken over from an earlier instance (option resume): the peers it knew still hold
    // connections to that instance. `restart` goes first, before any offer of ours.
    const restarted = previous === '' && welcome.resumed === true && this.#options.resume !== undefined
    this.#iceServers = mergeIceServers(welcome.iceServers, this.#options.iceServers)
    if (previous && previous !== welcome.peerId) {
      // The server forgot our session (e.g. it restarted) and gave us a new id. The peer
      // connections are still up: tell each peer our new id over its data channel; it does the same.
      this.#logger.info({ previous, peerId: welcome.peerId }, 'rejoined with a new peer id')
      this.#roster.unrouteExcept(new Set(welcome.peers.map((p) => p.peerId)))
      for (const participant of [...this.#roster.values()]) {
        if (participant.state === 'connected' || participant.state === 'reconnecting') {
          participant.session.sendControl({ type: 'route', id: welcome.peerId })
        } else {
          this.#removeParticipant(participant)
        }
      }
    } else if (welcome.restored) {
      // a restarted server restored our session: peers not back yet come as peer-joined later
      this.#logger.info({ peers: welcome.peers.length }, 'session restored by a restarted server')
    } else {
      // resumed (or first join): whoever the server no longer lists has left
      const present = new Set(welcome.peers.map((p) => p.peerId))
      for (const participant of [...this.#roster.values()]) {
        const id = this.#roster.signalingIdOf(participant)
        if (id !== undefined && !present.has(id)) this.#removeParticipant(participant)
      }
    }
    for (const peer of welcome.peers) {
      if (restarted && peer.peerId !== welcome.peerId)
        this.#signaling.signal(peer.peerId, { kind: 'restart' })
      this.#onPeerJoined(peer)
    }
  }

  #onPeerJoined(peer: PeerInfo): void {
    if (peer.peerId === this.#localPeerId || this.#leaving) return
    const existing = this.#roster.lookup(peer.peerId)
    if (existing) {
      if (peer.name) existing.setName(peer.name)
      return
    }
    // maybe a participant that re-joined with a new id and has not told us yet
    if (this.#roster.awaitingRoutes || this.#roster.isPending(peer.peerId)) this.#roster.defer(peer)
    else this.#createParticipant(peer)
  }

  #createParticipant(peer: PeerInfo): Participant {
    const logger = childLogger(this.#logger, { peer: peer.peerId })
    let participant: Participant | undefined
    const session = new PeerSession({
      localId: this.#localPeerId,
      remoteId: peer.peerId,
      runtime: this.#runtime,
      sendSignal: (signal: PeerSignal) => {
        const to = participant && this.#roster.signalingIdOf(participant)
        if (to !== undefined) this.#signaling.signal(to, signal)
      },
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
    const p = new Participant(peer.peerId, peer.name, session, logger)
    participant = p
    this.#roster.add(p)
    session.on('state', (state) => this.emit('connection-state', p, state))
    session.on('message', (message, preset) => this.emit('message', p, message, preset))
    session.on('track', (track, stream) => this.emit('track', p, track, stream))
    session.on('track-removed', (track) => this.emit('track-removed', p, track))
    session.on('data-channel', (channel) => this.emit('data-channel', p, channel))
    session.on('error', (error) => this.emit('error', error))
    session.on('bye', () => this.#removeParticipant(p))
    session.on('control', (message) => this.#onControl(p, message))
    p.on('quality', (sample) => this.emit('quality', p, sample))
    p.on('media-state', (state) => this.emit('media-state', p, state))
    if (this.#announceLater) this.#announceLater.push(p)
    else this.emit('participant-joined', p)
    this.#media.welcome(p)
    session.start()
    return p
  }

  /** SDK control messages from a peer: it suspends (may come back), or its new signaling id after a re-join. */
  #onControl(
    participant: Participant,
    message: { readonly type: string; readonly [key: string]: unknown },
  ): void {
    if (message.type === 'away') {
      if (this.#roster.get(participant.peerId) !== participant) return
      const ms = typeof message.ms === 'number' ? message.ms : 0
      this.#logger.info({ peer: participant.peerId, ms }, 'peer suspended: waiting for it to come back')
      this.#away.mark(participant, ms)
      return
    }
    if (message.type !== 'route') return
    const id = message.id
    if (typeof id !== 'string' || id.length === 0 || id.length > 64 || id === this.#localPeerId) return
    const holder = this.#roster.lookup(id)
    if (holder && holder !== participant) {
      // the server announced the new id before the peer told us: that duplicate is the same peer
      if (holder.state === 'connected') return
      this.#removeParticipant(holder)
    }
    if (this.#roster.route(participant, id)) {
      this.#logger.info({ peer: participant.peerId, signalingId: id }, 'peer re-joined with a new id')
    }
  }

  #removeParticipant(participant: Participant): void {
    if (this.#roster.get(participant.peerId) !== participant) return
    this.#away.back(participant)
    this.#roster.remove(participant)
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
    const participant = this.#roster.lookup(from)
    if (participant) {
      this.#deliver(participant, signal)
    } else if (this.#roster.awaitingRoutes || this.#roster.isPending(from)) {
      this.#roster.defer({ peerId: from, name: '' }, signal)
    } else if (from !== this.#localPeerId && !this.#leaving) {
      this.#deliver(this.#createParticipant({ peerId: from, name: '' }), signal)
    }
  }

  #deliver(participant: Participant, signal: PeerSignal): void {
    if (signal.kind === 'media-state') {
      participant.setMediaState(signal)
      return
    }
    if (signal.kind === 'restart') {
      this.#away.back(participant)
      this.#logger.info({ peer: participant.peerId }, 'peer restarted under the same id')
      this.emit('participant-restarted', participant)
    }
    participant.session.handleSignal(signal)
  }
}
