/**
 * @parley/client — the public surface of the Parley SDK (browsers and Node).
 */
export { Backoff, type BackoffOptions } from './Backoff.js'
export { ChunkAssembler, type ChunkAssemblerOptions } from './ChunkAssembler.js'
export { isParleyError, ParleyError, ParleyErrorCode } from './errors.js'
export type { LocalMediaLike, MediaRequest, MediaState } from './LocalMediaLike.js'
export { type Logger, silentLogger } from './Logger.js'
export type { LeaveReason } from './Membership.js'
export * from './media/index.js'
export { Participant, type ParticipantEvents, type SendOptions } from './Participant.js'
export { type ConnectionInfo, PEER_TRANSITIONS, type PeerState } from './PeerSession.js'
export {
  CHANNEL_PRESETS,
  type ChannelPreset,
  type ChannelSettings,
  channelLabel,
  type PartialReliability,
} from './PresetChannel.js'
export { ROOM_TRANSITIONS, Room, type RoomEvents, type RoomOptions, type RoomState } from './Room.js'
export type { PeerConnectionConstructor, RtcFlavor, WebSocketConstructor } from './runtime.js'
export { computeSas, fingerprintFromSdp } from './Sas.js'
export { SIGNALING_TRANSITIONS, SignalingClient, type SignalingState } from './SignalingClient.js'
export * from './stats/index.js'
export { type EventMap, TypedEmitter } from './TypedEmitter.js'
export * from './transfer/index.js'
