import { MAX_NAME_LENGTH, ROOM_PATTERN, type WelcomeMessage } from '@parley/protocol'
import { roomCertificates } from './certificates.js'
import { ParleyError } from './errors.js'
import { mergeIceServers } from './iceServers.js'
import type { LocalMediaLike, MediaState } from './LocalMediaLike.js'
import { childLogger, type Logger, silentLogger } from './Logger.js'
import { type LeaveReason, Membership } from './Membership.js'
import { onPageHide } from './PageLifecycle.js'
import type { Participant, SendOptions } from './Participant.js'
import type { PeerState } from './PeerSession.js'
import type { ChannelPreset } from './PresetChannel.js'
import type { QualitySample } from './QualitySample.js'
import { acquireMedia, RoomMedia } from './RoomMedia.js'
import { type RoomOptions, sharedSessionOptions } from './RoomOptions.js'
import { type RtcRuntime, resolveRuntime } from './runtime.js'
import { SignalingClient, type SignalingState } from './SignalingClient.js'
import { SparePeerConnection } from './SparePeerConnection.js'
import { StateMachine, type TransitionTable } from './StateMachine.js'
import { QualityMonitor } from './stats/QualityMonitor.js'
import { TypedEmitter } from './TypedEmitter.js'
import { signalingUrl } from './url.js'

export { registerLocalMediaFactory } from './RoomMedia.js'
export type { RoomOptions } from './RoomOptions.js'

export type RoomState = 'joining' | 'joined' | 'reconnecting' | 'left'

/** A connection that came up is followed by a burst of work; the next spare waits until after it. */
const SPARE_AFTER_CONNECT_MS = 250

export const ROOM_TRANSITIONS: TransitionTable<RoomState> = {
  joining: ['joined', 'left'],
  joined: ['reconnecting', 'left'],
  reconnecting: ['joined', 'left'],
  left: [],
}

export interface RoomEvents {
  state: (state: RoomState) => void
  'participant-joined': (participant: Participant) => void
  /** The participant is gone, and why (see {@link LeaveReason}). */
  'participant-left': (participant: Participant, reason: LeaveReason) => void
  /**
   * A participant came back as a new instance under the same id (its page was reloaded): its
   * connection is being re-established, and whatever state its old instance had is gone.
   */
  'participant-restarted': (participant: Participant) => void
  /**
   * The participant suspended (a page reload?) and may come back under the same id within
   * `graceMs`; if it does not, `participant-left` follows with reason `not-back`.
   */
  'participant-away': (participant: Participant, graceMs: number) => void
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
  readonly #members: Membership
  readonly #spare: SparePeerConnection
  readonly #certificates: RTCCertificate[] | undefined
  #iceServers: RTCIceServer[] = []
  #leaving: Promise<void> | undefined
  /** The server's resume grace, ms (from the welcome; undefined when it does not say). */
  #resumeGraceMs: number | undefined
  readonly #media: RoomMedia
  #quality: QualityMonitor | undefined
  #stopWatchingPage: (() => void) | undefined
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
    if (
      options.mtu !== undefined &&
      !(Number.isInteger(options.mtu) && options.mtu >= 576 && options.mtu <= 9000)
    ) {
      throw new ParleyError(
        'INVALID_ARGUMENT',
        `mtu is a whole number of bytes from 576 to 9000, not ${options.mtu}`,
      )
    }
    const url = signalingUrl(serverUrl)
    const runtime = await resolveRuntime(options.rtc)
    const certificates = await roomCertificates(runtime)
    const media = await acquireMedia(options.media)
    const instance = new Room(url, room, options, runtime, certificates)
    if (media) instance.#media.adopt(media.media, media.owned)
    try {
      await instance.#start()
    } catch (error) {
      if (media?.owned) media.media.stop()
      throw error
    }
    // peers already in the room are announced in the next task, so that handlers registered right
    // after `await Room.join()` see them too
    const initial = instance.#announceLater ?? []
    instance.#announceLater = undefined
    setTimeout(() => {
      for (const p of initial)
        if (instance.#members.get(p.peerId) === p) instance.emit('participant-joined', p)
    }, 0)
    return instance
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
    this.#spare = new SparePeerConnection(runtime, logger)
    this.#members = new Membership({
      logger,
      resuming: options.resume !== undefined,
      sessionOptions: () =>
        sharedSessionOptions(
          options,
          runtime,
          certificates,
          () => this.#iceServers,
          (configuration) => this.#spare.take(configuration),
        ),
      signal: (to, signal) => this.#signaling.signal(to, signal),
      leaving: () => this.#leaving !== undefined,
      created: (participant) => this.#wire(participant),
      left: (participant, reason) => this.emit('participant-left', participant, reason),
      restarted: (participant) => this.emit('participant-restarted', participant),
      away: (participant, graceMs) => this.emit('participant-away', participant, graceMs),
    })
    this.#media = new RoomMedia({
      participants: () => this.#members.values(),
      signal: (participant, state) => {
        const to = this.#members.signalingIdOf(participant)
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
    return this.#members.localPeerId
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
    return this.#members.participants
  }

  participant(peerId: string): Participant | undefined {
    return this.#members.get(peerId)
  }

  /** Which WebRTC implementation this room uses ('native' in browsers, 'node-datachannel' in Node). */
  get rtcFlavor(): RtcRuntime['flavor'] {
    return this.#runtime.flavor
  }

  /** Sends to every participant; resolves when every copy was handed to its transport. */
  async broadcast(message: unknown, options?: SendOptions): Promise<void> {
    const results = await Promise.allSettled([...this.#members.values()].map((p) => p.send(message, options)))
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
    this.#members.get(peerId)?.setQuality(sample)
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
    const sessions = [...this.#members.values()].map((p) => p.session)
    if (this.state !== 'left' && this.state !== 'joining') {
      await Promise.all(sessions.map((s) => s.drain(drainMs)))
      await Promise.all(sessions.map((s) => s.sayGoodbye(drainMs)))
      this.#members.announceLeaving()
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
    this.#members.announceAway(graceMs)
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
    for (const participant of this.#members.values()) participant.session.sayGoodbyeNow()
    this.#members.announceLeaving()
    this.#signaling.leave()
    this.#leaving = Promise.resolve()
    this.#teardown()
  }

  #teardown(): void {
    this.#stopWatchingPage?.()
    this.#quality?.close()
    this.#spare.close()
    this.#members.close()
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
    this.#stopWatchingPage = onPageHide(this.#onPageHide)
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
    s.on('peer-joined', (peer) => this.#members.peerJoined(peer))
    s.on('peer-left', (peerId) => this.#members.peerLeft(peerId))
    s.on('signal', (from, data) => this.#members.signal(from, data))
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

  /**
   * A peer connection for the next participant, made in `delayMs` if no connection is being set
   * up then, configured as PeerSession configures its connections.
   */
  #prepareSpare(delayMs: number): void {
    this.#spare.prepareLater(
      delayMs,
      () => ({
        iceServers: [...this.#iceServers],
        ...(this.#options.iceTransportPolicy ? { iceTransportPolicy: this.#options.iceTransportPolicy } : {}),
        ...(this.#certificates?.length ? { certificates: [...this.#certificates] } : {}),
      }),
      () =>
        this.state === 'joined' &&
        [...this.#members.values()].every((p) => p.state !== 'new' && p.state !== 'connecting'),
    )
  }

  #onWelcome(welcome: WelcomeMessage): void {
    if (welcome.resumeGrace !== undefined) this.#resumeGraceMs = welcome.resumeGrace * 1000
    this.#iceServers = mergeIceServers(welcome.iceServers, this.#options.iceServers)
    this.#members.welcome(welcome)
    this.#prepareSpare(0)
  }

  /** A new participant: its events become the room's, and it gets our media. */
  #wire(p: Participant): void {
    const session = p.session
    session.on('state', (state) => {
      this.emit('connection-state', p, state)
      if (state === 'connected') this.#prepareSpare(SPARE_AFTER_CONNECT_MS)
    })
    session.on('message', (message, preset) => this.emit('message', p, message, preset))
    session.on('track', (track, stream) => this.emit('track', p, track, stream))
    session.on('track-removed', (track) => this.emit('track-removed', p, track))
    session.on('data-channel', (channel) => this.emit('data-channel', p, channel))
    session.on('error', (error) => this.emit('error', error))
    p.on('quality', (sample) => this.emit('quality', p, sample))
    p.on('media-state', (state) => this.emit('media-state', p, state))
    if (this.#announceLater) this.#announceLater.push(p)
    else this.emit('participant-joined', p)
    this.#media.welcome(p)
  }
}
