import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ChunkAssembler } from '../src/ChunkAssembler.js'
import { isParleyError } from '../src/errors.js'
import { type ChunkHeader, decodeFrame, encodeMessage, PayloadKind } from '../src/Framing.js'

interface Piece {
  header: ChunkHeader
  payload: Uint8Array
}

/** Cuts a message into the chunk frames the sender would emit, decoded back into pieces. */
function pieces(message: unknown, id: number, limit: number): Piece[] {
  const out = encodeMessage(message, id, 1 << 30)
  const result: Piece[] = []
  while (!out.done) {
    const frame = decodeFrame(out.nextFrame(limit))
    if (frame.type !== 'chunk') return [] // fits in one frame: not chunked
    result.push({ header: frame.header, payload: frame.payload })
  }
  return result
}

const bytes = (n: number, seed = 1): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff)

describe('ChunkAssembler', () => {
  it('reassembles a message from chunks delivered in any order (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4000 }),
        fc.integer({ min: 40, max: 700 }),
        fc.infiniteStream(fc.nat()),
        (size, limit, randoms) => {
          const message = bytes(size)
          const list = pieces(message, 7, limit)
          // a whole message that fits in one frame is not chunked; nothing to reassemble then
          fc.pre(list.length > 1)
          const shuffled = [...list]
          const r = randoms[Symbol.iterator]()
          for (let i = shuffled.length - 1; i > 0; i--) {
            const j = (r.next().value as number) % (i + 1)
            ;[shuffled[i], shuffled[j]] = [shuffled[j] as Piece, shuffled[i] as Piece]
          }
          const a = new ChunkAssembler()
          let whole: Uint8Array | undefined
          let early = 0
          for (const [i, p] of shuffled.entries()) {
            const done = a.push(p.header, p.payload)
            if (i < shuffled.length - 1 && done) early++
            else whole = done?.bytes
          }
          expect(early).toBe(0)
          expect(whole).toEqual(message)
          expect(a.pendingMessages).toBe(0)
          expect(a.pendingBytes).toBe(0)
        },
      ),
      { numRuns: 100 },
    )
  }, 30_000)

  it('reassembles interleaved messages independently and JSON payloads decode as JSON', () => {
    const json = { text: 'é'.repeat(400), n: [1, 2, 3] }
    const a = pieces(json, 1, 100)
    const b = pieces(bytes(900), 2, 100)
    expect(a[0]?.header.kind).toBe(PayloadKind.JSON)
    const asm = new ChunkAssembler()
    const done: unknown[] = []
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      for (const p of [a[i], b[i]]) {
        if (!p) continue
        const r = asm.push(p.header, p.payload)
        if (r)
          done.push(r.kind === PayloadKind.JSON ? JSON.parse(new TextDecoder().decode(r.bytes)) : r.bytes)
      }
    }
    expect(done).toContainEqual(json)
    expect(done).toContainEqual(bytes(900))
  })

  it('ignores a duplicated chunk', () => {
    const list = pieces(bytes(300), 3, 100)
    const asm = new ChunkAssembler()
    const first = list[0] as Piece
    asm.push(first.header, first.payload)
    expect(asm.push(first.header, first.payload)).toBeUndefined()
    let result: Uint8Array | undefined
    for (const p of list.slice(1)) result = asm.push(p.header, p.payload)?.bytes
    expect(result).toEqual(bytes(300))
  })

  it('rejects a message larger than maxMessageBytes with MESSAGE_TOO_LARGE and keeps nothing', () => {
    const asm = new ChunkAssembler({ maxMessageBytes: 1000 })
    const header = { kind: PayloadKind.BINARY, messageId: 1, offset: 0, total: 1001 }
    expect(() => asm.push(header, bytes(10))).toThrow(expect.objectContaining({ code: 'MESSAGE_TOO_LARGE' }))
    expect(asm.pendingMessages).toBe(0)
  })

  it('rejects chunks outside their message or disagreeing with earlier chunks (BAD_MESSAGE)', () => {
    const asm = new ChunkAssembler()
    const bad = (h: ChunkHeader, n: number): unknown => {
      try {
        asm.push(h, bytes(n))
      } catch (e) {
        return e
      }
      return undefined
    }
    expect(isParleyError(bad({ kind: 0, messageId: 1, offset: 95, total: 100 }, 10), 'BAD_MESSAGE')).toBe(
      true,
    )
    expect(isParleyError(bad({ kind: 0, messageId: 2, offset: 0, total: 100 }, 0), 'BAD_MESSAGE')).toBe(true)
    asm.push({ kind: 0, messageId: 3, offset: 0, total: 100 }, bytes(10))
    expect(isParleyError(bad({ kind: 0, messageId: 3, offset: 10, total: 200 }, 10), 'BAD_MESSAGE')).toBe(
      true,
    )
    expect(asm.pendingMessages).toBe(0)
  })

  it('bounds the messages in progress: the oldest is dropped beyond maxPendingMessages', () => {
    const drops: [number, string][] = []
    const asm = new ChunkAssembler({ maxPendingMessages: 2 })
    asm.onDrop = (id, reason) => drops.push([id, reason])
    for (const id of [1, 2, 3]) asm.push({ kind: 0, messageId: id, offset: 0, total: 100 }, bytes(10))
    expect(asm.pendingMessages).toBe(2)
    expect(drops).toEqual([[1, 'too-many-pending']])
  })

  it('bounds reserved bytes and drops stale partial messages', () => {
    let now = 0
    const drops: [number, string][] = []
    const asm = new ChunkAssembler({
      maxMessageBytes: 1000,
      maxPendingBytes: 1500,
      staleAfterMs: 100,
      now: () => now,
    })
    asm.onDrop = (id, reason) => drops.push([id, reason])
    asm.push({ kind: 0, messageId: 1, offset: 0, total: 1000 }, bytes(10))
    asm.push({ kind: 0, messageId: 2, offset: 0, total: 1000 }, bytes(10))
    expect(drops).toEqual([[1, 'too-many-bytes']])
    now = 500
    asm.push({ kind: 0, messageId: 3, offset: 0, total: 10 }, bytes(5))
    expect(drops).toContainEqual([2, 'stale'])
    expect(asm.pendingBytes).toBe(10)
  })
})
