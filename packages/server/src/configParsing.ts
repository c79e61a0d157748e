import { describeOption, type OptionSpec } from './configOptions.js'
import { ConfigError } from './errors.js'

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

function withUnit(
  spec: OptionSpec,
  raw: string,
  units: Readonly<Record<string, number>>,
  hint: string,
): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(raw.trim())
  const factor = m ? units[(m[2] ?? '').toLowerCase()] : undefined
  if (!m || factor === undefined) throw new ConfigError(`${describeOption(spec)}: "${raw}" is not ${hint}`)
  return Math.round(Number(m[1]) * factor)
}

/** The value of `spec` given as text (a flag or an environment variable); throws {@link ConfigError}. */
export function parseText(spec: OptionSpec, raw: string): unknown {
  switch (spec.kind) {
    case 'port':
    case 'int':
      if (!/^\d+$/.test(raw.trim()))
        throw new ConfigError(`${describeOption(spec)}: "${raw}" is not an integer`)
      return Number(raw)
    case 'number':
      if (!/^\d+(\.\d+)?$/.test(raw.trim()))
        throw new ConfigError(`${describeOption(spec)}: "${raw}" is not a number`)
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
