import type { Logger } from '@parley/client'

/**
 * Test hook: `localStorage['parley:test:log']` set to `'1'` makes the app's SDK objects log (info and
 * above) to the console, each line starting with `[parley]`, so that an end-to-end test can show what the SDK did
 * when it fails. Not a user setting: the app logs nothing otherwise.
 */
export const LOG_TEST_FLAG = 'parley:test:log'

const text = (value: unknown): string => {
  if (typeof value === 'string') return value
  if (value instanceof Error) return `${value.name}: ${value.message}`
  try {
    return JSON.stringify(value)
  } catch {
    return String(value)
  }
}

/** A console logger when the test hook asks for one, else undefined (the SDK's silent default). */
export function testLogger(): Logger | undefined {
  try {
    if (globalThis.localStorage?.getItem(LOG_TEST_FLAG) !== '1') return undefined
  } catch {
    return undefined
  }
  const started = performance.now()
  const at =
    (level: string) =>
    (...args: unknown[]): void =>
      console.log(`[parley] ${(performance.now() - started).toFixed(0)} ${level} ${args.map(text).join(' ')}`)
  // debug is left out: per-signal detail would slow the page the test measures
  return { debug: () => {}, info: at('info'), warn: at('warn'), error: at('error') }
}
