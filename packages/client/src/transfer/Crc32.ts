/** CRC-32 (IEEE 802.3, the ZIP and gzip checksum), fed in pieces; slicing by 8 bytes. */
export class Crc32 {
  #crc = 0xffffffff

  update(bytes: Uint8Array): this {
    let crc = this.#crc
    let i = 0
    const n = bytes.length
    const t = TABLES
    for (; i + 8 <= n; i += 8) {
      const a = crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))
      crc =
        t[7 * 256 + (a & 0xff)]! ^
        t[6 * 256 + ((a >>> 8) & 0xff)]! ^
        t[5 * 256 + ((a >>> 16) & 0xff)]! ^
        t[4 * 256 + (a >>> 24)]! ^
        t[3 * 256 + bytes[i + 4]!]! ^
        t[2 * 256 + bytes[i + 5]!]! ^
        t[256 + bytes[i + 6]!]! ^
        t[bytes[i + 7]!]!
    }
    for (; i < n; i++) crc = t[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8)
    this.#crc = crc
    return this
  }

  /** The checksum of everything fed so far (unsigned). */
  digest(): number {
    return (this.#crc ^ 0xffffffff) >>> 0
  }
}

/** Eight 256-entry tables: TABLES[k * 256 + b] is the CRC of byte b followed by k zero bytes. */
const TABLES = (() => {
  const t = new Int32Array(8 * 256)
  for (let b = 0; b < 256; b++) {
    let c = b
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[b] = c
  }
  for (let b = 0; b < 256; b++) {
    for (let k = 1; k < 8; k++) {
      const prev = t[(k - 1) * 256 + b]!
      t[k * 256 + b] = t[prev & 0xff]! ^ (prev >>> 8)
    }
  }
  return t
})()
