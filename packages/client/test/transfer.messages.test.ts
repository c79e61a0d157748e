import { describe, expect, it } from 'vitest'
import { safeFileName, uniqueFileName } from '../src/transfer/fileName.js'
import {
  CONTROL_PART_UNITS,
  type ControlMessage,
  encodeControl,
  encodeControlFrames,
  type FileMeta,
  LIMITS,
  newTransferId,
  parseControl,
  parseFrame,
  TRANSFER_ID_PATTERN,
  transferChannelLabel,
  transferIdOfLabel,
} from '../src/transfer/messages.js'
import { assertOfferable } from '../src/transfer/offer.js'
import { eta, RateMeter } from '../src/transfer/Progress.js'

const SHA = 'a'.repeat(64)

describe('parseControl', () => {
  it('accepts every message type and returns what encodeControl produced', () => {
    const messages: ControlMessage[] = [
      {
        t: 'offer',
        v: 1,
        transferId: 'abc_-1',
        files: [{ id: '0', name: 'a.txt', size: 5, type: 'text/plain', lastModified: 1700000000000 }],
      },
      { t: 'accept', files: [{ id: '0', offset: 1024 }], declined: ['1'], completed: ['2'] },
      { t: 'decline', reason: 'no thanks' },
      { t: 'file', id: '0', offset: 0 },
      { t: 'file-end', id: '0', sha256: SHA },
      { t: 'progress', id: '0', offset: 42 },
      { t: 'file-ok', id: '0' },
      { t: 'pause' },
      { t: 'continue' },
      { t: 'cancel', reason: 'changed my mind' },
      { t: 'error', code: 'INTEGRITY', message: 'mismatch', id: '0' },
      { t: 'reclaim', transferId: 'abc_-1' },
    ]
    for (const m of messages) expect(parseControl(encodeControl(m))).toEqual({ ok: true, message: m })
  })

  it("parseControl of a repeated offer with 'sent' digests: kept for offered files; entries of unknown digests skipped; an unoffered or repeated file, or a malformed digest, rejects the offer", () => {
    const files = [
      { id: '0', name: 'a', size: 1, type: '', lastModified: 0 },
      { id: '1', name: 'b', size: 2, type: '', lastModified: 0 },
    ]
    const offer = (sent: unknown) => JSON.stringify({ t: 'offer', v: 1, transferId: 'x', files, sent })
    expect(parseControl(offer([{ id: '0', digest: 'sha256-list', sha256: SHA }]))).toEqual({
      ok: true,
      message: {
        t: 'offer',
        v: 1,
        transferId: 'x',
        files,
        sent: [{ id: '0', digest: 'sha256-list', sha256: SHA }],
      },
    })
    expect(parseControl(offer([{ id: '1', digest: 'blake3', sha256: SHA }]))).toMatchObject({
      ok: true,
      message: { sent: [] },
    })
    for (const bad of [
      [{ id: '2', digest: 'sha256', sha256: SHA }],
      [
        { id: '0', digest: 'sha256', sha256: SHA },
        { id: '0', digest: 'sha256-list', sha256: SHA },
      ],
      [{ id: '0', digest: 'sha256', sha256: 'A'.repeat(64) }],
      [{ id: '0', digest: 'sha256' }],
      'sha256',
    ]) {
      expect(parseControl(offer(bad)).ok, JSON.stringify(bad)).toBe(false)
    }
  })

  it('fills the optional fields of an offer (type, lastModified) and of an accept (declined, completed)', () => {
    const offer = parseControl(
      JSON.stringify({ t: 'offer', v: 1, transferId: 'x', files: [{ id: '0', name: 'n', size: 1 }] }),
    )
    expect(offer).toMatchObject({ ok: true, message: { files: [{ type: '', lastModified: 0 }] } })
    const accept = parseControl(JSON.stringify({ t: 'accept', files: [] }))
    expect(accept).toEqual({ ok: true, message: { t: 'accept', files: [], declined: [], completed: [] } })
  })

  it.each([
    ['not JSON', '{'],
    ['an array', '[]'],
    ['an unknown type', '{"t":"hello"}'],
    ['an offer without files', '{"t":"offer","v":1,"transferId":"x","files":[]}'],
    [
      'an offer with a bad transfer id',
      '{"t":"offer","v":1,"transferId":"../x","files":[{"id":"0","name":"a","size":1}]}',
    ],
    ['a negative size', '{"t":"offer","v":1,"transferId":"x","files":[{"id":"0","name":"a","size":-1}]}'],
    ['a fractional size', '{"t":"offer","v":1,"transferId":"x","files":[{"id":"0","name":"a","size":1.5}]}'],
    [
      'an unsafe size',
      `{"t":"offer","v":1,"transferId":"x","files":[{"id":"0","name":"a","size":${2 ** 53}}]}`,
    ],
    ['an empty name', '{"t":"offer","v":1,"transferId":"x","files":[{"id":"0","name":"","size":1}]}'],
    [
      'duplicate file ids',
      '{"t":"offer","v":1,"transferId":"x","files":[{"id":"0","name":"a","size":1},{"id":"0","name":"b","size":1}]}',
    ],
    ['a progress without offset', '{"t":"progress","id":"0"}'],
    ['an uppercase digest', `{"t":"file-end","id":"0","sha256":"${'A'.repeat(64)}"}`],
    ['a short digest', '{"t":"file-end","id":"0","sha256":"abc"}'],
    ['a long reason', `{"t":"cancel","reason":"${'x'.repeat(501)}"}`],
    ['an accept with a bad entry', '{"t":"accept","files":[{"id":"0"}]}'],
    ['a reclaim without a transfer id', '{"t":"reclaim"}'],
    ['a reclaim with a bad transfer id', '{"t":"reclaim","transferId":"../x"}'],
  ])('rejects %s with a reason', (_what, text) => {
    const result = parseControl(text)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.reason.length).toBeGreaterThan(0)
  })

  it('rejects frames larger than the limit without parsing them', () => {
    expect(parseControl(' '.repeat(5 * 1024 * 1024))).toEqual({
      ok: false,
      reason: 'control frame too large',
    })
  })
})

/** `count` offered files whose names mix ASCII, accents, CJK and astral characters (surrogate pairs). */
function offeredFiles(count: number, nameLength = 40): FileMeta[] {
  const alphabet = ['a', 'é', '日', '📄', '"', '\\', 'z']
  return Array.from({ length: count }, (_, i) => {
    let name = `${i}-`
    for (let k = 0; name.length < nameLength; k++) name += alphabet[(i + k) % alphabet.length]
    return {
      id: String(i),
      name,
      size: i * 1000,
      type: 'application/octet-stream',
      lastModified: 1_700_000_000_000 + i,
    }
  })
}

describe('encodeControlFrames / parseFrame (long control messages)', () => {
  it('a message up to CONTROL_PART_UNITS long is one frame: its JSON, as before', () => {
    const message: ControlMessage = { t: 'offer', v: 1, transferId: 't', files: offeredFiles(3) }
    expect(encodeControlFrames(message)).toEqual([encodeControl(message)])
  })

  it('an offer of 4,000 files (~470 KiB) goes as part frames of at most 64 KiB of UTF-8 each; their texts joined are the offer, even where a part ends inside a surrogate pair', () => {
    const message: ControlMessage = { t: 'offer', v: 1, transferId: 't', files: offeredFiles(4000) }
    const whole = encodeControl(message)
    expect(Buffer.byteLength(whole)).toBeGreaterThan(256 * 1024) // what Chromium and libdatachannel refuse
    const frames = encodeControlFrames(message)
    expect(frames.length).toBe(Math.ceil(whole.length / CONTROL_PART_UNITS))
    let joined = ''
    frames.forEach((frame, i) => {
      expect(Buffer.byteLength(frame)).toBeLessThanOrEqual(64 * 1024)
      const parsed = parseFrame(frame)
      expect(parsed).toMatchObject({ kind: 'part', end: i === frames.length - 1 })
      if (parsed.kind === 'part') joined += parsed.text
    })
    // the split points fall inside surrogate pairs somewhere: lone halves survive the JSON round trip
    expect(frames.some((_, i) => /[\uD800-\uDBFF]$/.test(whole.slice(0, (i + 1) * CONTROL_PART_UNITS)))).toBe(
      true,
    )
    expect(joined).toBe(whole)
    expect(parseControl(joined)).toEqual({ ok: true, message })
  })

  it('encodeControlFrames() throws INVALID_ARGUMENT for a message longer than a receiver takes', () => {
    const files = offeredFiles(5000, 1000)
    expect(() => encodeControlFrames({ t: 'offer', v: 1, transferId: 't', files })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })

  it('parseFrame() rejects malformed parts; parseControl() rejects a part as a whole message', () => {
    expect(parseFrame('{"t":"part","s":1}')).toEqual({ kind: 'invalid', reason: 'part.s must be a string' })
    expect(parseFrame('{"t":"part","s":"x","end":false}')).toEqual({
      kind: 'invalid',
      reason: 'part.end must be true when present',
    })
    expect(parseControl('{"t":"part","s":"x","end":true}')).toMatchObject({ ok: false })
    expect(parseFrame('{"t":"cancel","reason":"r"}')).toEqual({
      kind: 'control',
      message: { t: 'cancel', reason: 'r' },
    })
  })
})

describe('assertOfferable', () => {
  const source = (name: string) => ({ name, size: 1, type: '', lastModified: 0 })

  it(`accepts ${LIMITS.maxFiles} files with short names, refuses one more with INVALID_ARGUMENT`, () => {
    const files = Array.from({ length: LIMITS.maxFiles }, (_, i) => source(`file-${i}.txt`))
    expect(() => assertOfferable(files)).not.toThrow()
    expect(() => assertOfferable([...files, source('one-more.txt')])).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('too many') }),
    )
  })

  it('refuses files whose names make the offer (with the digests of a repeated offer) longer than a receiver takes', () => {
    const files = Array.from({ length: 5000 }, (_, i) => source(`${i}-${'n'.repeat(1000)}`))
    expect(() => assertOfferable(files)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('too long') }),
    )
  })

  it(`refuses a name (a path in a folder sent whole) longer than ${LIMITS.maxNameLength} characters, or empty, which a receiver would refuse`, () => {
    const deep = `${'folder/'.repeat(146)}x.txt`
    expect(deep.length).toBe(LIMITS.maxNameLength + 3)
    expect(() => assertOfferable([source('a.txt'), source(deep.slice(3))])).not.toThrow()
    expect(() => assertOfferable([source('a.txt'), source(deep)])).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining('1027 characters long'),
      }),
    )
    expect(() => assertOfferable([source('')])).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('empty name') }),
    )
  })
})

describe('transfer ids and channel labels', () => {
  it('newTransferId() gives distinct ids matching the pattern; labels round-trip', () => {
    const ids = new Set(Array.from({ length: 100 }, () => newTransferId()))
    expect(ids.size).toBe(100)
    for (const id of ids) {
      expect(id).toMatch(TRANSFER_ID_PATTERN)
      expect(transferIdOfLabel(transferChannelLabel(id))).toBe(id)
    }
    expect(transferIdOfLabel('parley:reliable')).toBeUndefined()
    expect(transferIdOfLabel('parley-file:../x')).toBeUndefined()
  })
})

describe('safeFileName', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['..\\..\\Windows\\win.ini', 'win.ini'],
    ['/abs/path/x.bin', 'x.bin'],
    ['..', 'file'],
    ['.', 'file'],
    ['', 'file'],
    ['   ', 'file'],
    ['.bashrc', 'bashrc'],
    ['name.', 'name'],
    ['a\u0000b\u001fc.txt', 'a_b_c.txt'],
    ['what?<>|*.txt', 'what_____.txt'],
    ['CON', '_CON'],
    ['lpt1.txt', '_lpt1.txt'],
    ['x.parley-part', 'x.parley-part_'],
    ['x.parley-part.json', 'x.parley-part.json_'],
  ])('safeFileName(%j) is %j', (input, expected) => {
    expect(safeFileName(input)).toBe(expected)
  })

  it('cuts names to 255 UTF-8 bytes, keeping the extension and whole characters', () => {
    const name = safeFileName(`${'é'.repeat(300)}.txt`)
    expect(new TextEncoder().encode(name).byteLength).toBeLessThanOrEqual(255)
    expect(name.endsWith('é.txt')).toBe(true)
  })

  it('uniqueFileName() numbers names that are taken, before the extension', () => {
    const taken = new Set(['a.txt', 'a (1).txt', 'noext'])
    expect(uniqueFileName('a.txt', (n) => taken.has(n))).toBe('a (2).txt')
    expect(uniqueFileName('noext', (n) => taken.has(n))).toBe('noext (1)')
    expect(uniqueFileName('free.txt', (n) => taken.has(n))).toBe('free.txt')
  })
})

describe('RateMeter', () => {
  it('rate() is bytes per second over the window; eta() divides what is left by it', () => {
    const meter = new RateMeter(2000)
    expect(meter.rate()).toBe(0)
    meter.sample(0, 0)
    meter.sample(1000, 500)
    meter.sample(4000, 2000)
    expect(meter.rate()).toBe(2000)
    meter.sample(10_000, 5000) // older samples leave the window
    expect(meter.rate()).toBe(2000)
    expect(eta(6000, 2000)).toBe(3)
    expect(eta(100, 0)).toBeUndefined()
    expect(eta(0, 0)).toBe(0)
  })
})
