import type { SignalMessage } from '@parley/protocol'

/** {@link buildRelayFrame} could not relay because `data` nests too deeply. */
export const DATA_TOO_DEEP = 1
/** {@link buildRelayFrame} could not relay because `data` is too large once serialized. */
export const DATA_TOO_LARGE = 2
export type RelayRefusal = typeof DATA_TOO_DEEP | typeof DATA_TOO_LARGE

const QUOTE = 34
const BACKSLASH = 92
const COMMA = 44
const OPEN_BRACE = 123
const CLOSE_BRACE = 125
const OPEN_BRACKET = 91
const CLOSE_BRACKET = 93

/**
 * In valid JSON `text`, the index of the bracket closing the object or array that opens at `start`;
 * -2 when it nests deeper than `maxDepth` (the opening one counts as depth 1). Strings are skipped
 * with native `indexOf`, so a payload that is mostly string (SDP) costs little.
 */
export function containerEnd(text: string, start: number, maxDepth: number): number {
  let depth = 0
  const n = text.length
  for (let i = start; i < n; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      let j = text.indexOf('"', i + 1)
      for (;;) {
        let k = j - 1
        while (text.charCodeAt(k) === BACKSLASH) k--
        if ((j - 1 - k) % 2 === 0) break
        j = text.indexOf('"', j + 1)
      }
      i = j
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return -2
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (--depth === 0) return i
    }
  }
  return -1
}

/**
 * Whether `text` has a string literal at `pos` whose raw content is exactly `value` (no escapes).
 * That suffices: an escape makes the raw content longer than the decoded value, so a literal that
 * decodes to `value` cannot show it verbatim followed by an unescaped quote unless it has none.
 */
function literalAt(text: string, pos: number, value: string): boolean {
  return (
    text.charCodeAt(pos) === QUOTE &&
    text.startsWith(value, pos + 1) &&
    text.charCodeAt(pos + 1 + value.length) === QUOTE
  )
}

const HEAD = '{"type":"signal",'

/**
 * Where `data`'s value starts in `text` when the frame is written the canonical way —
 * `{"type":"signal",["id":…,]"to":…,"data":{…}}` with no whitespace, as `JSON.stringify` of an
 * object literal in that key order produces — else -1. In that layout `data` is the last key and
 * appears once, so its raw text is exactly what `JSON.parse` read as `msg.data`.
 */
function canonicalDataStart(text: string, msg: SignalMessage): number {
  if (!text.startsWith(HEAD)) return -1
  let p = HEAD.length
  if (msg.id !== undefined) {
    if (!text.startsWith('"id":', p) || !literalAt(text, p + 5, msg.id)) return -1
    p += 7 + msg.id.length
    if (text.charCodeAt(p) !== COMMA) return -1
    p++
  }
  if (!text.startsWith('"to":', p) || !literalAt(text, p + 5, msg.to)) return -1
  p += 7 + msg.to.length
  if (!text.startsWith(',"data":', p)) return -1
  p += 8
  return text.charCodeAt(p) === OPEN_BRACE ? p : -1
}

/** Whether text.slice(start, end) is at most `max` bytes of UTF-8, computing bytes only if needed. */
function fitsBytes(text: string, start: number, end: number, ascii: boolean, max: number): boolean {
  const chars = end - start
  if (ascii || chars > max) return chars <= max
  if (chars * 3 <= max) return true
  return Buffer.byteLength(text.slice(start, end)) <= max
}

/**
 * The `signal` message relayed for `msg`, as UTF-8 bytes: `prefix` (`{"type":"signal","from":
 * "<sender>","data":`) + serialized data + `}`. `frame` holds the received bytes, `text` their
 * decoding.
 *
 * Canonical frames reuse the data's raw text (no re-serialization; for ASCII frames, a copy of the
 * received bytes); others re-serialize `msg.data`. Either way the relayed data is valid JSON, at
 * most `maxDataBytes` bytes and `maxDepth` deep.
 */
export function buildRelayFrame(
  frame: Buffer,
  text: string,
  msg: SignalMessage,
  prefix: string,
  prefixBytes: Buffer,
  maxDataBytes: number,
  maxDepth: number,
): Buffer | RelayRefusal {
  const start = canonicalDataStart(text, msg)
  if (start !== -1) {
    const end = containerEnd(text, start, maxDepth)
    if (end === -2) return DATA_TOO_DEEP
    // `}` right after the data closes the message (the text is valid JSON): data is the last key.
    if (text.charCodeAt(end + 1) === CLOSE_BRACE) {
      const ascii = frame.length === text.length
      // The data is a substring of the frame: if the frame fits, so does the data.
      if (frame.length > maxDataBytes && !fitsBytes(text, start, end + 1, ascii, maxDataBytes))
        return DATA_TOO_LARGE
      if (!ascii) return Buffer.from(`${prefix}${text.slice(start, end + 1)}}`)
      const out = Buffer.allocUnsafe(prefixBytes.length + end + 2 - start)
      prefixBytes.copy(out, 0)
      frame.copy(out, prefixBytes.length, start, end + 1) // ASCII: byte offsets are char offsets
      out[out.length - 1] = CLOSE_BRACE
      return out
    }
  }
  let data: string
  try {
    data = JSON.stringify(msg.data)
  } catch {
    return DATA_TOO_DEEP // V8 overflows its stack on absurd nesting
  }
  if (containerEnd(data, 0, maxDepth) === -2) return DATA_TOO_DEEP
  if (!fitsBytes(data, 0, data.length, false, maxDataBytes)) return DATA_TOO_LARGE
  return Buffer.from(`${prefix}${data}}`)
}
