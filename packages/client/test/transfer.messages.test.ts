import { describe, expect, it } from 'vitest'
import { safeFileName, uniqueFileName } from '../src/transfer/fileName.js'
import {
  type ControlMessage,
  encodeControl,
  newTransferId,
  parseControl,
  TRANSFER_ID_PATTERN,
  transferChannelLabel,
  transferIdOfLabel,
} from '../src/transfer/messages.js'
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
