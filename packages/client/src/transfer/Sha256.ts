/**
 * Incremental SHA-256 (FIPS 180-4) in plain TypeScript over typed arrays, for runtimes without a
 * streaming digest (browsers: SubtleCrypto.digest only hashes a whole buffer). Its state can be
 * exported and restored, so a receiver can persist it next to a partial file.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
])

const INITIAL = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]

/** A serializable snapshot of a running SHA-256 (JSON-safe). */
export interface Sha256State {
  /** The eight 32-bit chaining words, unsigned. */
  readonly h: readonly number[]
  /** Bytes hashed so far. */
  readonly length: number
  /** Hex of the bytes waiting for a full 64-byte block (fewer than 64). */
  readonly pending: string
}

export class Sha256 {
  readonly #h = new Int32Array(8)
  readonly #w = new Int32Array(64)
  readonly #block = new Uint8Array(64)
  #blockLength = 0
  #length = 0
  #finished = false

  constructor(state?: Sha256State) {
    if (!state) {
      this.#h.set(INITIAL)
      return
    }
    if (state.h.length !== 8 || !Number.isSafeInteger(state.length) || state.length < 0) {
      throw new RangeError('invalid SHA-256 state')
    }
    const pending = hexToBytes(state.pending)
    if (pending.length >= 64 || pending.length !== state.length % 64) {
      throw new RangeError('invalid SHA-256 state')
    }
    this.#h.set(state.h.map((x) => x | 0))
    this.#block.set(pending)
    this.#blockLength = pending.length
    this.#length = state.length
  }

  /** Bytes hashed so far. */
  get length(): number {
    return this.#length
  }

  update(data: Uint8Array): this {
    if (this.#finished) throw new Error('SHA-256 already finalized')
    let offset = 0
    const n = data.length
    this.#length += n
    if (this.#blockLength > 0) {
      const take = Math.min(64 - this.#blockLength, n)
      this.#block.set(data.subarray(0, take), this.#blockLength)
      this.#blockLength += take
      offset = take
      if (this.#blockLength < 64) return this
      this.#compress(this.#block, 0, 1)
      this.#blockLength = 0
    }
    const blocks = Math.floor((n - offset) / 64)
    if (blocks > 0) {
      this.#compress(data, offset, blocks)
      offset += blocks * 64
    }
    if (offset < n) {
      this.#block.set(data.subarray(offset), 0)
      this.#blockLength = n - offset
    }
    return this
  }

  /** The 32-byte digest. The hash cannot be updated afterwards. */
  digest(): Uint8Array {
    if (this.#finished) throw new Error('SHA-256 already finalized')
    const bitsHigh = Math.floor(this.#length / 0x20000000)
    const bitsLow = (this.#length * 8) >>> 0
    const padLength = this.#blockLength < 56 ? 56 - this.#blockLength : 120 - this.#blockLength
    const pad = new Uint8Array(padLength + 8)
    pad[0] = 0x80
    const view = new DataView(pad.buffer)
    view.setUint32(padLength, bitsHigh)
    view.setUint32(padLength + 4, bitsLow)
    const length = this.#length
    this.update(pad)
    this.#length = length
    this.#finished = true
    const out = new Uint8Array(32)
    const outView = new DataView(out.buffer)
    for (let i = 0; i < 8; i++) outView.setInt32(i * 4, this.#h[i]!)
    return out
  }

  /** An independent copy of the running hash. */
  clone(): Sha256 {
    return new Sha256(this.exportState())
  }

  exportState(): Sha256State {
    if (this.#finished) throw new Error('SHA-256 already finalized')
    return {
      h: Array.from(this.#h, (x) => x >>> 0),
      length: this.#length,
      pending: bytesToHex(this.#block.subarray(0, this.#blockLength)),
    }
  }

  /** Compresses `blocks` 64-byte blocks of `data` starting at `p`, keeping the state in locals. */
  #compress(data: Uint8Array, p: number, blocks: number): void {
    const w = this.#w
    const h = this.#h
    let h0 = h[0]!
    let h1 = h[1]!
    let h2 = h[2]!
    let h3 = h[3]!
    let h4 = h[4]!
    let h5 = h[5]!
    let h6 = h[6]!
    let h7 = h[7]!
    for (let block = 0; block < blocks; block++) {
      for (let i = 0; i < 16; i++, p += 4) {
        w[i] = (data[p]! << 24) | (data[p + 1]! << 16) | (data[p + 2]! << 8) | data[p + 3]!
      }
      for (let i = 16; i < 64; i++) {
        const x = w[i - 15]!
        const y = w[i - 2]!
        const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)
        const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)
        w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0
      }
      let a = h0
      let b = h1
      let c = h2
      let d = h3
      let e = h4
      let f = h5
      let g = h6
      let hh = h7
      for (let i = 0; i < 64; i++) {
        const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
        const ch = (e & f) ^ (~e & g)
        const t1 = (hh + S1 + ch + K[i]! + w[i]!) | 0
        const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
        const maj = (a & b) ^ (a & c) ^ (b & c)
        hh = g
        g = f
        f = e
        e = (d + t1) | 0
        d = c
        c = b
        b = a
        a = (t1 + S0 + maj) | 0
      }
      h0 = (h0 + a) | 0
      h1 = (h1 + b) | 0
      h2 = (h2 + c) | 0
      h3 = (h3 + d) | 0
      h4 = (h4 + e) | 0
      h5 = (h5 + f) | 0
      h6 = (h6 + g) | 0
      h7 = (h7 + hh) | 0
    }
    h[0] = h0
    h[1] = h1
    h[2] = h2
    h[3] = h3
    h[4] = h4
    h[5] = h5
    h[6] = h6
    h[7] = h7
  }
}

export function bytesToHex(bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes) out += b.toString(16).padStart(2, '0')
  return out
}

export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) throw new RangeError('invalid hex string')
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}
