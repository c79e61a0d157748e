import { ParleyError } from './errors.js'

/**
 * Wire format of Parley's SDK data channels (`parley:<preset>`).
 *
 * - A text frame is one whole JSON message (the common case costs nothing extra).
 * - A binary frame starts with a type byte:
 *   - 0x01 BINARY: one whole binary message; the rest of the frame is the payload.
 *   - 0x02 CHUNK: one piece of a message too large for one frame. Header (14 bytes, big endian):
 *     type u8 | kind u8 (0 binary, 1 JSON as UTF-8) | messageId u32 | offset u32 | total u32,
 *     then the bytes [offset, offset + n) of the message. Pieces may arrive out of order on
 *     unordered channels; the receiver reassembles by offset (see ChunkAssembler).
 *   - 0x03 CONTROL: an SDK control message (UTF-8 JSON), e.g. `{"type":"bye"}`.
 */
export const FrameType = { BINARY: 0x01, CHUNK: 0x02, CONTROL: 0x03 } as const
export const PayloadKind = { BINARY: 0, JSON: 1 } as const
export type PayloadKind = (typeof PayloadKind)[keyof typeof PayloadKind]

export const CHUNK_HEADER_BYTES = 14
/** Used when the transport does not tell its max-message-size. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024
/** Frames are never larger than this even if the peer accepts more (keeps sends short). */
export const MAX_FRAME_BYTES = 256 * 1024

export interface ChunkHeader {
  readonly kind: PayloadKind
  readonly messageId: number
  readonly offset: number
  readonly total: number
}

export type Frame =
  | { readonly type: 'json'; readonly value: unknown }
  | { readonly type: 'binary'; readonly bytes: Uint8Array }
  | { readonly type: 'chunk'; readonly header: ChunkHeader; readonly payload: Uint8Array }
  | { readonly type: 'control'; readonly value: unknown }

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** Frame size to use for a transport whose SCTP max-message-size is `maxMessageSize`. */
export function frameLimit(maxMessageSize: number | null | undefined): number {
  if (!maxMessageSize || !Number.isFinite(maxMessageSize) || maxMessageSize <= CHUNK_HEADER_BYTES) {
    return DEFAULT_MAX_FRAME_BYTES
  }
  return Math.min(maxMessageSize, MAX_FRAME_BYTES)
}

function badFrame(message: string, cause?: unknown): ParleyError {
  return new ParleyError('BAD_MESSAGE', message, cause === undefined ? undefined : { cause })
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch (cause) {
    throw badFrame('data channel message is not valid JSON', cause)
  }
}

/** Decodes one received frame. Throws ParleyError BAD_MESSAGE for anything malformed. */
export function decodeFrame(data: unknown): Frame {
  if (typeof data === 'string') return { type: 'json', value: parseJson(data) }
  let bytes: Uint8Array
  if (data instanceof ArrayBuffer) bytes = new Uint8Array(data)
  else if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  else throw badFrame('unsupported data channel message type')
  const type = bytes[0]
  switch (type) {
    case FrameType.BINARY:
      return { type: 'binary', bytes: bytes.subarray(1) }
    case FrameType.CHUNK: {
      if (bytes.byteLength < CHUNK_HEADER_BYTES) throw badFrame('truncated chunk header')
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      const kind = view.getUint8(1)
      if (kind !== PayloadKind.BINARY && kind !== PayloadKind.JSON)
        throw badFrame(`unknown payload kind ${kind}`)
      const header: ChunkHeader = {
        kind,
        messageId: view.getUint32(2),
        offset: view.getUint32(6),
        total: view.getUint32(10),
      }
      return { type: 'chunk', header, payload: bytes.subarray(CHUNK_HEADER_BYTES) }
    }
    case FrameType.CONTROL: {
      let text: string
      try {
        text = decoder.decode(bytes.subarray(1))
      } catch (cause) {
        throw badFrame('control frame is not UTF-8', cause)
      }
      return { type: 'control', value: parseJson(text) }
    }
    default:
      throw badFrame(`unknown frame type ${String(type)}`)
  }
}

/** Decodes the bytes of a reassembled message of `kind`. */
export function decodePayload(kind: PayloadKind, bytes: Uint8Array): unknown {
  if (kind === PayloadKind.BINARY) return bytes
  let text: string
  try {
    text = decoder.decode(bytes)
  } catch (cause) {
    throw badFrame('JSON message is not UTF-8', cause)
  }
  return parseJson(text)
}

export function encodeControl(value: unknown): Uint8Array<ArrayBuffer> {
  const text = encoder.encode(JSON.stringify(value))
  const frame = new Uint8Array(text.byteLength + 1)
  frame[0] = FrameType.CONTROL
  frame.set(text, 1)
  return frame
}

/** What applications may send: a JSON value, or bytes. */
export type MessagePayload = unknown

function asBytes(message: unknown): Uint8Array | undefined {
  if (message instanceof Uint8Array) return message
  if (message instanceof ArrayBuffer) return new Uint8Array(message)
  if (ArrayBuffer.isView(message))
    return new Uint8Array(message.buffer, message.byteOffset, message.byteLength)
  return undefined
}

/**
 * One message on its way out, cut into frames no larger than the limit given at each step (the
 * limit can change if the message is resent over a new connection). Create with `encodeMessage`.
 */
export class OutgoingMessage {
  readonly kind: PayloadKind
  readonly messageId: number
  /** Size of the encoded message (UTF-8 bytes for JSON). */
  readonly byteLength: number
  readonly #text: string | undefined
  #bytes: Uint8Array | undefined
  #offset = 0
  #started = false

  constructor(kind: PayloadKind, messageId: number, bytes: Uint8Array | undefined, text: string | undefined) {
    this.kind = kind
    this.messageId = messageId >>> 0
    this.#bytes = bytes
    this.#text = text
    this.byteLength = bytes ? bytes.byteLength : encoder.encode(text ?? '').byteLength
  }

  get done(): boolean {
    return this.#started && this.#offset >= this.byteLength
  }

  /** True once a first frame went out (a restarted message must be resent from the beginning). */
  get started(): boolean {
    return this.#started
  }

  /** Starts over from the first frame (the previous transport died mid-message). */
  rewind(): void {
    this.#offset = 0
    this.#started = false
  }

  #utf8(): Uint8Array {
    this.#bytes ??= encoder.encode(this.#text ?? '')
    return this.#bytes
  }

  /** The next frame to send, at most `limit` bytes long. */
  nextFrame(limit: number): string | Uint8Array<ArrayBuffer> {
    const first = !this.#started
    this.#started = true
    if (first) {
      if (this.kind === PayloadKind.JSON && this.#text !== undefined) {
        // A string of n UTF-16 units is at most 3n UTF-8 bytes: short strings skip the measuring.
        if (this.#text.length * 3 <= limit || this.byteLength <= limit) {
          this.#offset = this.byteLength
          return this.#text
        }
      } else if (this.kind === PayloadKind.BINARY && this.byteLength + 1 <= limit) {
        const frame = new Uint8Array(this.byteLength + 1)
        frame[0] = FrameType.BINARY
        frame.set(this.#utf8(), 1)
        this.#offset = this.byteLength
        return frame
      }
    }
    const bytes = this.#utf8()
    const room = limit - CHUNK_HEADER_BYTES
    const n = Math.min(room, this.byteLength - this.#offset)
    const frame = new Uint8Array(CHUNK_HEADER_BYTES + n)
    const view = new DataView(frame.buffer)
    view.setUint8(0, FrameType.CHUNK)
    view.setUint8(1, this.kind)
    view.setUint32(2, this.messageId)
    view.setUint32(6, this.#offset)
    view.setUint32(10, this.byteLength)
    frame.set(bytes.subarray(this.#offset, this.#offset + n), CHUNK_HEADER_BYTES)
    this.#offset += n
    return frame
  }
}

/**
 * Prepares `message` for sending: bytes (Uint8Array, ArrayBuffer, any ArrayBufferView) are sent as
 * binary, anything else as JSON. Throws INVALID_ARGUMENT for values JSON cannot represent and
 * MESSAGE_TOO_LARGE above `maxMessageBytes`.
 */
export function encodeMessage(message: unknown, messageId: number, maxMessageBytes: number): OutgoingMessage {
  const bytes = asBytes(message)
  let out: OutgoingMessage
  if (bytes) {
    out = new OutgoingMessage(PayloadKind.BINARY, messageId, bytes, undefined)
  } else {
    let text: string | undefined
    try {
      text = JSON.stringify(message)
    } catch (cause) {
      throw new ParleyError('INVALID_ARGUMENT', 'message cannot be serialized as JSON', { cause })
    }
    if (text === undefined) throw new ParleyError('INVALID_ARGUMENT', 'message is not a JSON value')
    out = new OutgoingMessage(PayloadKind.JSON, messageId, undefined, text)
  }
  if (out.byteLength > maxMessageBytes || out.byteLength > 0xffff_ffff) {
    throw new ParleyError(
      'MESSAGE_TOO_LARGE',
      `message of ${out.byteLength} bytes exceeds the limit of ${maxMessageBytes} bytes`,
    )
  }
  return out
}
