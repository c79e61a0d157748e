import * as v from 'valibot'
import { MAX_ID_LENGTH, MAX_NAME_LENGTH, MAX_TOKEN_LENGTH, ROOM_PATTERN } from './constants.js'

/**
 * The one schema of every signaling message (protocol version 1).
 * Types are derived from the schemas; nothing here is written twice.
 * Unknown fields are accepted and dropped so that the protocol can be extended without breaking
 * older peers.
 */

/** A JSON object whose content is opaque to the server. Checked in O(1): plain object, not array. */
export const JsonObjectSchema = v.custom<{ readonly [key: string]: unknown }>(
  (input) => typeof input === 'object' && input !== null && !Array.isArray(input),
  'must be a JSON object',
)

const IdSchema = v.optional(v.pipe(v.string(), v.maxLength(MAX_ID_LENGTH)))
export const RoomSchema = v.pipe(v.string(), v.regex(ROOM_PATTERN, 'room must match ^[A-Za-z0-9_-]{1,64}$'))
export const NameSchema = v.pipe(
  v.string(),
  v.maxLength(MAX_NAME_LENGTH, 'name must be at most 64 characters'),
)
export const PeerIdSchema = v.pipe(v.string(), v.minLength(1), v.maxLength(64))
const TokenSchema = v.pipe(v.string(), v.maxLength(MAX_TOKEN_LENGTH))

// ---------------------------------------------------------------- client → server

export const JoinMessageSchema = v.object({
  type: v.literal('join'),
  id: IdSchema,
  room: RoomSchema,
  name: v.optional(NameSchema),
  token: v.optional(TokenSchema),
  resume: v.optional(TokenSchema),
})

export const SignalMessageSchema = v.object({
  type: v.literal('signal'),
  id: IdSchema,
  to: PeerIdSchema,
  data: JsonObjectSchema,
})

export const LeaveMessageSchema = v.object({
  type: v.literal('leave'),
  id: IdSchema,
})

export const ClientMessageSchema = v.variant('type', [
  JoinMessageSchema,
  SignalMessageSchema,
  LeaveMessageSchema,
])

export type JoinMessage = v.InferOutput<typeof JoinMessageSchema>
export type SignalMessage = v.InferOutput<typeof SignalMessageSchema>
export type LeaveMessage = v.InferOutput<typeof LeaveMessageSchema>
export type ClientMessage = v.InferOutput<typeof ClientMessageSchema>
export type ClientMessageType = ClientMessage['type']

// ---------------------------------------------------------------- server → client

export const PeerInfoSchema = v.object({ peerId: PeerIdSchema, name: v.string() })
export type PeerInfo = v.InferOutput<typeof PeerInfoSchema>

/** The subset of RTCIceServer the server hands out. */
export const IceServerSchema = v.object({
  urls: v.union([v.string(), v.array(v.string())]),
  username: v.optional(v.string()),
  credential: v.optional(v.string()),
})
export type IceServer = v.InferOutput<typeof IceServerSchema>

export const WelcomeMessageSchema = v.object({
  type: v.literal('welcome'),
  peerId: PeerIdSchema,
  room: RoomSchema,
  peers: v.array(PeerInfoSchema),
  iceServers: v.array(IceServerSchema),
  /** Opaque token to resume this session after a dropped socket. */
  resume: v.string(),
  /** Extension: true when this welcome answers a successful `resume` (same peerId kept). */
  resumed: v.optional(v.boolean()),
  /**
   * Extension: true when a restarted server restored this session from a signed resume token. The
   * peers that are not back yet are missing from `peers`; they arrive later as `peer-joined`.
   */
  restored: v.optional(v.boolean()),
  /** Extension: seconds the server keeps a dropped session for resume. */
  resumeGrace: v.optional(v.number()),
  /** Extension: protocol version spoken by the server. */
  protocol: v.optional(v.number()),
  ref: IdSchema,
})

export const PeerJoinedMessageSchema = v.object({ type: v.literal('peer-joined'), peer: PeerInfoSchema })
export const PeerLeftMessageSchema = v.object({ type: v.literal('peer-left'), peerId: PeerIdSchema })
export const RelayedSignalMessageSchema = v.object({
  type: v.literal('signal'),
  from: PeerIdSchema,
  data: JsonObjectSchema,
})
export const ErrorMessageSchema = v.object({
  type: v.literal('error'),
  /** One of {@link ErrorCode}; typed as string so that newer servers' codes still parse. */
  code: v.string(),
  message: v.string(),
  ref: IdSchema,
})

export const ServerMessageSchema = v.variant('type', [
  WelcomeMessageSchema,
  PeerJoinedMessageSchema,
  PeerLeftMessageSchema,
  RelayedSignalMessageSchema,
  ErrorMessageSchema,
])

export type WelcomeMessage = v.InferOutput<typeof WelcomeMessageSchema>
export type PeerJoinedMessage = v.InferOutput<typeof PeerJoinedMessageSchema>
export type PeerLeftMessage = v.InferOutput<typeof PeerLeftMessageSchema>
export type RelayedSignalMessage = v.InferOutput<typeof RelayedSignalMessageSchema>
export type ErrorMessage = v.InferOutput<typeof ErrorMessageSchema>
export type ServerMessage = v.InferOutput<typeof ServerMessageSchema>
export type ServerMessageType = ServerMessage['type']
