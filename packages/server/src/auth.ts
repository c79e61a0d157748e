import { MAX_NAME_LENGTH } from '@parley/protocol'
import { errors, jwtVerify } from 'jose'

/** What a valid join token grants. */
export interface Grant {
  /** The display name from the token, overriding the one in `join`. */
  readonly name: string | undefined
}

export type AuthResult =
  | { readonly ok: true; readonly grant: Grant }
  | { readonly ok: false; readonly reason: string }

/** Tolerated clock skew between the token issuer and this server. */
const CLOCK_TOLERANCE_SECONDS = 5

/**
 * Verifies join tokens: JWT, HS256 only, signed with the configured secret, with claims
 * - `room` (required): the room being joined, or `"*"` for any room;
 * - `exp` (required): expiry, enforced with 5 s tolerance;
 * - `name` (optional): display name (≤ 64 characters) that replaces the one sent in `join`.
 */
export class Authenticator {
  private readonly key: Uint8Array

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret)
  }

  async verify(token: string | undefined, room: string): Promise<AuthResult> {
    if (token === undefined || token === '') return { ok: false, reason: 'a token is required to join' }
    let payload: Record<string, unknown>
    try {
      const verified = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        requiredClaims: ['exp', 'room'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      })
      payload = verified.payload as Record<string, unknown>
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { ok: false, reason: 'token expired' }
      if (error instanceof errors.JWTClaimValidationFailed) return { ok: false, reason: error.message }
      return { ok: false, reason: 'invalid token' }
    }
    const claim = payload.room
    if (typeof claim !== 'string') return { ok: false, reason: 'token "room" claim must be a string' }
    if (claim !== '*' && claim !== room) return { ok: false, reason: 'token is for another room' }
    const name = payload.name
    if (name !== undefined && (typeof name !== 'string' || name.length > MAX_NAME_LENGTH))
      return { ok: false, reason: 'token "name" claim must be a string of at most 64 characters' }
    return { ok: true, grant: { name } }
  }
}
