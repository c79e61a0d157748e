import { randomBytes } from 'node:crypto'
import { crc32 } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { Crc32 } from '../src/transfer/Crc32.js'
import { zipBlob } from '../src/transfer/zipBlob.js'

interface ReadEntry {
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
function readZip(zip: Buffer): { entries: ReadEntry[]; zip64End: boolean } {
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

describe('zipBlob', () => {
  it('Crc32 matches Node’s CRC-32 for any split of the input', () => {
    const bytes = randomBytes(100_003)
    for (const cut of [0, 1, 7, 8, 50_000, 100_003]) {
      expect(new Crc32().update(bytes.subarray(0, cut)).update(bytes.subarray(cut)).digest()).toBe(
        crc32(bytes),
      )
    }
  })

  it('archives files stored as they are, with CRC-32, UTF-8 names made safe and distinct, and their dates', async () => {
    const a = randomBytes(70_000)
    const b = randomBytes(10)
    const progress: number[] = []
    const zip = await zipBlob(
      [
        { name: 'a.bin', blob: new Blob([a]), lastModified: new Date(2024, 4, 17, 13, 45, 30).getTime() },
        { name: 'A.bin', blob: new Blob([b]) },
        { name: '../é/ü.txt', blob: new Blob(['grüß']) },
        { name: 'empty', blob: new Blob([]) },
      ],
      { onProgress: (bytes) => progress.push(bytes) },
    )
    expect(zip.type).toBe('application/zip')
    const { entries, zip64End } = readZip(Buffer.from(await zip.arrayBuffer()))
    expect(zip64End).toBe(false)
    expect(entries.map((e) => e.name)).toEqual(['a.bin', 'A (1).bin', 'ü.txt', 'empty'])
    expect(entries.map((e) => [e.crcMatches, e.utf8, e.zip64, e.mode])).toEqual(
      Array(4).fill([true, true, false, 0o100644]),
    )
    expect(entries[0]!.data.equals(a)).toBe(true)
    expect(entries[1]!.data.equals(b)).toBe(true)
    expect(entries[2]!.data.toString('utf8')).toBe('grüß')
    expect(entries[3]!.data.length).toBe(0)
    expect(entries[0]!.date).toBe(((2024 - 1980) << 9) | (5 << 5) | 17)
    expect(entries[1]!.date).toBe((1 << 5) | 1) // unknown: 1980-01-01
    expect(progress).toEqual([70_000, 70_010, 70_016, 70_016])
  })

  it('writes ZIP64 records that a reader follows when asked (as it does past 4 GiB or 65,535 files)', async () => {
    const a = randomBytes(5000)
    const zip = await zipBlob(
      [
        { name: 'x', blob: new Blob([a]) },
        { name: 'y', blob: new Blob(['y']) },
      ],
      {
        zip64: 'always',
      },
    )
    const { entries, zip64End } = readZip(Buffer.from(await zip.arrayBuffer()))
    expect(zip64End).toBe(true)
    expect(entries.map((e) => [e.name, e.zip64, e.crcMatches])).toEqual([
      ['x', true, true],
      ['y', true, true],
    ])
    expect(entries[0]!.data.equals(a)).toBe(true)
  })
})
