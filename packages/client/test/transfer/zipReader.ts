import { crc32 } from 'node:zlib'
import { expect } from 'vitest'

export interface ReadEntry {
  name: string
  data: Buffer
  crcMatches: boolean
  utf8: boolean
  zip64: boolean
  date: number
  /** Unix mode from the external attributes (made by Unix). */
  mode: number
}

/**
 * A reader written from the format (APPNOTE 6.3), independent of the writer: the end record (or
 * the ZIP64 one through its locator), the central directory, each local header and its data,
 * checked with Node's own CRC-32.
 */
export function readZip(zip: Buffer): { entries: ReadEntry[]; zip64End: boolean } {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  let count = zip.readUInt16LE(eocd + 10)
  let cdOffset = zip.readUInt32LE(eocd + 16)
  const zip64End = cdOffset === 0xffffffff
  if (zip64End) {
    const locator = eocd - 20
    expect(zip.readUInt32LE(locator)).toBe(0x07064b50)
    const record = Number(zip.readBigUInt64LE(locator + 8))
    expect(zip.readUInt32LE(record)).toBe(0x06064b50)
    count = Number(zip.readBigUInt64LE(record + 32))
    cdOffset = Number(zip.readBigUInt64LE(record + 48))
  }
  const entries: ReadEntry[] = []
  let at = cdOffset
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50)
    const flags = zip.readUInt16LE(at + 8)
    const crc = zip.readUInt32LE(at + 16)
    let size = zip.readUInt32LE(at + 24)
    const nameLength = zip.readUInt16LE(at + 28)
    const extraLength = zip.readUInt16LE(at + 30)
    let local = zip.readUInt32LE(at + 42)
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8')
    const zip64 = size === 0xffffffff
    if (zip64) {
      const extra = at + 46 + nameLength
      expect(zip.readUInt16LE(extra)).toBe(1)
      size = Number(zip.readBigUInt64LE(extra + 4))
      local = Number(zip.readBigUInt64LE(extra + 20))
    }
    expect(zip.readUInt32LE(local)).toBe(0x04034b50)
    expect(zip.readUInt16LE(local + 8)).toBe(0) // stored
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28)
    const data = zip.subarray(dataAt, dataAt + size)
    entries.push({
      name,
      data,
      crcMatches: crc32(data) === crc,
      utf8: (flags & 0x0800) !== 0,
      zip64,
      date: zip.readUInt16LE(at + 14),
      mode: zip.readUInt16LE(at + 4) >> 8 === 3 ? zip.readUInt32LE(at + 38) >>> 16 : -1,
    })
    at += 46 + nameLength + extraLength
  }
  return { entries, zip64End }
}
