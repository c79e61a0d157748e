import type { Duplex } from 'node:stream'
import {
  CloseCode,
  correlationId,
  ErrorCode,
  isSignalMessage,
  type JoinMessage,
  joinFromQuery,
  MAX_SIGNAL_DATA_DEPTH,
  parseClientMessage,
  type SignalMessage,
} from '@parley/protocol'
import type { WebSocket } from 'ws'
import type { ServerContext } from './context.js'
import { admit, findResumable, type JoinOutcome, welcomeFrame } from './joinRoom.js'
import { buildRelayFrame, DATA_TOO_DEEP } from './relayFrame.js'
import type { Session, SessionLink } from './Session.js'
import type { EndReason } from './SessionStore.js'
import { assertTransition, type TransitionTable } from './states.js'
import { TokenBucket } from './TokenBucket.js'
import { TypedEmitter } from './TypedEmitter.js'

/**
 * - `open`: connected, in no room.  - `joining`: a join is being admitted; frames wait.
 * - `joined`: in a room.  - `closing`: the server is closing it.  - `closed`: gone.
 */
export type ConnectionState = 'open' | 'joining' | 'joined' | 'closing' | 'closed'

const TRANSITIONS: TransitionTable<ConnectionState> = {
  open: ['joining', 'closing', 'closed'],
  joining: ['joined', 'open', 'closing', 'closed'],
  joined: ['open', 'closing', 'closed'],
  closing: ['closed'],
  closed: [],
}

/** Why the server closed a connection; decides what happens to its session. */
type CloseIntent = 'policy' | 'heartbeat' | 'replaced' | 'shutdown'

export type ConnectionEvents = { state: [next: ConnectionState, previous: ConnectionState] }

/** The payload of the ping that follows a resume welcome (see handleJoin). */
const RECEIPT_PROBE = Buffer.from('resume-receipt')
/** Frames received while a join is pending; more are refused with RATE_LIMITED. */
const MAX_PENDING_FRAMES = 64
/** Outgoing bytes a connection may have waiting in its socket before it is dropped as too slow. */
const MAX_SEND_BUFFER_BYTES = 8 * 1024 * 1024
const OPEN = 1

/** Headers of unmasked final text frames, by payload length, for the common small lengths. */
const CACHED_HEADER_LENGTHS = 16 * 1024
const HEADERS = new Array<Buffer | undefined>(CACHED_HEADER_LENGTHS).fill(undefined)

function textFrameHeader(length: number): Buffer {
  const cached = HEADERS[length]
  if (cached !== undefined) return cached
  let header: Buffer
  if (length < 126) header = Buffer.from([0x81, length])
  else if (length < 65536) header = Buffer.from([0x81, 126, length >> 8, length & 0xff])
  else {
    header = Buffer.alloc(10)
    header[0] = 0x81
    header[1] = 127
    header.writeUIntBE(length, 4, 6)
  }
  if (length < CACHED_HEADER_LENGTHS) HEADERS[length] = header
  return header
}

// Outgoing frames are batched per socket: the first frame of a loop turn corks the socket and a
// single setImmediate uncorks every corked socket, so frames for one peer share one syscall.
let corked: Connection[] = []
let flushScheduled = false
function flushCorked(): void {
  flushScheduled = false
  const list = corked
  corked = []
  for (const connection of list) connection.flush()
}

/** One WebSocket: rate limiting, message dispatch, heartbeat state, and its link to a session. */
export class Connection extends TypedEmitter<ConnectionEvents> implements SessionLink {
  private _state: ConnectionState = 'open'
  /** Cleared by each heartbeat, set by pongs and messages. */
  private alive = true
  private session: Session | undefined
  private readonly bucket: TokenBucket
  /** Forgiveness for rate-limited messages; when empty the connection is flooding. */
  private readonly strikes: TokenBucket
  private pending: Buffer[] | undefined
  private isCorked = false
  private closeIntent: CloseIntent | undefined

  constructor(
    private readonly ctx: ServerContext,
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
  ) {
    super()
    const { rateLimit, rateBurst, floodThreshold } = ctx.config
    const now = performance.now()
    this.bucket = new TokenBucket(rateLimit, rateBurst, now)
    this.strikes = new TokenBucket(rateLimit, floodThreshold, now)
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary))
    ws.on('pong', (data) => {
      this.alive = true
      if (this.session !== undefined && data.equals(RECEIPT_PROBE))
        this.ctx.sessions.tokenReceived(this.session)
    })
    ws.on('close', (code) => this.onClose(code))
    ws.on('error', (error) => this.onSocketError(error))
  }

  get state(): ConnectionState {
    return this._state
  }

  private setState(next: ConnectionState): void {
    const previous = this._state
    assertTransition(TRANSITIONS, 'connection', previous, next)
    this._state = next
    this.emit('state', next, previous)
  }

  // ---------------------------------------------------------------- incoming

  private onMessage(data: Buffer, isBinary: boolean): void {
    const state = this._state
    if (state === 'closing' || state === 'closed') return
    this.alive = true
    const now = performance.now()
    try {
      if (!this.bucket.take(now)) {
        this.rateLimited(now)
        return
      }
      if (isBinary) {
        this.ctx.metrics.messages.invalid++
        this.sendError(ErrorCode.BAD_MESSAGE, 'binary frames are not part of the protocol: send JSON text')
        return
      }
      if (data.length > this.ctx.config.maxMessageBytes) {
        this.ctx.metrics.messages.invalid++
        this.sendError(ErrorCode.TOO_LARGE, `message exceeds ${this.ctx.config.maxMessageBytes} bytes`)
        return
      }
      if (state === 'joining') {
        this.hold(data)
        return
      }
      this.handleFrame(data, now)
    } catch (error) {
      this.internalError(error, undefined)
    }
  }

  private handleFrame(data: Buffer, now: number): void {
    const text = data.toString()
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (error) {
      this.ctx.metrics.messages.invalid++
      const reason = error instanceof Error ? error.message : 'parse error'
      this.sendError(ErrorCode.BAD_MESSAGE, `invalid JSON: ${reason}`)
      return
    }
    try {
      this.dispatch(value, text, data, now)
    } catch (error) {
      this.internalError(error, correlationId(value))
    }
  }

  private dispatch(value: unknown, text: string, data: Buffer, now: number): void {
    if (isSignalMessage(value)) {
      this.handleSignal(value, text, data, now)
      return
    }
    const parsed = parseClientMessage(value)
    if (!parsed.ok) {
      this.ctx.metrics.messages.invalid++
      this.sendError(parsed.code, parsed.message, parsed.ref)
      return
    }
    const msg = parsed.value
    switch (msg.type) {
      case 'join':
        this.ctx.metrics.messages.join++
        this.handleJoin(msg).catch((error: unknown) => this.internalError(error, msg.id))
        return
      case 'leave':
        this.ctx.metrics.messages.leave++
        this.handleLeave(msg.id)
        return
      case 'signal':
        this.handleSignal(msg, text, data, now)
        return
    }
  }

  /** The hot path: relay a signal to a peer of the same room, `from` stamped by the server. */
  private handleSignal(msg: SignalMessage, text: string, data: Buffer, now: number): void {
    const ctx = this.ctx
    ctx.metrics.messages.signal++
    const session = this.session
    if (session === undefined || this._state !== 'joined') {
      this.sendError(ErrorCode.NOT_IN_ROOM, 'join a room before sending signals', msg.id)
      return
    }
    const frame = buildRelayFrame(
      data,
      text,
      msg,
      session.relayPrefix,
      session.relayPrefixBytes,
      ctx.config.maxSignalDataBytes,
      MAX_SIGNAL_DATA_DEPTH,
    )
    if (typeof frame === 'number') {
      if (frame === DATA_TOO_DEEP)
        this.sendError(
          ErrorCode.BAD_MESSAGE,
          `data nests deeper than ${MAX_SIGNAL_DATA_DEPTH} levels`,
          msg.id,
        )
      else this.sendError(ErrorCode.TOO_LARGE, `data exceeds ${ctx.config.maxSignalDataBytes} bytes`, msg.id)
      return
    }
    const routed = ctx.directory.route(session.room, msg.to, frame)
    if (routed === true) ctx.metrics.observeRelayMs(performance.now() - now)
    else if (routed === false) this.unknownPeer(msg)
    else
      routed.then(
        (ok) => (ok ? ctx.metrics.observeRelayMs(performance.now() - now) : this.unknownPeer(msg)),
        (error: unknown) => this.internalError(error, msg.id),
      )
  }

  private unknownPeer(msg: SignalMessage): void {
    this.sendError(ErrorCode.UNKNOWN_PEER, `no peer ${JSON.stringify(msg.to)} in this room`, msg.id)
  }

  /**
   * Joins with the `join` carried by the upgrade URL's query string (see `joinFromQuery`), if any:
   * the same admission and the same answers as a `join` message sent first.
   */
  joinFromUrl(search: string): void {
    const parsed = joinFromQuery(search)
    if (parsed === undefined) return
    if (!parsed.ok) {
      this.ctx.metrics.messages.invalid++
      this.sendError(parsed.code, parsed.message, parsed.ref)
      return
    }
    this.ctx.metrics.messages.join++
    const msg = parsed.value
    this.handleJoin(msg).catch((error: unknown) => this.internalError(error, msg.id))
  }

  private async handleJoin(msg: JoinMessage): Promise<void> {
    if (this._state === 'joined')
      return this.sendError(
        ErrorCode.ALREADY_JOINED,
        `already in room ${JSON.stringify(this.session?.room)}`,
        msg.id,
      )
    this.setState('joining')
    let outcome: JoinOutcome
    try {
      outcome =
        msg.resume === undefined
          ? await admit(this.ctx, msg)
          : await findResumable(this.ctx, { ...msg, resume: msg.resume })
    } catch (error) {
      this.ctx.logger.error({ err: error, room: msg.room }, 'join failed')
      outcome = { ok: false, code: ErrorCode.INTERNAL, message: 'join failed' }
    }
    if (this._state !== 'joining') {
      // Closed while being admitted: a fresh session never reached its client, drop it. A restored
      // one is in its room already: it waits for its client's retry (same token) like any dropped
      // session, for the grace period, instead of staying there forever.
      if (outcome.ok && outcome.restored === true) this.ctx.sessions.detach(outcome.session)
      else if (outcome.ok && !outcome.resumed) this.ctx.sessions.end(outcome.session, 'closed')
      return
    }
    const token = msg.resume
    if (
      outcome.ok &&
      outcome.resumed &&
      (token === undefined || !this.ctx.sessions.accepts(outcome.session, token))
    ) {
      outcome = {
        ok: false,
        code: ErrorCode.RESUME_FAILED,
        message: 'session was resumed by another connection',
      }
    }
    if (outcome.ok && outcome.session.state === 'ended') {
      outcome = { ok: false, code: ErrorCode.RESUME_FAILED, message: 'session ended' }
    }
    if (!outcome.ok) {
      this.setState('open')
      this.sendError(outcome.code, outcome.message, msg.id)
    } else {
      const { session, peers, resumed, restored } = outcome
      if (resumed && token !== undefined) {
        this.ctx.sessions.resumed(session, token)
        if (session.state === 'active') session.detach()?.replaced()
      }
      this.session = session
      this.setState('joined')
      this.sendFrame(welcomeFrame(this.ctx, session, peers, resumed, msg.id, restored))
      // its pong, after the welcome on the same socket, shows the client got the new resume token:
      // the one it resumed with is then revoked (SessionStore.resumed)
      if (resumed) this.ws.ping(RECEIPT_PROBE)
      session.attach(this)
      this.ctx.logger.debug({ peerId: session.peerId, room: session.room, resumed }, 'joined')
    }
    this.drainPending()
  }

  private handleLeave(id: string | undefined): void {
    const session = this.session
    if (session === undefined || this._state !== 'joined') {
      this.sendError(ErrorCode.NOT_IN_ROOM, 'not in a room', id)
      return
    }
    this.session = undefined
    this.setState('open')
    this.ctx.sessions.end(session, 'left')
  }

  /** Keeps a frame received while a join is pending. */
  private hold(data: Buffer): void {
    this.pending ??= []
    if (this.pending.length >= MAX_PENDING_FRAMES) {
      this.sendError(ErrorCode.RATE_LIMITED, 'too many messages while joining')
      return
    }
    this.pending.push(data)
  }

  private drainPending(): void {
    while (this.pending !== undefined && this.pending.length > 0 && this._state !== 'joining') {
      const data = this.pending.shift()!
      if (this._state === 'closing' || this._state === 'closed') break
      try {
        this.handleFrame(data, performance.now())
      } catch (error) {
        this.internalError(error, undefined)
      }
    }
    if (this.pending?.length === 0) this.pending = undefined
  }

  private rateLimited(now: number): void {
    if (!this.strikes.take(now)) {
      this.ctx.logger.warn({ peerId: this.session?.peerId }, 'flooding: closing connection')
      this.closeWith(CloseCode.POLICY_VIOLATION, 'rate limit exceeded', 'policy')
      return
    }
    this.sendError(ErrorCode.RATE_LIMITED, 'rate limit exceeded: slow down')
  }

  private internalError(error: unknown, ref: string | undefined): void {
    this.ctx.logger.error({ err: error }, 'internal error while handling a message')
    this.sendError(ErrorCode.INTERNAL, 'internal server error', ref)
  }

  private onSocketError(error: Error): void {
    // ws reports protocol violations (invalid UTF-8 → 1007, frame over maxFrameBytes → 1009) and
    // closes the socket itself; treat them as policy violations: the session ends.
    this.ctx.metrics.messages.invalid++
    this.closeIntent ??= 'policy'
    this.ctx.logger.debug({ err: error, peerId: this.session?.peerId }, 'websocket error')
  }

  private onClose(code: number): void {
    if (this._state === 'closed') return
    const session = this.session
    this.session = undefined
    this.pending = undefined
    this.setState('closed')
    if (session === undefined) return
    const intent = this.closeIntent
    if (intent === 'policy' || intent === 'shutdown') {
      this.ctx.sessions.end(session, endReason(intent))
      return
    }
    // A clean close by the client (ws.close() sends 1000, or no code: 1005) is an explicit leave;
    // anything else (1001 page unload, 1006 dropped socket, heartbeat) may come back and resume.
    if (intent === undefined && (code === CloseCode.NORMAL || code === 1005)) {
      this.ctx.sessions.end(session, 'closed')
      return
    }
    this.ctx.sessions.detach(session)
  }

  // ---------------------------------------------------------------- outgoing

  /**
   * Sends one JSON text message. Strings go through ws; relayed signals (bytes) are framed here and
   * written straight to the socket, which is safe because without compression ws writes every
   * frame synchronously to the same socket, so frames cannot interleave.
   */
  sendFrame(frame: string | Buffer): void {
    if (this.ws.readyState !== OPEN) return
    if (!this.isCorked) {
      this.isCorked = true
      this.socket.cork()
      corked.push(this)
      if (!flushScheduled) {
        flushScheduled = true
        setImmediate(flushCorked)
      }
    }
    if (typeof frame === 'string') {
      this.ws.send(frame)
    } else {
      this.socket.write(textFrameHeader(frame.length))
      this.socket.write(frame)
    }
  }

  sendError(code: ErrorCode, message: string, ref?: string): void {
    this.ctx.metrics.countError(code)
    this.sendFrame(
      JSON.stringify(
        ref === undefined ? { type: 'error', code, message } : { type: 'error', code, message, ref },
      ),
    )
  }

  /** Writes out what was batched this loop turn. */
  flush(): void {
    this.isCorked = false
    this.socket.uncork()
    if (this.socket.writableLength > MAX_SEND_BUFFER_BYTES && this._state !== 'closed') {
      this.ctx.logger.warn({ peerId: this.session?.peerId }, 'client too slow to read its messages: closing')
      this.closeWith(CloseCode.POLICY_VIOLATION, 'too slow to read messages', 'policy')
    }
  }

  // ---------------------------------------------------------------- lifecycle

  /** Heartbeat tick: a connection that did not answer the previous ping is terminated. */
  heartbeat(): void {
    if (this._state === 'closing' || this._state === 'closed') return
    if (!this.alive) {
      this.terminate('heartbeat')
      return
    }
    this.alive = false
    this.ws.ping()
  }

  /** SessionLink: another connection resumed the session. */
  replaced(): void {
    this.session = undefined
    this.closeWith(CloseCode.SESSION_REPLACED, 'session resumed by another connection', 'replaced')
  }

  /** Starts the closing handshake (ws destroys the socket if the client does not answer in time). */
  closeWith(code: number, reason: string, intent: CloseIntent): void {
    if (this._state === 'closing' || this._state === 'closed') return
    this.closeIntent = intent
    this.setState('closing')
    this.ws.close(code, reason)
  }

  /** Destroys the socket at once. */
  terminate(intent: CloseIntent): void {
    if (this._state === 'closed') return
    this.closeIntent ??= intent
    if (this._state !== 'closing') this.setState('closing')
    this.ws.terminate()
  }
}

function endReason(intent: 'policy' | 'shutdown'): EndReason {
  return intent === 'policy' ? 'kicked' : 'shutdown'
}
