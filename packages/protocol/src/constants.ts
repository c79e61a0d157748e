/** Version of the signaling protocol spoken on {@link WS_PATH}. Extended, never broken. */
export const PROTOCOL_VERSION = 1

/** Path of the signaling WebSocket endpoint. */
export const WS_PATH = '/ws'

/** Room names: 1–64 characters from `[A-Za-z0-9_-]`. */
export const ROOM_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

/** Longest display name, in UTF-16 code units. */
export const MAX_NAME_LENGTH = 64

/** Largest `data` payload of a `signal`, measured as serialized JSON bytes (UTF-8). */
export const MAX_SIGNAL_DATA_BYTES = 64 * 1024

/** Longest correlation id a client may attach to a message. */
export const MAX_ID_LENGTH = 128

/** Longest auth token (JWT) or resume token accepted in `join`. */
export const MAX_TOKEN_LENGTH = 4096

/** WebSocket close codes used by the server. */
export const CloseCode = {
  /** Normal closure (the client left). */
  NORMAL: 1000,
  /** The server is going away (shutdown without restart intent). */
  GOING_AWAY: 1001,
  /** Policy violation: flooding, repeated abuse, disallowed origin. */
  POLICY_VIOLATION: 1008,
  /** Frame too large for the server to even read. */
  MESSAGE_TOO_BIG: 1009,
  /** Server restarting: clients should reconnect and resume. */
  SERVICE_RESTART: 1012,
  /** Server overloaded (connection limit): try again later. */
  TRY_AGAIN_LATER: 1013,
  /** Replaced by a newer connection resuming the same session. */
  SESSION_REPLACED: 4000,
  /** Heartbeat missed: the server considers the connection dead. */
  HEARTBEAT_TIMEOUT: 4001,
} as const
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode]

/**
 * Deepest nesting of objects/arrays inside a `signal`'s `data` that the server relays.
 * Real payloads (SDP, ICE candidates, app messages) nest a few levels; a bound keeps every
 * receiver's recursive code safe.
 */
export const MAX_SIGNAL_DATA_DEPTH = 64
