import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { OneShotHashList } from '../src/transfer/HashList.js'
import {
  chooseDigest,
  LIST_SEGMENT_BYTES,
  loadHashers,
  tsHashers,
  webCryptoHashers,
} from '../src/transfer/hash.js'
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
  it('loadHashers() in Node gives native sha256 hashers whose clone() forks the running state', async () => {
    for (const hashers of [await loadHashers(), tsHashers]) {
      const h = hashers.create('sha256')
      h.update(utf8('ab'))
      const fork = h.clone()
      h.update(utf8('c'))
      fork.update(utf8('x'))
      expect(await h.digestHex()).toBe(nodeHex(utf8('abc')))
      expect(await fork.digestHex()).toBe(nodeHex(utf8('abx')))
    }
  })

  it('loadHashers() in Node lists sha256 first (native and streaming), both digests known', async () => {
    expect((await loadHashers()).algorithms).toEqual(['sha256', 'sha256-list'])
    expect(webCryptoHashers(globalThis.crypto.subtle).algorithms).toEqual(['sha256-list', 'sha256'])
  })
})

/** sha256-list computed the obvious way: SHA-256 over the SHA-256s of the 1 MiB segments. */
function listHex(data: Uint8Array): string {
  const outer = createHash('sha256')
  for (let at = 0; at < data.byteLength; at += LIST_SEGMENT_BYTES) {
    outer.update(
      createHash('sha256')
        .update(data.subarray(at, at + LIST_SEGMENT_BYTES))
        .digest(),
    )
  }
  return outer.digest('hex')
}

const MiB = LIST_SEGMENT_BYTES
const cat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts))

describe('sha256-list', () => {
  const implementations = async () => [
    ['node', await loadHashers()] as const,
    ['typescript', tsHashers] as const,
    ['webcrypto', webCryptoHashers(globalThis.crypto.subtle)] as const,
  ]

  it('digestHex() of every implementation equals SHA-256 of the segment SHA-256s, at segment edges', async () => {
    const sizes = [0, 1, MiB - 1, MiB, MiB + 1, 2 * MiB, 3 * MiB + 12_345]
    const data = new Uint8Array(3 * MiB + 12_345)
    for (let i = 0; i < data.length; i++) data[i] = (i * 131 + (i >> 9)) & 0xff
    for (const [name, hashers] of await implementations()) {
      for (const size of sizes) {
        const h = hashers.create('sha256-list')
        h.update(data.subarray(0, size))
        expect(await h.digestHex(), `${name} ${size}`).toBe(listHex(data.subarray(0, size)))
      }
    }
    // an empty file has no segment: the digest of an empty list
    expect(listHex(new Uint8Array(0))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    )
  })

  it('digestHex() does not depend on how the bytes are split into updates (property)', async () => {
    const impls = await implementations()
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 3 * MiB }),
        fc.array(fc.integer({ min: 1, max: MiB + 7 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: impls.length - 1 }),
        async (size, cuts, which) => {
          const data = new Uint8Array(size)
          for (let i = 0; i < size; i += 4093) data[i] = (i / 4093) & 0xff
          const h = impls[which]![1].create('sha256-list')
          let at = 0
          for (let k = 0; at < size; k++) {
            const n = cuts[k % cuts.length]!
            h.update(data.subarray(at, at + n))
            at += n
          }
          expect(await h.digestHex()).toBe(listHex(data))
        },
      ),
      { numRuns: 25 },
    )
  })

  it('clone() forks the running state mid-segment and across segments; the original goes on', async () => {
    const a = new Uint8Array(MiB + 100).fill(1)
    const b = new Uint8Array(MiB).fill(2)
    const c = new Uint8Array(10).fill(3)
    for (const [name, hashers] of await implementations()) {
      const h = hashers.create('sha256-list')
      h.update(a)
      const fork = h.clone()
      const fork2 = h.clone()
      h.update(b)
      fork.update(c)
      expect(await h.digestHex(), name).toBe(listHex(cat(a, b)))
      expect(await fork.digestHex(), name).toBe(listHex(cat(a, c)))
      // a digest of one copy leaves the others usable
      fork2.update(b)
      fork2.update(c)
      expect(await fork2.digestHex(), name).toBe(listHex(cat(a, b, c)))
    }
  })

  it('update() copies: a chunk transferred or overwritten after update() does not change the digest', async () => {
    for (const [name, hashers] of await implementations()) {
      const h = hashers.create('sha256-list')
      const half = new Uint8Array(MiB / 2).fill(7)
      h.update(half)
      // what a sink that transfers the buffer to a worker does
      structuredClone(half.buffer, { transfer: [half.buffer] })
      expect(half.byteLength).toBe(0)
      const rest = new Uint8Array(MiB).fill(7)
      h.update(rest)
      rest.fill(0)
      expect(await h.digestHex(), name).toBe(listHex(new Uint8Array(MiB + MiB / 2).fill(7)))
    }
  })

  it('OneShotHashList hands each segment buffer over: a digest that reads it only later still sees that segment', async () => {
    // what a worker's digest does: it takes the buffer now and hashes it later
    const later: (() => void)[] = []
    const deferred = (data: Uint8Array<ArrayBuffer>) =>
      new Promise<ArrayBuffer>((resolve, reject) => {
        later.push(() => globalThis.crypto.subtle.digest('SHA-256', data).then(resolve, reject))
      })
    const h = new OneShotHashList(deferred)
    const first = new Uint8Array(MiB).fill(1)
    const second = new Uint8Array(MiB).fill(2)
    h.update(first)
    h.update(second)
    h.update(new Uint8Array(3).fill(3))
    const digest = h.digestHex()
    for (const run of later) run()
    expect(await digest).toBe(listHex(cat(first, second, new Uint8Array(3).fill(3))))
  })

  it('a failing one-shot digest rejects digestHex() (no unhandled rejection before)', async () => {
    const failing = { digest: () => Promise.reject(new Error('no digest')) } as unknown as SubtleCrypto
    const h = webCryptoHashers(failing).create('sha256-list')
    h.update(new Uint8Array(MiB + 1))
    await expect(h.digestHex()).rejects.toThrow('no digest')
  })
})

describe('chooseDigest', () => {
  it('picks what both list first, else sha256-list, else the first shared, else nothing', () => {
    const node = ['sha256', 'sha256-list'] as const
    const web = ['sha256-list', 'sha256'] as const
    expect(chooseDigest(node, node)).toBe('sha256')
    expect(chooseDigest(web, web)).toBe('sha256-list')
    expect(chooseDigest(web, node)).toBe('sha256-list')
    expect(chooseDigest(node, web)).toBe('sha256-list')
    expect(chooseDigest(['sha256'], web)).toBe('sha256')
    expect(chooseDigest(['sha256'], node)).toBe('sha256')
    expect(chooseDigest(['sha256-list'], ['sha256'])).toBeUndefined()
  })
})
