import { pino } from 'pino'

/** One log method, callable pino-style: `(msg)` or `(obj, msg?)`. */
export interface LogFn {
  (msg: string, ...args: unknown[]): void
  (obj: object, msg?: string, ...args: unknown[]): void
}

/** What the server logs through; a pino logger satisfies it. */
export interface Logger {
  debug: LogFn
  info: LogFn
  warn: LogFn
  error: LogFn
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** A pino logger writing JSON lines to stdout. */
export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { service: 'parley-server' } })
}

const noop = (): void => {}

/** A logger that drops everything. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop }
