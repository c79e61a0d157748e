import type { PeerInfo } from '@parley/protocol'
import type { DirectoryMember } from './Directory.js'
import { assertTransition, type TransitionTable } from './states.js'
import { TypedEmitter } from './TypedEmitter.js'

/** What a session sends through: the connection currently attached to it. */
export interface SessionLink {
  /** Sends one JSON text message: a string, or its UTF-8 bytes. */
  sendFrame(frame: string | Buffer): void
  /** Another connection resumed this session: close this one (4000). */
  replaced(): void
}

/**
 * - `joining`: being admitted; anything delivered is queued until the welcome is sent.
 * - `active`: attached to a connection.
 * - `detached`: its socket dropped; signals are queued until it resumes or the grace period ends.
 *   A session restored after a server restart goes here from `joining` when its connection closed
 *   before the welcome: its client may still resume it with the same token.
 * - `ended`: left the room for good.
 */
export type SessionState = 'joining' | 'active' | 'detached' | 'ended'

const TRANSITIONS: TransitionTable<SessionState> = {
  joining: ['active', 'detached', 'ended'],
  active: ['detached', 'ended'],
  detached: ['active', 'ended'],
  ended: [],
}

export type SessionEvents = {
  state: [next: SessionState, previous: SessionState]
  /** More was queued than allowed: the owner ends the session. */
  overflow: []
}

/**
 * A peer's membership of a room. It outlives a dropped socket so that the peer can resume with the
 * same peerId; it is what the directory delivers to.
 */
export class Session extends TypedEmitter<SessionEvents> implements DirectoryMember {
  private _state: SessionState = 'joining'
  private link: SessionLink | undefined
  /** Frames waiting for a connection, in order. */
  private queue: (string | Buffer)[] = []
  /** Start of every signal relayed from this peer (`{"type":"signal","from":"<id>","data":`). */
  readonly relayPrefix: string
  /** {@link relayPrefix} as UTF-8 bytes. */
  readonly relayPrefixBytes: Buffer
  resumeToken: string
  /**
   * The token the last resume was made with, still valid until the client shows it got the new one
   * (SessionStore.resumed / tokenReceived): a welcome lost on the way must not cost the peer id.
   */
  previousResumeToken: string | undefined
  /** Timer ending a detached session. */
  graceTimer: NodeJS.Timeout | undefined

  constructor(
    readonly peerId: string,
    readonly room: string,
    readonly name: string,
    resumeToken: string,
    private readonly queueLimit: number,
  ) {
    super()
    this.resumeToken = resumeToken
    this.relayPrefix = `{"type":"signal","from":${JSON.stringify(peerId)},"data":`
    this.relayPrefixBytes = Buffer.from(this.relayPrefix)
  }

  get state(): SessionState {
    return this._state
  }

  get info(): PeerInfo {
    return { peerId: this.peerId, name: this.name }
  }

  /** Number of frames waiting for a connection. */
  get queued(): number {
    return this.queue.length
  }

  private setState(next: SessionState): void {
    const previous = this._state
    assertTransition(TRANSITIONS, 'session', previous, next)
    this._state = next
    this.emit('state', next, previous)
  }

  /** Attaches `link` (the welcome has just been sent through it) and flushes the queue in order. */
  attach(link: SessionLink): void {
    this.setState('active')
    this.link = link
    const queued = this.queue
    this.queue = []
    for (const frame of queued) link.sendFrame(frame)
  }

  /**
   * The socket dropped, or another connection is taking over: queue signals until {@link attach}
   * or {@link end}. Returns the link that was attached.
   */
  detach(): SessionLink | undefined {
    const old = this.link
    // Presence queued while joining is dropped, as while detached: the resume welcome lists the peers.
    if (this._state === 'joining') this.queue = this.queue.filter((frame) => typeof frame !== 'string')
    this.setState('detached')
    this.link = undefined
    return old
  }

  end(): void {
    if (this._state === 'ended') return
    this.setState('ended')
    this.link = undefined
    this.queue = []
    if (this.graceTimer) clearTimeout(this.graceTimer)
    this.graceTimer = undefined
  }

  deliver(frame: Buffer): void {
    const link = this.link
    if (link !== undefined) link.sendFrame(frame)
    else this.enqueue(frame)
  }

  peerJoined(peer: PeerInfo): void {
    this.presence(JSON.stringify({ type: 'peer-joined', peer: { peerId: peer.peerId, name: peer.name } }))
  }

  peerLeft(peerId: string): void {
    this.presence(JSON.stringify({ type: 'peer-left', peerId }))
  }

  /** Presence is queued while joining; while detached it is dropped (the resume welcome lists the peers). */
  private presence(frame: string): void {
    if (this.link !== undefined) this.link.sendFrame(frame)
    else if (this._state === 'joining') this.enqueue(frame)
  }

  private enqueue(frame: string | Buffer): void {
    if (this._state === 'ended') return
    if (this.queue.length >= this.queueLimit) {
      this.emit('overflow')
      return
    }
    this.queue.push(frame)
  }
}
