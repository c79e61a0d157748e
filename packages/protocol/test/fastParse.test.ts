import fc from 'fast-check'
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { fastPeerSignal, fastServerMessage, PeerSignalSchema, ServerMessageSchema } from '../src/index.js'

const jsonValue = fc.jsonValue({ maxDepth: 3 })
/** Strings whose lengths cluster around a bound of the schemas. */
const nearLength = (bound: number) =>
  fc.integer({ min: Math.max(0, bound - 2), max: bound + 2 }).map((n) => 'x'.repeat(n))
const maybe = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 12, arbitrary: valid }, jsonValue)
const peerId = fc.oneof(fc.string({ minLength: 1, maxLength: 64 }), nearLength(0), nearLength(64))
const id = fc.oneof(fc.string(), nearLength(128))
const room = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
  fc.constantFrom('', 'a b', 'é', 'x'.repeat(65)),
)
const peerInfo = fc.record(
  { peerId: maybe(peerId), name: maybe(fc.string()), extra: jsonValue },
  { requiredKeys: ['peerId', 'name'] },
)
const iceServer = fc.record(
  {
    urls: maybe(fc.oneof(fc.string(), fc.array(maybe(fc.string()), { maxLength: 3 }))),
    username: maybe(fc.string()),
    credential: maybe(fc.string()),
    extra: jsonValue,
  },
  { requiredKeys: [] },
)

/** A welcome's fields (and an unknown one), each sometimes valid, sometimes not. */
const welcomeFields = {
  peerId: maybe(peerId),
  room: maybe(room),
  peers: maybe(fc.array(maybe(peerInfo), { maxLength: 3 })),
  iceServers: maybe(fc.array(maybe(iceServer), { maxLength: 3 })),
  resume: maybe(fc.string()),
  resumed: maybe(fc.boolean()),
  restored: maybe(fc.boolean()),
  resumeGrace: maybe(fc.double({ noNaN: true, noDefaultInfinity: true })),
  protocol: maybe(fc.integer()),
  ref: maybe(id),
  extra: jsonValue,
}

/** Welcomes with their required fields, each field sometimes invalid, the optional ones sometimes missing. */
const welcomeLike = fc.record(
  { type: fc.constant('welcome'), ...welcomeFields },
  { requiredKeys: ['type', 'peerId', 'room', 'peers', 'iceServers', 'resume'] },
)

/** Objects shaped like server messages, each field sometimes valid, sometimes not, sometimes missing. */
const serverLike = fc.record(
  {
    type: fc.oneof(fc.constantFrom('welcome', 'peer-joined', 'peer-left', 'signal', 'error'), jsonValue),
    from: maybe(peerId),
    data: fc.oneof(fc.dictionary(fc.string(), jsonValue), jsonValue),
    peer: maybe(peerInfo),
    ...welcomeFields,
  },
  { requiredKeys: [] },
)

const epoch = fc.oneof(
  fc.integer({ min: -2, max: 2 ** 31 + 2 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
)
const nullableString = fc.oneof(fc.string(), fc.constant(null))
const candidateLike = fc.oneof(
  fc.constant(null),
  fc.record(
    {
      candidate: maybe(fc.string()),
      sdpMid: maybe(nullableString),
      sdpMLineIndex: maybe(fc.oneof(fc.integer(), fc.constant(null))),
      usernameFragment: maybe(nullableString),
      extra: jsonValue,
    },
    { requiredKeys: [] },
  ),
)
const descriptionLike = fc.record(
  {
    type: fc.oneof(fc.constantFrom('offer', 'answer', 'pranswer', 'rollback', 'bogus'), jsonValue),
    sdp: maybe(fc.string()),
    extra: jsonValue,
  },
  { requiredKeys: ['type'] },
)
const signalLike = fc.record(
  {
    kind: fc.oneof(
      fc.constantFrom('description', 'candidate', 'restart', 'reconnect', 'media-state', 'away', 'bye'),
      jsonValue,
    ),
    description: maybe(descriptionLike),
    candidate: maybe(candidateLike),
    epoch: maybe(epoch),
    renegotiation: maybe(fc.boolean()),
    announceChannels: maybe(fc.boolean()),
    extra: jsonValue,
  },
  { requiredKeys: [] },
)

/** Signals of one kind with that kind's field present. */
const withKind = (kind: 'description' | 'candidate') =>
  fc
    .tuple(signalLike, kind === 'candidate' ? candidateLike : descriptionLike)
    .map(([signal, value]) => ({ ...signal, kind, [kind]: value }))

/** The fast path gives the schema's output or nothing; and it does give it for valid messages of its kinds. */
function agrees(
  fast: (input: unknown) => unknown,
  schema: v.GenericSchema,
  value: unknown,
  kinds: ReadonlySet<unknown>,
  key: string,
): void {
  const parsed: unknown = JSON.parse(JSON.stringify(value))
  const expected = v.safeParse(schema, parsed)
  const got = fast(parsed)
  if (got !== undefined) {
    expect(expected.success).toBe(true)
    expect(got).toStrictEqual(expected.output)
  } else if (expected.success) {
    // only the kinds without a fast path are left to the schema
    expect(kinds.has((parsed as Record<string, unknown>)[key])).toBe(false)
  }
}

describe('fastServerMessage', () => {
  it('returns what ServerMessageSchema returns, or undefined, for JSON-parsed values', () => {
    const kinds = new Set(['welcome', 'peer-joined', 'peer-left', 'signal'])
    fc.assert(
      fc.property(fc.oneof(serverLike, welcomeLike, jsonValue), (value) =>
        agrees(fastServerMessage, ServerMessageSchema, value, kinds, 'type'),
      ),
      { numRuns: 3000 },
    )
  })

  it('drops unknown fields and copies nested ones', () => {
    const input = {
      type: 'welcome',
      peerId: 'p1',
      room: 'r',
      peers: [{ peerId: 'p2', name: 'Bob', x: 1 }],
      iceServers: [{ urls: ['stun:h'], y: 2 }],
      resume: 't',
      future: true,
    }
    const out = fastServerMessage(input)
    expect(out).toStrictEqual({
      type: 'welcome',
      peerId: 'p1',
      room: 'r',
      peers: [{ peerId: 'p2', name: 'Bob' }],
      iceServers: [{ urls: ['stun:h'] }],
      resume: 't',
    })
    expect(out?.type === 'welcome' && out.iceServers[0]?.urls).not.toBe(input.iceServers[0]?.urls)
  })

  it('leaves errors and malformed messages to the schema', () => {
    expect(fastServerMessage({ type: 'error', code: 'X', message: 'm' })).toBeUndefined()
    expect(fastServerMessage({ type: 'signal', from: 'p', data: [] })).toBeUndefined()
    expect(fastServerMessage({ type: 'peer-left', peerId: 'x'.repeat(65) })).toBeUndefined()
  })
})

describe('fastPeerSignal', () => {
  it('returns what PeerSignalSchema returns, or undefined, for JSON-parsed values', () => {
    const kinds = new Set(['description', 'candidate'])
    fc.assert(
      fc.property(fc.oneof(signalLike, withKind('description'), withKind('candidate'), jsonValue), (value) =>
        agrees(fastPeerSignal, PeerSignalSchema, value, kinds, 'kind'),
      ),
      { numRuns: 3000 },
    )
  })

  it('takes descriptions and candidates, leaves other kinds to the schema', () => {
    expect(fastPeerSignal({ kind: 'candidate', candidate: null, epoch: 1 })).toStrictEqual({
      kind: 'candidate',
      candidate: null,
      epoch: 1,
    })
    expect(
      fastPeerSignal({
        kind: 'description',
        description: { type: 'offer', sdp: 'v=0' },
        renegotiation: false,
      }),
    ).toStrictEqual({ kind: 'description', description: { type: 'offer', sdp: 'v=0' }, renegotiation: false })
    expect(
      fastPeerSignal({ kind: 'description', description: { type: 'offer' }, epoch: 1.5 }),
    ).toBeUndefined()
    expect(fastPeerSignal({ kind: 'restart' })).toBeUndefined()
  })
})
