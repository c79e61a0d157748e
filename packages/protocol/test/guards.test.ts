import fc from 'fast-check'
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { isSignalMessage, SignalMessageSchema } from '../src/index.js'

const jsonValue = fc.jsonValue({ maxDepth: 3 })
/** Strings whose lengths cluster around the schema's bounds. */
const nearLength = (bound: number) =>
  fc.integer({ min: Math.max(0, bound - 2), max: bound + 2 }).map((n) => 'x'.repeat(n))

/** Objects shaped like signals, with each field sometimes valid, sometimes not. */
const signalLike = fc.record(
  {
    type: fc.oneof(fc.constant('signal'), fc.constant('join'), jsonValue),
    id: fc.oneof(fc.string(), nearLength(128), jsonValue),
    to: fc.oneof(fc.string(), nearLength(0), nearLength(64), jsonValue),
    data: fc.oneof(fc.dictionary(fc.string(), jsonValue), jsonValue),
    extra: jsonValue,
  },
  { requiredKeys: [] },
)

describe('isSignalMessage', () => {
  it('accepts exactly what SignalMessageSchema accepts, for JSON-parsed values', () => {
    fc.assert(
      fc.property(fc.oneof(signalLike, jsonValue), (value) => {
        const parsed: unknown = JSON.parse(JSON.stringify(value))
        expect(isSignalMessage(parsed)).toBe(v.safeParse(SignalMessageSchema, parsed).success)
      }),
      { numRuns: 1000 },
    )
  })

  it('accepts a minimal signal and rejects array data, empty to and a long id', () => {
    expect(isSignalMessage({ type: 'signal', to: 'p', data: {} })).toBe(true)
    expect(isSignalMessage({ type: 'signal', to: 'p', data: [] })).toBe(false)
    expect(isSignalMessage({ type: 'signal', to: '', data: {} })).toBe(false)
    expect(isSignalMessage({ type: 'signal', to: 'p', data: {}, id: 'x'.repeat(129) })).toBe(false)
  })
})
