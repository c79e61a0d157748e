import { randomBytes } from 'node:crypto'
import type { Directory } from './Directory.js'
import type { Logger } from './logger.js'
import type { ResumeClaims, ResumeTokens } from './ResumeTokens.js'
import { Session } from './Session.js'

/** A new random id: `bytes` of CSPRNG output, base64url (URL- and room-safe characters). */
export function randomId(bytes: number): string {
  return randomBytes(bytes).toString('base64url')
}

export type EndReason =
  | 'left'
  | 'closed'
  | 'grace-expired'
  | 'queue-overflow'
  | 'kicked'
  | 'shutdown'
  | 'refused'

export interface SessionStoreOptions {
  readonly directory: Directory
  readonly logger: Logger
  readonly graceMs: number
  readonly queueLimit: number
  readonly tokens: ResumeTokens
}

/**
 * Every session of this process, by resume token, and their lifecycle against the directory:
 * creation, detaching on a dropped socket (with the grace timer), resuming, ending.
 */
export class SessionStore {
  private readonly byToken = new Map<string, Session>()
  private readonly sessions = new Set<Session>()
  private readonly byPeerId = new Map<string, Session>()

  constructor(private readonly options: SessionStoreOptions) {}

  get size(): number {
    return this.sessions.size
  }

  /** A new session (state `joining`, not yet in the directory) with a fresh peerId and token. */
  create(room: string, name: string): Session {
    return this.add(randomId(12), room, name)
  }

  /**
   * A session re-created from the verified claims of a token issued by a previous process (the server
   * restarted): same peerId, room and name. Undefined if that peerId is live in this process.
   */
  restore(claims: ResumeClaims, token: string): Session | undefined {
    if (this.byPeerId.has(claims.peerId)) return undefined
    return this.add(claims.peerId, claims.room, claims.name, token)
  }

  /** The verified claims of a token this store cannot find (issued by a previous process). */
  claimsOf(token: string): ResumeClaims | undefined {
    return this.byToken.has(token) ? undefined : this.options.tokens.verify(token)
  }

  private add(
    peerId: string,
    room: string,
    name: string,
    token = this.options.tokens.issue({ peerId, room, name }),
  ): Session {
    const session = new Session(peerId, room, name, token, this.options.queueLimit)
    session.on('overflow', () => {
      this.options.logger.warn({ peerId: session.peerId, room }, 'resume queue overflow: ending session')
      this.end(session, 'queue-overflow')
    })
    this.sessions.add(session)
    this.byPeerId.set(peerId, session)
    this.byToken.set(session.resumeToken, session)
    return session
  }

  /** The session a resume token names, if it can be resumed in `room`. */
  findResumable(token: string, room: string): Session | undefined {
    const session = this.byToken.get(token)
    if (session === undefined || session.room !== room) return undefined
    return session.state === 'active' || session.state === 'detached' ? session : undefined
  }

  /** Whether `token` resumes `session`: its current token, or the one its last resume used. */
  accepts(session: Session, token: string): boolean {
    return token === session.resumeToken || token === session.previousResumeToken
  }

  /**
   * A connection is taking `session` over (resume) with `used`: stops its grace timer and issues a
   * new resume token. The token used stays valid until the client shows it got the new one
   * ({@link tokenReceived}): if the welcome is lost (the client timed out, the socket dropped), its
   * retry with the same token still resumes. Every older token is revoked: resuming with the current
   * token revokes the previous one; resuming with the previous one revokes the current one, which
   * never reached the client.
   */
  resumed(session: Session, used: string): void {
    if (session.graceTimer) clearTimeout(session.graceTimer)
    session.graceTimer = undefined
    if (used === session.resumeToken) {
      if (session.previousResumeToken !== undefined) this.byToken.delete(session.previousResumeToken)
      session.previousResumeToken = used
    } else {
      this.byToken.delete(session.resumeToken)
    }
    session.resumeToken = this.options.tokens.issue(session)
    this.byToken.set(session.resumeToken, session)
  }

  /** The client has the session's current token (it answered a ping sent after its welcome). */
  tokenReceived(session: Session): void {
    if (session.previousResumeToken === undefined) return
    this.byToken.delete(session.previousResumeToken)
    session.previousResumeToken = undefined
  }

  /**
   * The session's socket dropped (or, for a restored session still `joining`, closed before its
   * welcome): keep it for the grace period, then end it.
   */
  detach(session: Session): void {
    if (session.state !== 'active' && session.state !== 'joining') return
    if (this.options.graceMs === 0) {
      this.end(session, 'closed')
      return
    }
    session.detach()
    session.graceTimer = setTimeout(() => this.end(session, 'grace-expired'), this.options.graceMs)
    session.graceTimer.unref()
  }

  /** Ends `session`: it leaves the directory (the others see `peer-left`) and can no longer resume. */
  end(session: Session, reason: EndReason): void {
    if (session.state === 'ended') return
    const wasMember = session.state !== 'joining' || reason !== 'refused'
    session.end()
    this.byToken.delete(session.resumeToken)
    if (session.previousResumeToken !== undefined) this.byToken.delete(session.previousResumeToken)
    this.sessions.delete(session)
    if (this.byPeerId.get(session.peerId) === session) this.byPeerId.delete(session.peerId)
    this.options.logger.debug({ peerId: session.peerId, room: session.room, reason }, 'session ended')
    if (!wasMember) return
    try {
      const left = this.options.directory.leave(session.room, session.peerId)
      if (left instanceof Promise)
        left.catch((error: unknown) => this.options.logger.error({ err: error }, 'directory leave failed'))
    } catch (error) {
      this.options.logger.error({ err: error }, 'directory leave failed')
    }
  }

  /** Ends every session (server shutdown). */
  endAll(): void {
    for (const session of [...this.sessions]) this.end(session, 'shutdown')
  }
}
