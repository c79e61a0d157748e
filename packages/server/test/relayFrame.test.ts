import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildRelayFrame, containerEnd, DATA_TOO_DEEP, DATA_TOO_LARGE } from '../src/relayFrame.js'

const PREFIX = '{"type":"signal","from":"sender","data":'
const msgOf = (text: string) =>
  JSON.parse(text) as { type: 'signal'; to: string; data: Record<string, unknown>; id?: string }
/** The relayed message as text, or the refusal. */
const relay = (text: string, max = 1 << 20, depth = 64): string | number => {
  const out = buildRelayFrame(Buffer.from(text), text, msgOf(text), PREFIX, Buffer.from(PREFIX), max, depth)
  return typeof out === 'number' ? out : out.toString()
}

describe('buildRelayFrame', () => {
  it('relays exactly the parsed data, stamped with from, whatever the frame layout', () => {
    const layouts = [
      (to: string, data: string, id?: string) =>
        `{"type":"signal",${id === undefined ? '' : `"id":${JSON.stringify(id)},`}"to":${JSON.stringify(to)},"data":${data}}`,
      (to: string, data: string, id?: string) =>
        `{"data":${data},"to":${JSON.stringify(to)},"type":"signal"${id === undefined ? '' : `,"id":${JSON.stringify(id)}`}}`,
      (to: string, data: string) => `{ "type": "signal", "to": ${JSON.stringify(to)}, "data": ${data} }`,
      (to: string, data: string) =>
        `{"type":"signal","to":${JSON.stringify(to)},"data":{"x":1},"data":${data}}`,
    ]
    fc.assert(
      fc.property(
        fc.constantFrom(...layouts),
        fc.string({ minLength: 1, maxLength: 64 }),
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 5 })),
        fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
        fc.boolean(),
        (layout, to, data, id, pretty) => {
          const text = layout(to, JSON.stringify(data, null, pretty ? 1 : undefined), id)
          const out = relay(text)
          expect(typeof out).toBe('string')
          const frame = JSON.parse(String(out)) as unknown
          expect(frame).toEqual({ type: 'signal', from: 'sender', data: JSON.parse(JSON.stringify(data)) })
          expect(Object.keys(frame as object)).toEqual(['type', 'from', 'data'])
        },
      ),
      { numRuns: 500 },
    )
  })

  it('reuses the raw data text of canonical frames (no re-serialization)', () => {
    const text = '{"type":"signal","id":"i","to":"p","data":{"n":1e2,"s":"\\u0041"}}'
    expect(relay(text)).toBe(`${PREFIX}{"n":1e2,"s":"\\u0041"}}`)
  })

  it('refuses data deeper than the limit on both paths', () => {
    const deep = (d: number) => `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`
    expect(relay(`{"type":"signal","to":"p","data":${deep(5)}}`, 1 << 20, 4)).toBe(DATA_TOO_DEEP)
    expect(relay(`{"to":"p","type":"signal","data":${deep(5)}}`, 1 << 20, 4)).toBe(DATA_TOO_DEEP)
    expect(typeof relay(`{"type":"signal","to":"p","data":${deep(4)}}`, 1 << 20, 4)).toBe('string')
    expect(relay(`{"to":"p","type":"signal","data":${deep(20_000)}}`)).toBe(DATA_TOO_DEEP)
  })

  it('measures the serialized data in UTF-8 bytes on both paths', () => {
    const data = JSON.stringify({ s: 'é'.repeat(10) }) // 8 + 20 bytes
    expect(relay(`{"type":"signal","to":"p","data":${data}}`, 28)).toMatch(/^\{/)
    expect(relay(`{"type":"signal","to":"p","data":${data}}`, 27)).toBe(DATA_TOO_LARGE)
    expect(relay(`{"to":"p","type":"signal","data":${data}}`, 27)).toBe(DATA_TOO_LARGE)
    // re-serialization can grow the data (1e20 → 100000000000000000000): measured after it
    expect(relay('{"to":"p","type":"signal","data":{"n":1e20}}', 15)).toBe(DATA_TOO_LARGE)
  })
})

describe('containerEnd', () => {
  it('finds the matching bracket across strings with escaped quotes and brackets', () => {
    const text = '{"a":"}\\"]","b":[{"c":"\\\\"}]} tail'
    expect(containerEnd(text, 0, 64)).toBe(text.indexOf(' tail') - 1)
  })
})
