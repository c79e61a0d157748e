import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { loadHasherFactory, tsHasherFactory } from '../src/transfer/hash.js'
import { bytesToHex, hexToBytes, Sha256 } from '../src/transfer/Sha256.js'

const utf8 = (s: string) => new TextEncoder().encode(s)
const hex = (data: Uint8Array) => bytesToHex(new Sha256().update(data).digest())
const nodeHex = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')

describe('Sha256', () => {
  it('digest() matches the FIPS 180-4 / NIST test vectors', () => {
    expect(hex(utf8(''))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(hex(utf8('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(hex(utf8('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    )
    const million = new Uint8Array(1_000_000).fill(0x61)
    expect(hex(million)).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0')
  })

  it('update() in arbitrary slices gives the same digest as Node crypto over the whole input', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 1000 }),
        fc.array(fc.nat({ max: 1000 }), { maxLength: 8 }),
        (data, cuts) => {
          const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b)
          const sha = new Sha256()
          let from = 0
          for (const p of [...points, data.length]) {
            sha.update(data.subarray(from, p))
            from = p
          }
          expect(bytesToHex(sha.digest())).toBe(nodeHex(data))
        },
      ),
    )
  })

  it('exportState() then new Sha256(state) continues the same hash (resumable across a reload)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(), (data, cut) => {
        const at = cut % (data.length + 1)
        const first = new Sha256().update(data.subarray(0, at))
        const state = JSON.parse(JSON.stringify(first.exportState()))
        const resumed = new Sha256(state).update(data.subarray(at))
        expect(bytesToHex(resumed.digest())).toBe(nodeHex(data))
      }),
    )
  })

  it('new Sha256(state) rejects a state whose pending bytes do not match its length', () => {
    const state = new Sha256().update(new Uint8Array(70)).exportState()
    expect(() => new Sha256({ ...state, length: 71 })).toThrow(RangeError)
    expect(() => new Sha256({ ...state, h: [1, 2, 3] })).toThrow(RangeError)
    expect(() => new Sha256({ ...state, pending: 'zz' })).toThrow(RangeError)
  })

  it('digest() hashes inputs crossing 2^32 bits of length correctly (length encoding high word)', () => {
    // 2^29 bytes = 2^32 bits: hash the same 512 MiB of zeros in 8 MiB slices.
    const slice = new Uint8Array(8 * 1024 * 1024)
    const sha = new Sha256()
    const ref = createHash('sha256')
    for (let i = 0; i < 64; i++) {
      sha.update(slice)
      ref.update(slice)
    }
    sha.update(utf8('x'))
    ref.update(utf8('x'))
    expect(bytesToHex(sha.digest())).toBe(ref.digest('hex'))
  }, 60_000)

  it('hexToBytes() rejects odd lengths and non-hex characters', () => {
    expect(() => hexToBytes('abc')).toThrow(RangeError)
    expect(() => hexToBytes('zz')).toThrow(RangeError)
    expect(hexToBytes('00ff')).toEqual(new Uint8Array([0, 255]))
  })
})

describe('hashers', () => {
  it('loadHasherFactory() in Node gives native hashers whose clone() forks the running state', async () => {
    for (const factory of [await loadHasherFactory(), tsHasherFactory]) {
      const h = factory()
      h.update(utf8('ab'))
      const fork = h.clone()
      h.update(utf8('c'))
      fork.update(utf8('x'))
      expect(h.digestHex()).toBe(nodeHex(utf8('abc')))
      expect(fork.digestHex()).toBe(nodeHex(utf8('abx')))
    }
  })
})
