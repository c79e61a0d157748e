import { describeOption, type OptionSpec, optionSpec } from './configOptions.js'
import { ConfigError } from './errors.js'
import { LOG_LEVELS } from './logger.js'
import type { ServerConfig } from './ServerConfig.js'

/** Checks one field of a configuration against its option; throws {@link ConfigError}. */
export function checkValue(spec: OptionSpec, value: unknown): void {
  const where = describeOption(spec)
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

function checkUrls(key: 'stunUrls' | 'turnUrls', urls: readonly string[], schemes: readonly string[]): void {
  for (const url of urls) {
    const scheme = url.slice(0, url.indexOf(':') + 1)
    if (!schemes.includes(scheme) || url.length <= scheme.length)
      throw new ConfigError(
        `${describeOption(optionSpec(key))}: "${url}" must start with ${schemes.join(' or ')}`,
      )
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
        `${describeOption(optionSpec('allowedOrigins'))}: "${origin}" is not an origin like https://example.com[:port]`,
      )
  }
}

/** Checks the fields against each other and the URLs and origins; throws {@link ConfigError}. */
export function checkConsistency(c: ServerConfig): void {
  if (c.host.trim() === '') throw new ConfigError(`${describeOption(optionSpec('host'))}: must not be empty`)
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
