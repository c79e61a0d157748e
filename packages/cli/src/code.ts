import { ROOM_PATTERN } from '@parley/protocol'
import { WORDS } from './words.js'

/**
 * Transfer codes: `<number>-<word>-<word>-<word>` (e.g. `42-amber-falcon-orbit`), 7 + 24 bits of
 * randomness, valid Parley room names. The code is the room both ends join.
 */
export function newCode(random: (n: number) => number = secureRandomInt): string {
  const words = [0, 1, 2].map(() => WORDS[random(WORDS.length)]!)
  return [String(random(100)), ...words].join('-')
}

function secureRandomInt(n: number): number {
  const limit = Math.floor(0x1_0000_0000 / n) * n
  const buf = new Uint32Array(1)
  for (;;) {
    globalThis.crypto.getRandomValues(buf)
    if (buf[0]! < limit) return buf[0]! % n
  }
}

export interface ParsedCode {
  readonly code: string
  /** Server taken from a link (`https://host/r/<code>`), if the argument was one. */
  readonly server?: string
}

/**
 * Reads what the user typed for `receive`: a code, or the link `<server>/r/<code>` (then the link's
 * server is used). Codes are case-insensitive and may use spaces instead of dashes.
 */
export function parseCode(input: string): ParsedCode | undefined {
  const text = input.trim()
  if (/^https?:\/\//i.test(text)) {
    let url: URL
    try {
      url = new URL(text)
    } catch {
      return undefined
    }
    const match = /^(.*)\/r\/([^/]+)\/?$/.exec(url.pathname)
    if (!match) return undefined
    const code = parseCode(decodeURIComponent(match[2]!))
    return code ? { code: code.code, server: `${url.protocol}//${url.host}${match[1]}` } : undefined
  }
  const code = text.toLowerCase().replace(/\s+/g, '-')
  return ROOM_PATTERN.test(code) ? { code } : undefined
}

/** The link a browser opens to receive: `<server>/r/<code>`. */
export function linkFor(server: string, code: string): string {
  return `${server.replace(/\/+$/, '')}/r/${code}`
}
