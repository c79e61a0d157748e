import { ParleyError } from './errors.js'

/**
 * The platform pieces the SDK needs, found once per process: an RTCPeerConnection implementation
 * and a WebSocket. Browsers have both. In Node, `node-datachannel/polyfill` provides WebRTC and the
 * global WebSocket (Node ≥ 22) or the `ws` package provides the socket. Both Node modules are
 * imported with non-literal specifiers so that browser bundlers leave them out.
 */

/** Which WebRTC implementation runs: the platform's own, or node-datachannel's W3C polyfill. */
export type RtcFlavor = 'native' | 'node-datachannel'

/** The subset of the W3C WebSocket the SDK uses (browsers, undici and `ws` all provide it). */
export interface WebSocketLike {
  readonly readyState: number
  onopen: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: { code: number; reason: string; wasClean?: boolean }) => void) | null
  onerror: ((event: unknown) => void) | null
  send(data: string): void
  close(code?: number, reason?: string): void
}
export type WebSocketConstructor = new (url: string) => WebSocketLike

export type PeerConnectionConstructor = new (configuration?: RTCConfiguration) => RTCPeerConnection

export interface RtcRuntime {
  readonly flavor: RtcFlavor
  readonly RTCPeerConnection: PeerConnectionConstructor
  readonly WebSocket: WebSocketConstructor
}

/** Property only node-datachannel's polyfill has on its RTCPeerConnection prototype. */
function isNodeDatachannel(ctor: PeerConnectionConstructor): boolean {
  return 'ext_maxMessageSize' in ctor.prototype
}

/** Describes an RTCPeerConnection constructor (e.g. one the application passed in). */
export function flavorOf(ctor: PeerConnectionConstructor): RtcFlavor {
  return isNodeDatachannel(ctor) ? 'node-datachannel' : 'native'
}

// Non-literal specifiers: bundlers (esbuild, Vite, webpack) do not follow them.
const POLYFILL_MODULE = ['node-datachannel', 'polyfill'].join('/')
const WS_MODULE = ['w', 's'].join('')

async function importDynamic(specifier: string): Promise<Record<string, unknown>> {
  return (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>
}

let runtime: Promise<RtcRuntime> | undefined

/** The runtime of this process (loaded once). Rejects with RUNTIME_UNAVAILABLE if WebRTC is missing. */
export function loadRuntime(): Promise<RtcRuntime> {
  runtime ??= discover().catch((error: unknown) => {
    runtime = undefined
    throw error
  })
  return runtime
}

/**
 * The runtime of a room: the application's overrides (`rtc` option), completed by the runtime of
 * this process for whatever they leave out.
 */
export async function resolveRuntime(rtc?: {
  RTCPeerConnection?: PeerConnectionConstructor
  WebSocket?: WebSocketConstructor
}): Promise<RtcRuntime> {
  const pc = rtc?.RTCPeerConnection
  const ws = rtc?.WebSocket
  if (pc && ws) return { flavor: flavorOf(pc), RTCPeerConnection: pc, WebSocket: ws }
  const found = await loadRuntime()
  return pc || ws
    ? {
        flavor: flavorOf(pc ?? found.RTCPeerConnection),
        RTCPeerConnection: pc ?? found.RTCPeerConnection,
        WebSocket: ws ?? found.WebSocket,
      }
    : found
}

async function discover(): Promise<RtcRuntime> {
  const g = globalThis as { RTCPeerConnection?: PeerConnectionConstructor; WebSocket?: WebSocketConstructor }
  let pc = g.RTCPeerConnection
  if (!pc) {
    try {
      const mod = await importDynamic(POLYFILL_MODULE)
      pc = (mod.RTCPeerConnection ??
        (mod.default as { RTCPeerConnection?: unknown } | undefined)?.RTCPeerConnection) as
        | PeerConnectionConstructor
        | undefined
    } catch (cause) {
      throw new ParleyError(
        'RUNTIME_UNAVAILABLE',
        'no RTCPeerConnection and node-datachannel is not installed',
        {
          cause,
        },
      )
    }
    if (!pc)
      throw new ParleyError('RUNTIME_UNAVAILABLE', 'node-datachannel/polyfill has no RTCPeerConnection')
  }
  let ws = g.WebSocket
  if (!ws) {
    try {
      const mod = await importDynamic(WS_MODULE)
      ws = (mod.WebSocket ?? mod.default) as WebSocketConstructor | undefined
    } catch (cause) {
      throw new ParleyError(
        'RUNTIME_UNAVAILABLE',
        'no global WebSocket and the ws package is not installed',
        {
          cause,
        },
      )
    }
    if (!ws) throw new ParleyError('RUNTIME_UNAVAILABLE', 'the ws package has no WebSocket export')
  }
  return { flavor: flavorOf(pc), RTCPeerConnection: pc, WebSocket: ws }
}

/**
 * node-datachannel's polyfill builds `turn:<username>:<credential>@host` URLs by pasting the two
 * strings in unescaped, so a TURN REST username (`<expiry>:<peerId>`) or a base64 credential
 * (`+`, `/`, `=`) corrupts the URL. libdatachannel percent-decodes both fields, so encode them.
 */
export function encodeIceServersForPolyfill(servers: readonly RTCIceServer[]): RTCIceServer[] {
  return servers.map((server) => {
    if (server.username === undefined && server.credential === undefined) return { ...server }
    const out: RTCIceServer = { ...server }
    if (server.username !== undefined) out.username = encodeURIComponent(server.username)
    if (typeof server.credential === 'string') out.credential = encodeURIComponent(server.credential)
    return out
  })
}

/** A peer connection's configuration, with what only node-datachannel understands. */
export interface PeerConfiguration extends RTCConfiguration {
  /** node-datachannel: the largest IP packet sent (libdatachannel's `mtu`; default 1280). */
  mtu?: number
}

/**
 * Creates a peer connection, adapting the configuration to the runtime's quirks. node-datachannel
 * connections are retained until they report `closed` (see retainChannel for why); `mtu` goes to
 * node-datachannel only.
 */
export function createPeerConnection(rt: RtcRuntime, configuration: PeerConfiguration): RTCPeerConnection {
  if (rt.flavor !== 'node-datachannel') {
    const { mtu: _nodeOnly, ...browser } = configuration
    return new rt.RTCPeerConnection(browser)
  }
  const { certificates: _ignored, ...rest } = configuration
  const iceServers = encodeIceServersForPolyfill(configuration.iceServers ?? [])
  const pc = new rt.RTCPeerConnection({ ...rest, iceServers })
  livePeerConnections.add(pc)
  const release = (): void => {
    if (pc.connectionState !== 'closed') return
    livePeerConnections.delete(pc)
    pc.removeEventListener('connectionstatechange', release)
  }
  pc.addEventListener('connectionstatechange', release)
  return pc
}

const livePeerConnections = new Set<RTCPeerConnection>()

/**
 * Strong references to every data channel the SDK opened or accepted, held until the channel
 * closes. node-datachannel frees a native channel whose JS wrapper is garbage-collected, even in
 * the middle of a transfer (the transfer stops, and the finalizer can even block the event loop);
 * this registry makes the channel's lifetime independent of whether the application (or the SDK)
 * still holds a variable pointing to it. Closed objects are safe to collect.
 */
const liveChannels = new Set<RTCDataChannel>()

export function retainChannel(channel: RTCDataChannel): void {
  if (liveChannels.has(channel) || channel.readyState === 'closed') return
  liveChannels.add(channel)
  channel.addEventListener('close', () => liveChannels.delete(channel), { once: true })
}

export function releaseChannel(channel: RTCDataChannel): void {
  liveChannels.delete(channel)
}

/** Channels currently retained (diagnostics and tests). */
export function retainedChannelCount(): number {
  return liveChannels.size
}

/** node-datachannel peer connections currently retained (diagnostics and tests). */
export function retainedPeerConnectionCount(): number {
  return livePeerConnections.size
}
