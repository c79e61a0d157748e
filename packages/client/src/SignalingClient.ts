import {
  type ClientMessage,
  CloseCode,
  decodeServerFrame,
  ErrorCode,
  encodeMessage,
  type JoinMessage,
  joinQuery,
  type PeerInfo,
  type ServerMessage,
  type WelcomeMessage,
} from '@parley/protocol'
import { Backoff, type BackoffOptions } from './Backoff.js'
import { ParleyError } from './errors.js'
import { type Logger, silentLogger } from './Logger.js'
import type { WebSocketConstructor, WebSocketLike } from './runtime.js'
import { isPingingSocket, SocketLiveness } from './SocketLiveness.js'
import { StateMachine, type TransitionTable } from './StateMachine.js'
import { TypedEmitter } from './TypedEmitter.js'

/**
 * - idle: created, `connect()` not called yet.
 * - connecting: first connection and join in progress.
 * - joined: in the room; signals flow.
 * - reconnecting: the socket dropped; reconnecting with backoff and resuming the session.
 * - closed: left, or gave up; final.
 */
export type SignalingState = 'idle' | 'connecting' | 'joined' | 'reconnecting' | 'closed'

export const SIGNALING_TRANSITIONS: TransitionTable<SignalingState> = {
  idle: ['connecting', 'closed'],
  connecting: ['joined', 'closed'],
  joined: ['reconnecting', 'closed'],
  reconnecting: ['joined', 'closed'],
  closed: [],
}

export interface SignalingEvents {
  state: (state: SignalingState, previous: SignalingState) => void
  /** Every welcome: the first one, after a resume (`resumed: true`, same peer id) and after a fresh re-join. */
  welcome: (welcome: WelcomeMessage) => void
  'peer-joined': (peer: PeerInfo) => void
  'peer-left': (peerId: string) => void
  signal: (from: string, data: { readonly [key: string]: unknown }) => void
  /** A server error that did not end the session (e.g. UNKNOWN_PEER for a signal). */
  'server-error': (error: ParleyError) => void
  /** Final: the client stopped (left, or gave up with `error`). */
  closed: (error: ParleyError | undefined) => void
}

export interface SignalingClientOptions {
  /** WebSocket URL of the signaling endpoint, e.g. wss://host/ws. */
  readonly url: string
  readonly room: string
  readonly name?: string
  /** Auth token (JWT) for servers that require one. */
  readonly token?: string
  /**
   * Resume token of an earlier session in this room (`resumeToken` of another client, e.g. of the
   * page before a reload): the first join resumes it (same peer id) if the server still holds it,
   * else joins afresh.
   */
  readonly resume?: string
  readonly WebSocket: WebSocketConstructor
  /** How long a connection + join may take before it counts as failed (default 10 s). */
  readonly requestTimeoutMs?: number
  readonly reconnect?: BackoffOptions
  /** Outgoing signals kept while reconnecting (default 1000); the oldest are dropped beyond. */
  readonly maxQueuedSignals?: number
  /** Source of `online` events (default: globalThis in browsers). */
  readonly onlineEvents?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>
  readonly logger?: Logger
  /**
   * Join on the WebSocket upgrade (default true): the join travels in the URL's query string and the
   * server's first frame is the welcome, one round trip sooner than sending `join` once the socket
   * is open. Set false for a server that predates it (protocol.md, "Join on the upgrade").
   */
  readonly joinOnUpgrade?: boolean
}

/** Join errors that will not go away by retrying. */
const FATAL_JOIN_ERRORS = new Set<string>([
  ErrorCode.ROOM_FULL,
  ErrorCode.UNAUTHORIZED,
  ErrorCode.TOO_MANY_ROOMS,
  ErrorCode.BAD_MESSAGE,
  ErrorCode.ALREADY_JOINED,
])

/** Close codes after which reconnecting is pointless. */
const FINAL_CLOSE_CODES = new Set<number>([CloseCode.POLICY_VIOLATION, CloseCode.SESSION_REPLACED])

const OPEN = 1
/** Close code of a socket the client gives up on to try again (keeps the session resumable). */
const RETRY_CLOSE_CODE = 4100
/** Close code of suspend(): the session stays resumable for another client (e.g. a reloaded page). */
const SUSPEND_CLOSE_CODE = 4101
const CLOSE_REASONS: Readonly<Record<number, string>> = { 1000: 'bye', [SUSPEND_CLOSE_CODE]: 'suspended' }

interface Attempt {
  readonly socket: WebSocketLike
  readonly joinId: string
  timer: ReturnType<typeof setTimeout> | undefined
  joined: boolean
  /** Where the socket reports the server's pings (Node): tells a dead socket that reads open. */
  liveness?: SocketLiveness
}

function defaultOnlineEvents(): SignalingClientOptions['onlineEvents'] {
  const g = globalThis as {
    addEventListener?: unknown
    removeEventListener?: unknown
    navigator?: { onLine?: unknown }
  }
  const isBrowser =
    typeof g.addEventListener === 'function' &&
    typeof g.removeEventListener === 'function' &&
    typeof g.navigator?.onLine === 'boolean'
  return isBrowser
    ? (globalThis as unknown as Pick<EventTarget, 'addEventListener' | 'removeEventListener'>)
    : undefined
}

/**
 * WebSocket client of the signaling protocol with explicit states (SIGNALING_TRANSITIONS).
 *
 * `connect()` opens the socket and joins; it rejects with SIGNALING_UNREACHABLE, JOIN_REJECTED or
 * TIMEOUT. Once joined, a dropped socket (network loss, server restart with close code 1012,
 * heartbeat timeout) is reconnected with exponential backoff with jitter, capped, reset on success;
 * a browser `online` event retries at once. Reconnects resume the session with the server's token
 * (same peer id, signals queued by the server are delivered); if the server no longer knows the
 * session, the client joins afresh and emits a welcome with a new peer id. Signals sent while
 * reconnecting are queued (bounded) and flushed after a welcome under the same peer id; under a
 * new one they are dropped (they were sent as the forgotten session).
 */
export class SignalingClient extends TypedEmitter<SignalingEvents> {
  readonly #options: SignalingClientOptions
  readonly #logger: Logger
  readonly #machine: StateMachine<SignalingState>
  readonly #backoff: Backoff
  readonly #requestTimeoutMs: number
  readonly #maxQueuedSignals: number
  readonly #outbox: ClientMessage[] = []
  #attempt: Attempt | undefined
  #retryTimer: ReturnType<typeof setTimeout> | undefined
  #peerId: string | undefined
  #resumeToken: string | undefined
  #nextId = 1
  #firstJoin: { resolve: (w: WelcomeMessage) => void; reject: (e: ParleyError) => void } | undefined
  readonly #onOnline = (): void => this.#retryNow()

  constructor(options: SignalingClientOptions) {
    const logger = options.logger ?? silentLogger
    super((error, event) => logger.error({ error, event }, 'signaling listener threw'))
    this.#options = options
    this.#logger = logger
    this.#backoff = new Backoff(options.reconnect)
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 10_000
    this.#maxQueuedSignals = options.maxQueuedSignals ?? 1000
    this.#resumeToken = options.resume
    this.#machine = new StateMachine<SignalingState>({
      name: 'signaling',
      initial: 'idle',
      table: SIGNALING_TRANSITIONS,
      logger,
      onChange: (next, previous) => {
        this.#logger.debug({ from: previous, to: next }, 'signaling state')
        this.emit('state', next, previous)
      },
    })
  }

  get state(): SignalingState {
    return this.#machine.state
  }

  /** Our peer id, once joined. */
  get peerId(): string | undefined {
    return this.#peerId
  }

  /**
   * The token that resumes this session (a new one comes with every welcome). Handing it to
   * another client (option `resume`) lets that client take over the same peer id after
   * {@link suspend}, within the server's grace period.
   */
  get resumeToken(): string | undefined {
    return this.#resumeToken
  }

  /** Reconnection attempts since the last successful join. */
  get reconnectAttempts(): number {
    return this.#backoff.attempts
  }

  /** Connects and joins the room. */
  connect(): Promise<WelcomeMessage> {
    if (this.state !== 'idle')
      return Promise.reject(new ParleyError('CLOSED', 'connect() can only be called once'))
    this.#machine.set('connecting')
    const online = this.#options.onlineEvents ?? defaultOnlineEvents()
    online?.addEventListener('online', this.#onOnline)
    return new Promise<WelcomeMessage>((resolve, reject) => {
      this.#firstJoin = { resolve, reject }
      this.#open()
    })
  }

  /** Sends a signal to a peer of the room; queued while reconnecting. */
  signal(to: string, data: { readonly [key: string]: unknown }): void {
    if (this.state === 'closed' || this.state === 'idle') return
    const message: ClientMessage = { type: 'signal', to, data }
    if (this.state === 'joined' && this.#send(message)) return
    this.#outbox.push(message)
    if (this.#outbox.length > this.#maxQueuedSignals) {
      this.#outbox.shift()
      this.#logger.warn('signal queue full while reconnecting: oldest signal dropped')
    }
  }

  /** Leaves the room (the others see it at once) and closes. Idempotent. */
  leave(): void {
    if (this.state === 'closed') return
    const socket = this.#attempt?.socket
    if (this.state === 'joined' && socket?.readyState === OPEN) this.#send({ type: 'leave' })
    this.#shutdown(undefined)
  }

  /** Closes the socket normally (code 1000: the server ends the session as for `leave`). Idempotent. */
  close(): void {
    this.#shutdown(undefined)
  }

  /**
   * Stops this client but keeps the session on the server for its grace period (close code
   * 4101, no `leave`): another client joining with `resume: resumeToken` takes it over with the
   * same peer id; otherwise the others see the peer leave when the grace period ends. Idempotent.
   */
  suspend(): void {
    this.#shutdown(undefined, SUSPEND_CLOSE_CODE)
  }

  // ------------------------------------------------------------------------------------ internals

  #send(message: ClientMessage): boolean {
    const socket = this.#attempt?.socket
    if (!socket || socket.readyState !== OPEN) return false
    try {
      socket.send(encodeMessage(message))
      return true
    } catch (error) {
      this.#logger.debug({ error }, 'send on signaling socket failed')
      return false
    }
  }

  #open(): void {
    const joinId = `j${this.#nextId++}`
    const onUpgrade = this.#options.joinOnUpgrade !== false
    const url = onUpgrade
      ? withQuery(this.#options.url, joinQuery(this.#joinMessage(joinId)))
      : this.#options.url
    let socket: WebSocketLike
    try {
      socket = new this.#options.WebSocket(url)
    } catch (cause) {
      this.#attemptFailed(
        undefined,
        new ParleyError('SIGNALING_UNREACHABLE', `cannot open ${this.#options.url}`, { cause }),
      )
      return
    }
    const attempt: Attempt = { socket, joinId, timer: undefined, joined: false }
    this.#attempt = attempt
    if (isPingingSocket(socket)) {
      const liveness = new SocketLiveness((silentMs) => {
        if (this.#attempt !== attempt) return
        this.#logger.info({ silentMs }, 'signaling socket silent: dropped')
        socket.terminate() // its close (1006) reconnects
      })
      attempt.liveness = liveness
      socket.on('ping', () => liveness.ping())
    }
    attempt.timer = setTimeout(() => {
      this.#logger.info({ timeoutMs: this.#requestTimeoutMs }, 'signaling connect/join timed out')
      this.#attemptFailed(attempt, new ParleyError('TIMEOUT', 'no answer from the signaling server in time'))
    }, this.#requestTimeoutMs)
    socket.onopen = () => {
      if (this.#attempt !== attempt || onUpgrade) return
      this.#send(this.#joinMessage(attempt.joinId))
    }
    socket.onmessage = (event) => {
      attempt.liveness?.message()
      if (this.#attempt !== attempt) return
      if (typeof event.data !== 'string') {
        this.#logger.warn('ignored non-text frame from the signaling server')
        return
      }
      const parsed = decodeServerFrame(event.data)
      if (!parsed.ok) {
        this.#logger.warn({ code: parsed.code, message: parsed.message }, 'ignored invalid server message')
        return
      }
      this.#onMessage(attempt, parsed.value)
    }
    socket.onerror = () => {
      // the close event follows and carries the code
    }
    socket.onclose = (event) => {
      attempt.liveness?.stop()
      if (this.#attempt !== attempt) return
      this.#onClose(attempt, event.code, event.reason)
    }
  }

  #joinMessage(joinId: string): JoinMessage {
    return {
      type: 'join',
      id: joinId,
      room: this.#options.room,
      ...(this.#options.name !== undefined ? { name: this.#options.name } : {}),
      ...(this.#options.token !== undefined ? { token: this.#options.token } : {}),
      ...(this.#resumeToken !== undefined ? { resume: this.#resumeToken } : {}),
    }
  }

  #onMessage(attempt: Attempt, message: ServerMessage): void {
    switch (message.type) {
      case 'welcome':
        if (message.ref !== undefined && message.ref !== attempt.joinId) return
        this.#onWelcome(attempt, message)
        return
      case 'error':
        this.#onError(attempt, message.code, message.message, message.ref)
        return
      case 'peer-joined':
        if (attempt.joined) this.emit('peer-joined', message.peer)
        return
      case 'peer-left':
        if (attempt.joined) this.emit('peer-left', message.peerId)
        return
      case 'signal':
        if (attempt.joined) this.emit('signal', message.from, message.data)
        return
    }
  }

  #onWelcome(attempt: Attempt, welcome: WelcomeMessage): void {
    if (attempt.timer) clearTimeout(attempt.timer)
    attempt.timer = undefined
    attempt.joined = true
    const resumed = this.#peerId !== undefined && welcome.peerId === this.#peerId
    // Under a new peer id, what was queued was sent as the session the server forgot: to peers
    // that dropped that session (they meet the new id afresh) or to ids gone with a restarted
    // server. The sessions signal again under the new id.
    const renamed = this.#peerId !== undefined && !resumed
    this.#peerId = welcome.peerId
    this.#resumeToken = welcome.resume
    this.#backoff.reset()
    this.#logger.info({ peerId: welcome.peerId, resumed, peers: welcome.peers.length }, 'joined')
    this.#machine.set('joined')
    const queued = this.#outbox.splice(0)
    if (renamed && queued.length > 0) {
      this.#logger.info({ dropped: queued.length }, 'signals queued under the previous peer id dropped')
    } else {
      for (const message of queued) this.#send(message)
    }
    this.emit('welcome', welcome)
    const first = this.#firstJoin
    this.#firstJoin = undefined
    first?.resolve(welcome)
  }

  #onError(attempt: Attempt, code: string, text: string, ref: string | undefined): void {
    const error = new ParleyError(attempt.joined ? 'SERVER_ERROR' : 'JOIN_REJECTED', `${code}: ${text}`, {
      cause: { code, message: text },
    })
    if (attempt.joined || ref !== attempt.joinId) {
      this.#logger.warn({ code, message: text }, 'signaling server error')
      this.emit('server-error', error)
      return
    }
    // the join of this attempt was refused
    if (code === ErrorCode.RESUME_FAILED && this.#resumeToken !== undefined) {
      this.#logger.info('session could not be resumed: joining afresh')
      this.#resumeToken = undefined
      this.#send(this.#joinMessage(attempt.joinId))
      return
    }
    if (FATAL_JOIN_ERRORS.has(code) || this.#firstJoin) {
      this.#shutdown(error)
      return
    }
    this.#attemptFailed(attempt, error)
  }

  #onClose(attempt: Attempt, code: number, reason: string): void {
    this.#logger.info({ code, reason, joined: attempt.joined }, 'signaling socket closed')
    if (FINAL_CLOSE_CODES.has(code) && attempt.joined) {
      const errorCode = code === CloseCode.SESSION_REPLACED ? 'SESSION_REPLACED' : 'SERVER_ERROR'
      this.#shutdown(new ParleyError(errorCode, `signaling closed by the server (${code} ${reason})`))
      return
    }
    this.#attemptFailed(
      attempt,
      new ParleyError(
        'SIGNALING_UNREACHABLE',
        `signaling socket closed (${code}${reason ? ` ${reason}` : ''})`,
      ),
    )
  }

  /** The current attempt ended without (or after) a join: reconnect later, or fail the first join. */
  #attemptFailed(attempt: Attempt | undefined, error: ParleyError): void {
    if (attempt) this.#disposeAttempt(attempt)
    if (this.state === 'closed') return
    if (this.#firstJoin) {
      this.#shutdown(error)
      return
    }
    this.#machine.set('reconnecting')
    if (this.#backoff.exhausted) {
      this.#shutdown(
        new ParleyError('SIGNALING_UNREACHABLE', 'gave up reconnecting to the signaling server', {
          cause: error,
        }),
      )
      return
    }
    const delay = this.#backoff.next()
    this.#logger.info({ delayMs: delay, attempt: this.#backoff.attempts }, 'reconnecting to signaling')
    if (this.#retryTimer) clearTimeout(this.#retryTimer)
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined
      this.#open()
    }, delay)
  }

  /** `online` event: skip the backoff wait. */
  #retryNow(): void {
    if (this.state !== 'reconnecting' || !this.#retryTimer) return
    this.#logger.info('network back online: reconnecting now')
    clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
    this.#open()
  }

  /**
   * Drops an attempt's socket. Code 1000 tells the server the session is over; any other code
   * (RETRY_CLOSE_CODE when a reconnect attempt is abandoned) keeps it resumable.
   */
  #disposeAttempt(attempt: Attempt, code: number = RETRY_CLOSE_CODE): void {
    if (attempt.timer) clearTimeout(attempt.timer)
    attempt.timer = undefined
    if (this.#attempt === attempt) this.#attempt = undefined
    const socket = attempt.socket
    socket.onopen = null
    socket.onmessage = null
    socket.onclose = null
    socket.onerror = null
    try {
      if (socket.readyState <= OPEN) socket.close(code, CLOSE_REASONS[code] ?? 'retrying')
    } catch {
      // already closing
    }
  }

  #shutdown(error: ParleyError | undefined, closeCode = 1000): void {
    if (this.state === 'closed') return
    if (this.#retryTimer) clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
    if (this.#attempt) this.#disposeAttempt(this.#attempt, closeCode)
    this.#outbox.length = 0
    ;(this.#options.onlineEvents ?? defaultOnlineEvents())?.removeEventListener('online', this.#onOnline)
    this.#machine.set('closed')
    const first = this.#firstJoin
    this.#firstJoin = undefined
    if (first) first.reject(error ?? new ParleyError('CLOSED', 'closed before joining'))
    if (error) this.#logger.warn({ code: error.code, message: error.message }, 'signaling closed')
    this.emit('closed', error)
    this.removeAllListeners()
  }
}

/** `url` with `query` appended to its query string. */
function withQuery(url: string, query: string): string {
  const hash = url.indexOf('#')
  const base = hash >= 0 ? url.slice(0, hash) : url
  return `${base}${base.includes('?') ? '&' : '?'}${query}`
}
