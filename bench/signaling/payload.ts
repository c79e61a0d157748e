/**
 * The signal `data` of the benchmark: an SDP-offer-like JSON object whose serialized size is exactly the
 * requested number of bytes, carrying its send time (microseconds, fixed width) in its first field so
 * that a receiver can read the time without parsing the frame.
 */

/** The marker that precedes the send time in every relayed frame. */
export const STAMP_MARK = '"bt":"'
/** Digits of the send time: microseconds since the load generator started, zero-padded. */
export const STAMP_DIGITS = 12

const SDP_HEAD = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'a=extmap-allow-mixed',
  'a=msid-semantic: WMS',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:Zx3d',
  'a=ice-pwd:p5Kq0Hh6dYv9pTzF1bWmAqXo',
  'a=ice-options:trickle',
  'a=fingerprint:sha-256 3B:8E:21:0C:7F:55:9A:D4:6E:12:B0:4C:AF:93:1D:E8:27:64:5B:C0:0A:F1:9D:3E:72:86:4A:B5:E9:10:C7:2D',
  'a=setup:actpass',
  'a=mid:0',
  'a=sctp-port:5000',
  'a=max-message-size:262144',
]

function candidateLine(index: number): string {
  const port = 50_000 + index
  return `a=candidate:${1_000_000 + index} 1 udp 2122260223 192.168.1.${index % 250} ${port} typ host generation 0`
}

/** The data object's JSON, split around its send time: `head + stamp + tail`. */
export interface PayloadTemplate {
  readonly head: string
  readonly tail: string
  /** Serialized size of the data object, in bytes (equals the requested size). */
  readonly bytes: number
}

export function payloadTemplate(bytes: number): PayloadTemplate {
  const stamp = '0'.repeat(STAMP_DIGITS)
  const serialize = (sdp: string) =>
    JSON.stringify({ bt: stamp, kind: 'description', description: { type: 'offer', sdp } })
  const minimum = Buffer.byteLength(serialize(''))
  if (!Number.isInteger(bytes) || bytes < minimum) {
    throw new RangeError(`payload must be an integer number of bytes ≥ ${minimum}`)
  }
  const lines = [...SDP_HEAD]
  while (Buffer.byteLength(serialize(`${lines.join('\r\n')}\r\n`)) < bytes)
    lines.push(candidateLine(lines.length))
  let sdp = `${lines.join('\r\n')}\r\n`
  // Shorten to the longest prefix that fits (an escaped \r or \n counts two bytes), then pad exactly.
  while (Buffer.byteLength(serialize(sdp)) > bytes) sdp = sdp.slice(0, -1)
  sdp += 'x'.repeat(bytes - Buffer.byteLength(serialize(sdp)))
  const json = serialize(sdp)
  const at = json.indexOf(STAMP_MARK) + STAMP_MARK.length
  return { head: json.slice(0, at), tail: json.slice(at + STAMP_DIGITS), bytes: Buffer.byteLength(json) }
}

/** Now, in whole microseconds since this process started. */
export function nowMicros(): number {
  return Math.round(performance.now() * 1000)
}

export function stampOf(micros: number): string {
  return String(micros).padStart(STAMP_DIGITS, '0')
}
