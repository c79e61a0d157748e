import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isParleyError } from '../src/errors.js'
import {
  CHUNK_HEADER_BYTES,
  decodeFrame,
  encodeControl,
  encodeMessage,
  FrameType,
  frameLimit,
} from '../src/Framing.js'

describe('Framing', () => {
  it('sends a small JSON message as one text frame and decodes it back', () => {
    const m = encodeMessage({ kind: 'chat', text: 'hi' }, 1, 1000)
    const frame = m.nextFrame(1000)
    expect(typeof frame).toBe('string')
    expect(m.done).toBe(true)
    expect(decodeFrame(frame)).toEqual({ type: 'json', value: { kind: 'chat', text: 'hi' } })
  })

  it('sends small bytes as one binary frame with a type byte, any ArrayBufferView accepted', () => {
    const payload = new Uint16Array([1, 2, 3])
    const m = encodeMessage(payload, 1, 1000)
    const frame = m.nextFrame(1000) as Uint8Array
    expect(frame[0]).toBe(FrameType.BINARY)
    const decoded = decodeFrame(frame.buffer)
    expect(decoded.type).toBe('binary')
    if (decoded.type === 'binary')
      expect(Array.from(decoded.bytes)).toEqual(Array.from(new Uint8Array(payload.buffer)))
  })

  it('never produces a frame larger than the limit (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 3000 }),
          fc.jsonValue(),
          fc.string({ unit: 'grapheme', maxLength: 600 }),
        ),
        fc.integer({ min: CHUNK_HEADER_BYTES + 1, max: 500 }),
        (message, limit) => {
          const m = encodeMessage(message, 9, 1 << 20)
          let frames = 0
          while (!m.done) {
            const f = m.nextFrame(limit)
            const size = typeof f === 'string' ? new TextEncoder().encode(f).byteLength : f.byteLength
            expect(size).toBeLessThanOrEqual(limit)
            frames++
          }
          expect(frames).toBeGreaterThan(0)
        },
      ),
    )
  })

  it('rejects values JSON cannot carry with INVALID_ARGUMENT and too large messages with MESSAGE_TOO_LARGE', () => {
    expect(() => encodeMessage(undefined, 1, 100)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
    expect(() => encodeMessage(10n, 1, 100)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => encodeMessage(new Uint8Array(101), 1, 100)).toThrow(
      expect.objectContaining({ code: 'MESSAGE_TOO_LARGE' }),
    )
  })

  it('decodes control frames and rejects malformed frames with BAD_MESSAGE', () => {
    expect(decodeFrame(encodeControl({ type: 'bye' }))).toEqual({ type: 'control', value: { type: 'bye' } })
    for (const bad of [
      '{',
      new Uint8Array([0x09, 1]),
      new Uint8Array([FrameType.CHUNK, 0, 0]),
      new Uint8Array([]),
      42,
    ]) {
      let error: unknown
      try {
        decodeFrame(bad)
      } catch (e) {
        error = e
      }
      expect(isParleyError(error, 'BAD_MESSAGE')).toBe(true)
    }
  })

  it('frameLimit uses the SCTP max-message-size, falls back to 64 KiB and caps at 256 KiB', () => {
    expect(frameLimit(undefined)).toBe(65536)
    expect(frameLimit(null)).toBe(65536)
    expect(frameLimit(0)).toBe(65536)
    expect(frameLimit(Number.POSITIVE_INFINITY)).toBe(65536)
    expect(frameLimit(16384)).toBe(16384)
    expect(frameLimit(1 << 30)).toBe(262144)
  })
})
