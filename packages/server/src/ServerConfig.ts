import { fileURLToPath } from 'node:url'
import { MAX_SIGNAL_DATA_BYTES } from '@parley/protocol'
import type { LogLevel } from './logger.js'

/** The effective, validated configuration of a server. Durations in ms, sizes in bytes. */
export interface ServerConfig {
  /** TCP port; 0 picks an ephemeral port. */
  readonly port: number
  readonly host: string
  /** Directory of the built web app served at `/`. */
  readonly staticDir: string
  /** PEM certificate chain file; with `tlsKey`, the server speaks https/wss. */
  readonly tlsCert: string | undefined
  readonly tlsKey: string | undefined
  readonly logLevel: LogLevel
  /** Origins allowed to open `/ws` (exact `scheme://host[:port]`); empty or `*` allows any. */
  readonly allowedOrigins: readonly string[]
  readonly maxConnections: number
  readonly maxRooms: number
  readonly maxPeersPerRoom: number
  /** Largest text frame the server parses; bigger ones get `TOO_LARGE` unread. */
  readonly maxMessageBytes: number
  /** Largest frame the server reads at all; bigger ones close the socket with 1009. */
  readonly maxFrameBytes: number
  /** Largest serialized `data` of a `signal`. */
  readonly maxSignalDataBytes: number
  /** Sustained messages per second per connection (token refill rate). */
  readonly rateLimit: number
  /** Token bucket capacity: messages a connection may send in a burst. */
  readonly rateBurst: number
  /** Rate-limited messages tolerated (forgiven at `rateLimit` per second) before closing with 1008. */
  readonly floodThreshold: number
  readonly heartbeatIntervalMs: number
  /** How long a dropped session can be resumed; 0 disables resume. */
  readonly resumeGraceMs: number
  /** Signals queued for a dropped session; one more ends the session. */
  readonly resumeQueueLimit: number
  /**
   * Signs resume tokens. When set, a restarted server (or another process sharing it) restores
   * sessions of its predecessor during its first grace period: clients keep their peer ids.
   */
  readonly resumeSecret: string | undefined
  readonly stunUrls: readonly string[]
  readonly turnUrls: readonly string[]
  /** coturn `static-auth-secret`: TURN credentials become ephemeral per peer (TURN REST scheme). */
  readonly turnSecret: string | undefined
  /** Static TURN credentials, when no `turnSecret` is set. */
  readonly turnUsername: string | undefined
  readonly turnCredential: string | undefined
  /** Lifetime of ephemeral TURN credentials. */
  readonly turnTtlMs: number
  /** HS256 secret: when set, `join` needs a JWT. */
  readonly authSecret: string | undefined
  /** How long a graceful close waits for clients to finish the close handshake. */
  readonly shutdownTimeoutMs: number
}

/** The web app built by Vite, found from this module's location (src/ or the dist/ bundle). */
export function defaultStaticDir(): string {
  return fileURLToPath(new URL('../../../apps/web/dist', import.meta.url))
}

export const DEFAULT_CONFIG: ServerConfig = {
  port: 8080,
  host: '0.0.0.0',
  staticDir: defaultStaticDir(),
  tlsCert: undefined,
  tlsKey: undefined,
  logLevel: 'info',
  allowedOrigins: [],
  maxConnections: 10_000,
  maxRooms: 10_000,
  maxPeersPerRoom: 16,
  maxMessageBytes: MAX_SIGNAL_DATA_BYTES + 8 * 1024,
  maxFrameBytes: 1024 * 1024,
  maxSignalDataBytes: MAX_SIGNAL_DATA_BYTES,
  rateLimit: 100,
  rateBurst: 500,
  floodThreshold: 200,
  heartbeatIntervalMs: 5_000,
  resumeGraceMs: 20_000,
  resumeQueueLimit: 256,
  resumeSecret: undefined,
  stunUrls: [],
  turnUrls: [],
  turnSecret: undefined,
  turnUsername: undefined,
  turnCredential: undefined,
  turnTtlMs: 86_400_000,
  authSecret: undefined,
  shutdownTimeoutMs: 2_000,
}

/** Every field optional: what `startServer` accepts besides its logger and directory. */
export type ConfigInput = { readonly [K in keyof ServerConfig]?: ServerConfig[K] | undefined }
