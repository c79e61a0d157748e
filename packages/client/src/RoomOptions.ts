import type { LocalMediaLike, MediaRequest } from './LocalMediaLike.js'
import type { Logger } from './Logger.js'
import type { PeerSessionOptions } from './PeerSession.js'
import type { ChannelSettings } from './PresetChannel.js'
import type { PeerConnectionConstructor, RtcRuntime, WebSocketConstructor } from './runtime.js'
import type { QualityMonitorOptions } from './stats/QualityMonitor.js'

export interface RoomOptions {
  /** Display name shown to the others (≤ 64 characters). */
  name?: string
  /** Auth token (JWT) for servers that require one. */
  token?: string
  /**
   * `resumeToken` of an earlier Room in this room, e.g. of the page before a reload: join as the
   * same peer (same id) if the server still holds that session, else join afresh. The others then
   * drop their connections to the old instance and connect to this one.
   */
  resume?: string
  /**
   * Browsers, on `pagehide`: 'leave' (default) leaves the room at once; 'suspend' calls
   * {@link Room.suspend} so that a reloaded page can take the session over (see `resume`).
   */
  pageHide?: 'leave' | 'suspend'
  /** How long the others wait for this peer to come back after suspend() (default 10 s, at most the server's grace). */
  suspendGraceMs?: number
  /** Media to publish on join: a LocalMedia, or constraints to capture one (browsers). */
  media?: LocalMediaLike | MediaRequest
  /** Extra ICE servers, merged with the ones the server hands out. No public STUN server is built in. */
  iceServers?: RTCIceServer[]
  /** 'relay' forces TURN. */
  iceTransportPolicy?: 'all' | 'relay'
  /**
   * Node (node-datachannel) only: the largest IP packet a peer connection sends, 576–9000
   * (default 1280, libdatachannel's: safe on any path, as it does no path MTU discovery). 1500 on an
   * Ethernet or Wi-Fi LAN moves ~10 % more data per second for ~12 % less CPU; on a path with a
   * smaller MTU (PPPoE, VPNs, tunnels) packets are fragmented or lost. Browsers choose their own.
   */
  mtu?: number
  /** One peer connection attempt may take this long before an ICE restart / new connection (default 10 s). */
  connectTimeoutMs?: number
  /** ICE 'disconnected' for longer than this triggers an ICE restart (default 3 s). */
  disconnectedTimeoutMs?: number
  /** Recovery attempts per peer before it is 'failed' (default 8). */
  maxConnectAttempts?: number
  /** Signaling reconnection backoff (defaults 250 ms → 10 s, unlimited attempts). */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number; maxAttempts?: number }
  /** Signaling connect + join timeout (default 10 s). */
  requestTimeoutMs?: number
  /** Join in the WebSocket URL, one round trip sooner (default true; false for older servers). */
  joinOnUpgrade?: boolean
  /** Settings of the SDK channels (partial preset, size limits, buffer watermarks). */
  channels?: ChannelSettings
  /** How long leave() waits for queued messages to go out (default 1 s). */
  leaveDrainTimeoutMs?: number
  logger?: Logger
  /**
   * Connection-quality sampling ('quality' events) and adaptive video bitrate: stats interval
   * (default 2 s), level thresholds, bitrate settings (false: leave encodings alone); false: neither.
   */
  quality?: Pick<QualityMonitorOptions, 'intervalMs' | 'thresholds' | 'bitrate'> | false
  /** Overrides of the platform (e.g. another WebRTC implementation in Node). */
  rtc?: { RTCPeerConnection?: PeerConnectionConstructor; WebSocket?: WebSocketConstructor }
}

/** What every participant's PeerSession takes from the room: all but its ids, signal route and logger. */
export type SharedSessionOptions = Omit<PeerSessionOptions, 'localId' | 'remoteId' | 'sendSignal' | 'logger'>

/** The PeerSession options `options` give every participant (ICE servers are read at each new connection). */
export function sharedSessionOptions(
  options: RoomOptions,
  runtime: RtcRuntime,
  certificates: RTCCertificate[] | undefined,
  iceServers: () => readonly RTCIceServer[],
  takePeerConnection?: (configuration: RTCConfiguration) => RTCPeerConnection | undefined,
): SharedSessionOptions {
  return {
    runtime,
    iceServers,
    ...(takePeerConnection ? { takePeerConnection } : {}),
    ...(certificates ? { certificates } : {}),
    ...(options.iceTransportPolicy ? { iceTransportPolicy: options.iceTransportPolicy } : {}),
    ...(options.mtu !== undefined ? { mtu: options.mtu } : {}),
    ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    ...(options.disconnectedTimeoutMs !== undefined
      ? { disconnectedTimeoutMs: options.disconnectedTimeoutMs }
      : {}),
    ...(options.maxConnectAttempts !== undefined ? { maxConnectAttempts: options.maxConnectAttempts } : {}),
    ...(options.channels ? { channels: options.channels } : {}),
  }
}
