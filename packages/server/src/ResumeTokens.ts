import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/** What a resume token vouches for. */
export interface ResumeClaims {
  readonly peerId: string
  readonly room: string
  readonly name: string
  /** Issue time, unix milliseconds. */
  readonly issuedAt: number
}

const VERSION = 'r1'

/**
 * Resume tokens that verify themselves: `r1.<payload>.<HMAC-SHA256(secret, payload)>`, base64url.
 *
 * The process keeps every live session by token (so a token is revoked as soon as it is used or its
 * session ends); the signature lets a *restarted* process that shares the secret recognise the
 * tokens its predecessor issued, so that clients keep their peer ids across a server restart.
 * The payload is not secret (peer id, room, name), only unforgeable; the token itself is a bearer
 * credential that only its client holds, with 16 random bytes so no two are alike.
 */
export class ResumeTokens {
  private readonly secret: Buffer

  /** `secret` undefined: a random one, so only this process can verify its tokens. */
  constructor(secret: string | undefined) {
    this.secret = secret === undefined ? randomBytes(32) : Buffer.from(secret, 'utf8')
  }

  issue(claims: Omit<ResumeClaims, 'issuedAt'>, now = Date.now()): string {
    const payload = Buffer.from(
      JSON.stringify({
        p: claims.peerId,
        r: claims.room,
        n: claims.name,
        t: now,
        x: randomBytes(16).toString('base64url'),
      }),
    ).toString('base64url')
    return `${VERSION}.${payload}.${this.sign(payload)}`
  }

  /** The claims of a token this secret signed, or undefined for anything else. Never throws. */
  verify(token: string): ResumeClaims | undefined {
    const parts = token.split('.')
    if (parts.length !== 3 || parts[0] !== VERSION) return undefined
    const [, payload = '', signature = ''] = parts
    const expected = Buffer.from(this.sign(payload))
    const given = Buffer.from(signature)
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
    try {
      const data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
      const { p, r, n, t } = data
      if (typeof p !== 'string' || typeof r !== 'string' || typeof n !== 'string' || typeof t !== 'number')
        return undefined
      return { peerId: p, room: r, name: n, issuedAt: t }
    } catch {
      return undefined
    }
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url')
  }
}
