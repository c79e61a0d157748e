import { CloseCode, decodeClientFrame, ERROR_CODES, ErrorCode } from '@parley/protocol'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { RawClient } from './support/rawClient.js'
import { connect, health, joined, testServer } from './support/server.js'

const LIMITS = { maxSignalDataBytes: 2048, maxMessageBytes: 4096, maxFrameBytes: 8192 }

/** What a hostile client sends, and what the server must answer. */
type Attack =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'binary'; readonly bytes: Uint8Array }
  | { readonly kind: 'bad-utf8'; readonly bytes: Uint8Array }

const validish = (to: fc.Arbitrary<string>) =>
  fc.oneof(
    fc.record(
      { type: fc.constant('join'), room: fc.string({ maxLength: 70 }), name: fc.string() },
      { requiredKeys: ['type'] },
    ),
    fc.record(
      { type: fc.constant('signal'), to, data: fc.jsonValue({ maxDepth: 4 }), id: fc.string() },
      { requiredKeys: ['type'] },
    ),
    fc.record({ type: fc.constant('leave'), id: fc.jsonValue() }, { requiredKeys: ['type'] }),
    fc.jsonValue({ maxDepth: 3 }),
  )

function attacks(victim: string): fc.Arbitrary<Attack> {
  const text = (a: fc.Arbitrary<string>) => a.map((t): Attack => ({ kind: 'text', text: t }))
  return fc.oneof(
    // malformed JSON: random text, truncated or corrupted valid frames
    text(fc.string({ unit: 'binary', maxLength: 200 })),
    text(
      fc
        .tuple(
          validish(fc.constant(victim)).map((v) => JSON.stringify(v) ?? 'null'),
          fc.nat(),
          fc.string({ maxLength: 3 }),
        )
        .map(([t, cut, junk]) => t.slice(0, cut % (t.length + 1)) + junk),
    ),
    // valid JSON of the wrong shape, or valid messages with random fields
    text(validish(fc.oneof(fc.constant(victim), fc.string())).map((v) => JSON.stringify(v) ?? 'null')),
    // deeply nested, as a whole frame or as signal data
    text(fc.integer({ min: 1, max: 3000 }).map((d) => '['.repeat(d) + ']'.repeat(d))),
    text(
      fc
        .integer({ min: 60, max: 800 })
        .map((d) => `{"type":"signal","to":"${victim}","data":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}`),
    ),
    // oversized: over the signal limit, over the message limit, over the frame limit
    text(
      fc
        .integer({ min: LIMITS.maxSignalDataBytes, max: LIMITS.maxFrameBytes * 2 })
        .map((n) => `{"type":"signal","to":"${victim}","data":{"s":"${'x'.repeat(n)}"}}`),
    ),
    fc.uint8Array({ maxLength: 300 }).map((bytes): Attack => ({ kind: 'binary', bytes })),
    fc
      .tuple(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 100 }))
      .map(([a, b]): Attack => ({ kind: 'bad-utf8', bytes: Uint8Array.from([...a, 0xff, ...b]) })),
  )
}

describe('fuzzing the signaling endpoint', () => {
  it('hostile frames get error codes or a protocol close; a well-behaved pair in the same room is undisturbed', async () => {
    const server = await testServer({ ...LIMITS, rateLimit: 1e6, rateBurst: 1e6 })
    const a = await joined(server, 'fuzz')
    const b = await joined(server, 'fuzz')
    let attacker: RawClient | undefined
    let seq = 0

    await fc.assert(
      fc.asyncProperty(attacks(b.welcome.peerId), async (attack) => {
        if (attacker === undefined) {
          attacker = await connect(server)
          attacker.send({ type: 'join', room: 'fuzz' })
          await attacker.nextOf('welcome')
        }
        const self = attacker
        const n = ++seq
        if (attack.kind === 'text') self.send(attack.text)
        else self.send(Buffer.from(attack.bytes), { binary: attack.kind === 'binary' })
        // a sentinel the server always answers, with a ref: everything before it answers the attack
        self.send({ type: 'signal', to: 'nobody', data: {}, id: `sentinel-${n}` })
        const outcome = await Promise.race([
          self.next((m) => m.type === 'error' && m.ref === `sentinel-${n}`).then(() => 'answered' as const),
          self.closed.then((c) => c.code),
        ])
        const errors = self.inbox.splice(0).filter((m) => m.type === 'error')
        for (const e of errors) expect(ERROR_CODES).toContain(e.code)

        const bytes = attack.kind === 'text' ? Buffer.byteLength(attack.text) : attack.bytes.length
        if (attack.kind === 'bad-utf8') {
          expect(outcome).toBe(1007)
        } else if (bytes > LIMITS.maxFrameBytes) {
          expect(outcome).toBe(CloseCode.MESSAGE_TOO_BIG)
        } else {
          expect(outcome).toBe('answered')
          if (attack.kind === 'binary') expect(errors.map((e) => e.code)).toEqual([ErrorCode.BAD_MESSAGE])
          else if (bytes > LIMITS.maxMessageBytes)
            expect(errors.map((e) => e.code)).toEqual([ErrorCode.TOO_LARGE])
          else if (!decodeClientFrame(attack.text).ok)
            expect(errors.map((e) => e.code)).toEqual([ErrorCode.BAD_MESSAGE])
        }
        if (outcome !== 'answered') attacker = undefined

        // the well-behaved pair: one round trip, in order, nothing else addressed to them by a or b
        a.client.send({ type: 'signal', to: b.welcome.peerId, data: { ping: n } })
        expect(await b.client.next((m) => m.type === 'signal' && m.from === a.welcome.peerId)).toMatchObject({
          data: { ping: n },
        })
        b.client.send({ type: 'signal', to: a.welcome.peerId, data: { pong: n } })
        expect(await a.client.next((m) => m.type === 'signal' && m.from === b.welcome.peerId)).toMatchObject({
          data: { pong: n },
        })
      }),
      { numRuns: 250 },
    )

    expect(a.client.received.filter((m) => m.type === 'error')).toEqual([])
    expect(b.client.received.filter((m) => m.type === 'error')).toEqual([])
    expect(await health(server)).toMatchObject({ status: 'ok' })
  })
})
