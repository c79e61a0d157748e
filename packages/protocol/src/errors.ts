/** Stable error codes carried by `{"type":"error"}` messages. Never renamed, only added to. */
export const ErrorCode = {
  /** The frame is not a valid message of this protocol (bad JSON, unknown type, bad field). */
  BAD_MESSAGE: 'BAD_MESSAGE',
  /** The frame or the signal data exceeds the configured size limit. */
  TOO_LARGE: 'TOO_LARGE',
  /** A `signal` or `leave` was sent before joining a room. */
  NOT_IN_ROOM: 'NOT_IN_ROOM',
  /** The `to` of a `signal` is not a peer of the sender's room. */
  UNKNOWN_PEER: 'UNKNOWN_PEER',
  /** The room has reached its peer limit. */
  ROOM_FULL: 'ROOM_FULL',
  /** Auth is required and the token is missing, invalid, expired or for another room. */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** The connection sends faster than its rate limit allows. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** A `join` was sent by a connection already in a room. */
  ALREADY_JOINED: 'ALREADY_JOINED',
  /** The server has reached its room limit and cannot create a new room. */
  TOO_MANY_ROOMS: 'TOO_MANY_ROOMS',
  /** The `resume` token is unknown or its grace period has expired. */
  RESUME_FAILED: 'RESUME_FAILED',
  /** The server failed unexpectedly while handling the message. */
  INTERNAL: 'INTERNAL',
} as const
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

export const ERROR_CODES: readonly ErrorCode[] = Object.values(ErrorCode)

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value)
}
