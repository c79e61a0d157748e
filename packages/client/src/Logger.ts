/**
 * Logger injected into every SDK object. Compatible with `console`, pino and most loggers:
 * `logger.info({ peerId }, 'connected')` or `logger.info('connected')`.
 */
export interface Logger {
  debug(...args: unknown[]): void
  info(...args: unknown[]): void
  warn(...args: unknown[]): void
  error(...args: unknown[]): void
}

const noop = (): void => {}

/** The default: logs nothing. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop })

/** A logger that prefixes every line with a fixed context object merged into the first argument. */
export function childLogger(parent: Logger, context: Record<string, unknown>): Logger {
  if (parent === silentLogger) return parent
  const wrap =
    (level: keyof Logger) =>
    (...args: unknown[]): void => {
      const [first, ...rest] = args
      if (typeof first === 'object' && first !== null && !(first instanceof Error)) {
        parent[level]({ ...context, ...first }, ...rest)
      } else {
        parent[level](context, ...args)
      }
    }
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') }
}
