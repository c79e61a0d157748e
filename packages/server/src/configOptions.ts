import { LOG_LEVELS } from './logger.js'
import type { ServerConfig } from './ServerConfig.js'

export type Kind = 'port' | 'string' | 'int' | 'number' | 'bytes' | 'duration' | 'list' | 'level'

export interface OptionSpec {
  readonly key: keyof ServerConfig
  readonly flag: string
  readonly env: string
  readonly kind: Kind
  readonly help: string
  readonly min?: number
  readonly max?: number
  /** Redacted when the configuration is printed. */
  readonly secret?: boolean
}

/** Every configuration option, in the order `--help` and the README list them. */
export const OPTION_SPECS: readonly OptionSpec[] = [
  { key: 'port', flag: '--port', env: 'PORT', kind: 'port', help: 'TCP port (0 = ephemeral)' },
  { key: 'host', flag: '--host', env: 'HOST', kind: 'string', help: 'address to listen on' },
  { key: 'staticDir', flag: '--static-dir', env: 'STATIC_DIR', kind: 'string', help: 'web app directory' },
  { key: 'tlsCert', flag: '--tls-cert', env: 'TLS_CERT', kind: 'string', help: 'PEM certificate (chain)' },
  { key: 'tlsKey', flag: '--tls-key', env: 'TLS_KEY', kind: 'string', help: 'PEM private key' },
  { key: 'logLevel', flag: '--log-level', env: 'LOG_LEVEL', kind: 'level', help: LOG_LEVELS.join('|') },
  {
    key: 'allowedOrigins',
    flag: '--allowed-origins',
    env: 'ALLOWED_ORIGINS',
    kind: 'list',
    help: 'comma-separated origins allowed on /ws (empty or * = any)',
  },
  {
    key: 'maxConnections',
    flag: '--max-connections',
    env: 'MAX_CONNECTIONS',
    kind: 'int',
    min: 1,
    help: 'open WebSockets; more are closed with 1013',
  },
  {
    key: 'maxRooms',
    flag: '--max-rooms',
    env: 'MAX_ROOMS',
    kind: 'int',
    min: 1,
    help: 'a join opening one more room gets TOO_MANY_ROOMS',
  },
  {
    key: 'maxPeersPerRoom',
    flag: '--max-peers-per-room',
    env: 'MAX_PEERS_PER_ROOM',
    kind: 'int',
    min: 1,
    help: 'a join beyond gets ROOM_FULL',
  },
  {
    key: 'maxMessageBytes',
    flag: '--max-message-size',
    env: 'MAX_MESSAGE_SIZE',
    kind: 'bytes',
    min: 256,
    help: 'larger frames get TOO_LARGE',
  },
  {
    key: 'maxFrameBytes',
    flag: '--max-frame-size',
    env: 'MAX_FRAME_SIZE',
    kind: 'bytes',
    min: 256,
    help: 'larger frames close the socket (1009)',
  },
  {
    key: 'maxSignalDataBytes',
    flag: '--max-signal-size',
    env: 'MAX_SIGNAL_SIZE',
    kind: 'bytes',
    min: 2,
    help: 'largest serialized signal data',
  },
  {
    key: 'rateLimit',
    flag: '--rate-limit',
    env: 'RATE_LIMIT',
    kind: 'number',
    min: 0.001,
    help: 'sustained messages per second per connection',
  },
  {
    key: 'rateBurst',
    flag: '--rate-burst',
    env: 'RATE_BURST',
    kind: 'int',
    min: 1,
    help: 'messages a connection may send in a burst',
  },
  {
    key: 'floodThreshold',
    flag: '--flood-threshold',
    env: 'FLOOD_THRESHOLD',
    kind: 'int',
    min: 1,
    help: 'rate-limited messages tolerated before closing with 1008',
  },
  {
    key: 'heartbeatIntervalMs',
    flag: '--heartbeat-interval',
    env: 'HEARTBEAT_INTERVAL',
    kind: 'duration',
    min: 10,
    help: 'ping period; no pong by the next ping drops the socket',
  },
  {
    key: 'resumeGraceMs',
    flag: '--resume-grace',
    env: 'RESUME_GRACE',
    kind: 'duration',
    min: 0,
    help: 'how long a dropped session can resume (0 = off)',
  },
  {
    key: 'resumeQueueLimit',
    flag: '--resume-queue',
    env: 'RESUME_QUEUE',
    kind: 'int',
    min: 0,
    help: 'signals queued for a dropped session; one more ends it',
  },
  {
    key: 'resumeSecret',
    flag: '--resume-secret',
    env: 'RESUME_SECRET',
    kind: 'string',
    secret: true,
    help: 'signs resume tokens so sessions survive a server restart (≥ 16 chars)',
  },
  { key: 'stunUrls', flag: '--stun-urls', env: 'STUN_URLS', kind: 'list', help: 'stun: URLs' },
  { key: 'turnUrls', flag: '--turn-urls', env: 'TURN_URLS', kind: 'list', help: 'turn:/turns: URLs' },
  {
    key: 'turnSecret',
    flag: '--turn-secret',
    env: 'TURN_SECRET',
    kind: 'string',
    secret: true,
    help: 'coturn static-auth-secret: ephemeral per-peer TURN credentials',
  },
  {
    key: 'turnUsername',
    flag: '--turn-username',
    env: 'TURN_USERNAME',
    kind: 'string',
    help: 'static TURN username (instead of --turn-secret)',
  },
  {
    key: 'turnCredential',
    flag: '--turn-credential',
    env: 'TURN_CREDENTIAL',
    kind: 'string',
    secret: true,
    help: 'static TURN password',
  },
  {
    key: 'turnTtlMs',
    flag: '--turn-ttl',
    env: 'TURN_TTL',
    kind: 'duration',
    min: 1000,
    help: 'lifetime of ephemeral TURN credentials',
  },
  {
    key: 'authSecret',
    flag: '--auth-secret',
    env: 'AUTH_SECRET',
    kind: 'string',
    secret: true,
    help: 'HS256 secret; when set, join needs a JWT',
  },
  {
    key: 'shutdownTimeoutMs',
    flag: '--shutdown-timeout',
    env: 'SHUTDOWN_TIMEOUT',
    kind: 'duration',
    min: 0,
    max: 4000,
    help: 'how long a graceful shutdown waits for clients',
  },
]

/** How messages name an option: its flag and its environment variable. */
export function describeOption(spec: OptionSpec): string {
  return `${spec.flag} (${spec.env})`
}

/** The option of a configuration field. */
export function optionSpec(key: keyof ServerConfig): OptionSpec {
  const found = OPTION_SPECS.find((s) => s.key === key)
  if (!found) throw new Error(`no option spec for ${key}`)
  return found
}
