import { fileURLToPath } from 'node:url'
import { MAX_SIGNAL_DATA_BYTES } from '@parley/protocol'
import { ConfigError } from './errors.js'
import { LOG_LEVELS, type LogLevel } from './logger.js'

export { ConfigError }

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

type Kind = 'port' | 'string' | 'int' | 'number' | 'bytes' | 'duration' | 'list' | 'level'

interface OptionSpec {
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

// ------------------------------------------------------------------ parsing of text values

const BYTE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mib: 1024 ** 2,
}
const DURATION_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
}

function describe(spec: OptionSpec): string {
  return `${spec.flag} (${spec.env})`
}

function withUnit(
  spec: OptionSpec,
  raw: string,
  units: Readonly<Record<string, number>>,
  hint: string,
): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(raw.trim())
  const factor = m ? units[(m[2] ?? '').toLowerCase()] : undefined
  if (!m || factor === undefined) throw new ConfigError(`${describe(spec)}: "${raw}" is not ${hint}`)
  return Math.round(Number(m[1]) * factor)
}

function parseText(spec: OptionSpec, raw: string): unknown {
  switch (spec.kind) {
    case 'port':
    case 'int':
      if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${describe(spec)}: "${raw}" is not an integer`)
      return Number(raw)
    case 'number':
      if (!/^\d+(\.\d+)?$/.test(raw.trim()))
        throw new ConfigError(`${describe(spec)}: "${raw}" is not a number`)
      return Number(raw)
    case 'bytes':
      return withUnit(spec, raw, BYTE_UNITS, 'a size (e.g. 65536, 64KiB, 1MiB)')
    case 'duration':
      return withUnit(spec, raw, DURATION_UNITS, 'a duration (e.g. 500ms, 20s, 5m; bare numbers are ms)')
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0)
    case 'string':
    case 'level':
      return raw
  }
}

// ------------------------------------------------------------------ validation

function checkValue(spec: OptionSpec, value: unknown): void {
  const where = describe(spec)
  switch (spec.kind) {
    case 'port':
      if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 65535)
        throw new ConfigError(`${where}: must be an integer from 0 to 65535, got ${String(value)}`)
      return
    case 'int':
    case 'number':
    case 'bytes':
    case 'duration': {
      const n = value as number
      const integral = spec.kind !== 'number'
      if (typeof n !== 'number' || !Number.isFinite(n) || (integral && !Number.isInteger(n)))
        throw new ConfigError(
          `${where}: must be ${integral ? 'an integer' : 'a number'}, got ${String(value)}`,
        )
      if (spec.min !== undefined && n < spec.min)
        throw new ConfigError(`${where}: must be ≥ ${spec.min}, got ${n}`)
      if (spec.max !== undefined && n > spec.max)
        throw new ConfigError(`${where}: must be ≤ ${spec.max}, got ${n}`)
      return
    }
    case 'list':
      if (!Array.isArray(value) || !value.every((s) => typeof s === 'string'))
        throw new ConfigError(`${where}: must be a list of strings`)
      return
    case 'level':
      if (!(LOG_LEVELS as readonly unknown[]).includes(value))
        throw new ConfigError(`${where}: must be one of ${LOG_LEVELS.join(', ')}, got "${String(value)}"`)
      return
    case 'string':
      if (value !== undefined && (typeof value !== 'string' || value.length === 0))
        throw new ConfigError(`${where}: must be a non-empty string`)
      return
  }
}

function spec(key: keyof ServerConfig): OptionSpec {
  const found = OPTION_SPECS.find((s) => s.key === key)
  if (!found) throw new Error(`no option spec for ${key}`)
  return found
}

function checkUrls(key: 'stunUrls' | 'turnUrls', urls: readonly string[], schemes: readonly string[]): void {
  for (const url of urls) {
    const scheme = url.slice(0, url.indexOf(':') + 1)
    if (!schemes.includes(scheme) || url.length <= scheme.length)
      throw new ConfigError(`${describe(spec(key))}: "${url}" must start with ${schemes.join(' or ')}`)
  }
}

function checkOrigins(origins: readonly string[]): void {
  for (const origin of origins) {
    if (origin === '*') continue
    let parsed: URL | undefined
    try {
      parsed = new URL(origin)
    } catch {
      parsed = undefined
    }
    if (!parsed || parsed.origin !== origin)
      throw new ConfigError(
        `${describe(spec('allowedOrigins'))}: "${origin}" is not an origin like https://example.com[:port]`,
      )
  }
}

function checkConsistency(c: ServerConfig): void {
  if (c.host.trim() === '') throw new ConfigError(`${describe(spec('host'))}: must not be empty`)
  if ((c.tlsCert === undefined) !== (c.tlsKey === undefined))
    throw new ConfigError('--tls-cert (TLS_CERT) and --tls-key (TLS_KEY) must be given together')
  if (c.maxSignalDataBytes > c.maxMessageBytes)
    throw new ConfigError(
      `--max-signal-size (${c.maxSignalDataBytes}) must not exceed --max-message-size (${c.maxMessageBytes})`,
    )
  if (c.maxMessageBytes > c.maxFrameBytes)
    throw new ConfigError(
      `--max-message-size (${c.maxMessageBytes}) must not exceed --max-frame-size (${c.maxFrameBytes})`,
    )
  checkUrls('stunUrls', c.stunUrls, ['stun:', 'stuns:'])
  checkUrls('turnUrls', c.turnUrls, ['turn:', 'turns:'])
  checkOrigins(c.allowedOrigins)
  if (c.resumeSecret !== undefined && c.resumeSecret.length < 16)
    throw new ConfigError('--resume-secret (RESUME_SECRET) must be at least 16 characters')
  if ((c.turnUsername === undefined) !== (c.turnCredential === undefined))
    throw new ConfigError('--turn-username and --turn-credential must be given together')
  if (c.turnSecret !== undefined && c.turnUsername !== undefined)
    throw new ConfigError(
      '--turn-secret (ephemeral credentials) and --turn-username (static) exclude each other',
    )
  if ((c.turnSecret !== undefined || c.turnUsername !== undefined) && c.turnUrls.length === 0)
    throw new ConfigError('TURN credentials are configured but --turn-urls (TURN_URLS) is empty')
}

/** Fills defaults into `input` and validates every field; throws {@link ConfigError}. */
export function resolveConfig(input: ConfigInput = {}): ServerConfig {
  const merged: Record<string, unknown> = { ...DEFAULT_CONFIG }
  for (const s of OPTION_SPECS) {
    const value = input[s.key]
    if (value !== undefined) merged[s.key] = value
    checkValue(s, merged[s.key])
  }
  const config = merged as unknown as ServerConfig
  checkConsistency(config)
  return config
}

export type Env = Readonly<Record<string, string | undefined>>

/**
 * Reads the configuration from command-line flags (`--port 8080` or `--port=8080`) over environment
 * variables (`PORT=8080`) over defaults, and validates it. Throws {@link ConfigError} on any problem.
 */
export function loadConfig(
  argv: readonly string[] = process.argv.slice(2),
  env: Env = process.env,
): ServerConfig {
  const input: Record<string, unknown> = {}
  for (const s of OPTION_SPECS) {
    const raw = env[s.env]
    if (raw !== undefined && raw.trim() !== '') input[s.key] = parseText(s, raw)
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument "${arg}" (see --help)`)
    const eq = arg.indexOf('=')
    const flag = eq === -1 ? arg : arg.slice(0, eq)
    const s = OPTION_SPECS.find((o) => o.flag === flag)
    if (!s) throw new ConfigError(`unknown option ${flag} (see --help)`)
    let raw: string | undefined
    if (eq !== -1) raw = arg.slice(eq + 1)
    else {
      raw = argv[i + 1]
      i++
    }
    if (raw === undefined) throw new ConfigError(`${flag} needs a value`)
    input[s.key] = parseText(s, raw)
  }
  return resolveConfig(input as ConfigInput)
}

/** The configuration with secrets replaced, for printing. */
export function redactConfig(config: ServerConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config }
  for (const s of OPTION_SPECS) if (s.secret && out[s.key] !== undefined) out[s.key] = '[redacted]'
  return out
}

function formatDefault(s: OptionSpec): string {
  const value = DEFAULT_CONFIG[s.key]
  if (value === undefined) return ''
  if (Array.isArray(value)) return value.length === 0 ? '' : ` [default: ${value.join(',')}]`
  if (s.kind === 'duration') return ` [default: ${value}ms]`
  return ` [default: ${String(value)}]`
}

/** `--help` text. */
export function usage(): string {
  const lines = ['Usage: parley-server [options]   (each option can also be set by the env var shown)', '']
  for (const o of OPTION_SPECS) {
    const left = `  ${o.flag} <${o.kind}>`.padEnd(34)
    lines.push(`${left}${o.env}${o.help ? ` — ${o.help}` : ''}${formatDefault(o)}`)
  }
  lines.push('', 'Sizes: 65536, 64KiB, 1MiB. Durations: 500ms, 20s, 5m, 1h (bare numbers are ms).')
  return `${lines.join('\n')}\n`
}
