/** Stable error codes of the SDK. Never renamed, only added to. */
export const ParleyErrorCode = {
  /** The signaling server could not be reached (DNS, TCP, TLS, WebSocket handshake). */
  SIGNALING_UNREACHABLE: 'SIGNALING_UNREACHABLE',
  /** The signaling server answered with an error this SDK cannot recover from. */
  SERVER_ERROR: 'SERVER_ERROR',
  /** The server refused the join (room full, unauthorized, too many rooms…); `cause` has its code. */
  JOIN_REJECTED: 'JOIN_REJECTED',
  /** A request got no answer in time. */
  TIMEOUT: 'TIMEOUT',
  /** The object was closed (room left, session closed) before or while the operation ran. */
  CLOSED: 'CLOSED',
  /** A peer connection did not connect within its attempts. */
  CONNECT_TIMEOUT: 'CONNECT_TIMEOUT',
  /** getUserMedia / getDisplayMedia was denied by the user or the browser. */
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  /** No media device matches the request. */
  DEVICE_NOT_FOUND: 'DEVICE_NOT_FOUND',
  /** The media device exists but cannot be opened (used by another application). */
  DEVICE_IN_USE: 'DEVICE_IN_USE',
  /** The runtime cannot do media (no getUserMedia, Node peer, no transceivers). */
  MEDIA_UNSUPPORTED: 'MEDIA_UNSUPPORTED',
  /** The data channel closed before the message was handed over to the transport. */
  CHANNEL_CLOSED: 'CHANNEL_CLOSED',
  /** A message is larger than the configured limit. */
  MESSAGE_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  /** An argument is invalid (bad room name, bad URL, reserved channel label…). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A message received from the network is malformed. */
  BAD_MESSAGE: 'BAD_MESSAGE',
  /** The WebRTC runtime is missing (no RTCPeerConnection and node-datachannel cannot be loaded). */
  RUNTIME_UNAVAILABLE: 'RUNTIME_UNAVAILABLE',
  /** Another connection resumed this session: this one will not reconnect. */
  SESSION_REPLACED: 'SESSION_REPLACED',
  /** The peer connection failed for good (every ICE restart and retry was exhausted). */
  PEER_FAILED: 'PEER_FAILED',
  /** File transfer: the received bytes do not match the sender's SHA-256; the partial file is discarded. */
  INTEGRITY: 'INTEGRITY',
  /** File transfer: the receiving disk (or storage quota) is full. */
  DISK_FULL: 'DISK_FULL',
  /** File transfer: the sender's dedicated worker could not be started or failed. */
  WORKER_FAILED: 'WORKER_FAILED',
  /** File transfer: the receiver declined the offer. */
  DECLINED: 'DECLINED',
  /** File transfer: cancelled by this side or the peer; the message carries the reason. */
  CANCELLED: 'CANCELLED',
  /** File transfer: a file to send does not exist or is not a regular file. */
  FILE_NOT_FOUND: 'FILE_NOT_FOUND',
  /** File transfer: a file could not be read (permissions, I/O error, changed while sending). */
  READ_FAILED: 'READ_FAILED',
  /** File transfer: a received file could not be written (permissions, missing directory, I/O error). */
  WRITE_FAILED: 'WRITE_FAILED',
  /** File transfer: the target file exists and overwriting was not allowed. */
  FILE_EXISTS: 'FILE_EXISTS',
  /**
   * File transfer: this browser has nowhere to stream a file this large (no origin private file
   * system, no download service worker) and it is above the limit of what may be kept in memory.
   */
  STORAGE_UNAVAILABLE: 'STORAGE_UNAVAILABLE',
} as const
export type ParleyErrorCode = (typeof ParleyErrorCode)[keyof typeof ParleyErrorCode]

/** Base class of every error the SDK throws or emits: a stable `code` and the underlying `cause`. */
export class ParleyError extends Error {
  readonly code: ParleyErrorCode
  declare readonly cause?: unknown

  constructor(code: ParleyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'ParleyError'
    this.code = code
  }
}

/** True when `error` is a ParleyError, optionally of the given code. */
export function isParleyError(error: unknown, code?: ParleyErrorCode): error is ParleyError {
  return error instanceof ParleyError && (code === undefined || error.code === code)
}

/** Wraps anything thrown into a ParleyError of `code` (kept as is when already a ParleyError). */
export function toParleyError(error: unknown, code: ParleyErrorCode, message?: string): ParleyError {
  if (error instanceof ParleyError) return error
  const text = message ?? (error instanceof Error ? error.message : String(error))
  return new ParleyError(code, text, { cause: error })
}
