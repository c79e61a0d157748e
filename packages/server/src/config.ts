import { OPTION_SPECS, type OptionSpec } from './configOptions.js'
import { parseText } from './configParsing.js'
import { checkConsistency, checkValue } from './configValidation.js'
import { ConfigError } from './errors.js'
import { type ConfigInput, DEFAULT_CONFIG, type ServerConfig } from './ServerConfig.js'

export { OPTION_SPECS } from './configOptions.js'
export { type ConfigInput, DEFAULT_CONFIG, defaultStaticDir, type ServerConfig } from './ServerConfig.js'
export { ConfigError }

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
