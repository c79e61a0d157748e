import { randomBytes } from 'node:crypto'
import { crc32 } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { Crc32 } from '../src/transfer/Crc32.js'
import { zipBlob } from '../src/transfer/zipBlob.js'
import { readZip } from './transfer/zipReader.js'

describe('zipBlob', () => {
  it('Crc32 matches Node’s CRC-32 for any split of the input', () => {
    const bytes = randomBytes(100_003)
    for (const cut of [0, 1, 7, 8, 50_000, 100_003]) {
      expect(new Crc32().update(bytes.subarray(0, cut)).update(bytes.subarray(cut)).digest()).toBe(
        crc32(bytes),
      )
    }
  })

  it('archives files stored as they are, with CRC-32, UTF-8 names made safe (folders kept) and distinct, and their dates', async () => {
    const a = randomBytes(70_000)
    const b = randomBytes(10)
    const progress: number[] = []
    const zip = await zipBlob(
      [
        { name: 'a.bin', blob: new Blob([a]), lastModified: new Date(2024, 4, 17, 13, 45, 30).getTime() },
        { name: 'A.bin', blob: new Blob([b]) },
        { name: '../é/ü.txt', blob: new Blob(['grüß']) }, // a folder kept, never above the archive
        { name: 'empty', blob: new Blob([]) },
      ],
      { onProgress: (bytes) => progress.push(bytes) },
    )
    expect(zip.type).toBe('application/zip')
    const { entries, zip64End } = readZip(Buffer.from(await zip.arrayBuffer()))
    expect(zip64End).toBe(false)
    expect(entries.map((e) => e.name)).toEqual(['a.bin', 'A (1).bin', 'é/ü.txt', 'empty'])
    expect(entries.map((e) => [e.crcMatches, e.utf8, e.zip64, e.mode])).toEqual(
      Array(4).fill([true, true, false, 0o100644]),
    )
    expect(entries[0]!.data.equals(a)).toBe(true)
    expect(entries[1]!.data.equals(b)).toBe(true)
    expect(entries[2]!.data.toString('utf8')).toBe('grüß')
    expect(entries[3]!.data.length).toBe(0)
    expect(entries[0]!.date).toBe(((2024 - 1980) << 9) | (5 << 5) | 17)
    expect(entries[1]!.date).toBe((1 << 5) | 1) // unknown: 1980-01-01
    // as the files are read: never backwards, through each file's end
    expect(progress).toEqual([...progress].sort((x, y) => x - y))
    expect(progress).toEqual(expect.arrayContaining([70_000, 70_010, 70_016]))
    expect(progress.at(-1)).toBe(70_016)
  })

  it('onProgress follows the reading inside a big file; an aborted signal stops the reading and rejects with its reason', async () => {
    // in pieces, as a browser streams a file (Node streams a Blob part by part)
    const big = new Blob(Array.from({ length: 48 }, () => randomBytes(64 * 1024)))
    const progress: number[] = []
    await zipBlob([{ name: 'big.bin', blob: big }], { onProgress: (bytes) => progress.push(bytes) })
    expect(progress.filter((n) => n < 3 << 20).length).toBeGreaterThan(2)
    expect(progress.at(-1)).toBe(3 << 20)

    const controller = new AbortController()
    const seen: number[] = []
    const made = zipBlob(
      [
        { name: 'a.bin', blob: big },
        { name: 'b.bin', blob: big },
      ],
      {
        signal: controller.signal,
        onProgress: (bytes) => {
          seen.push(bytes)
          if (bytes >= 1 << 20) controller.abort(new Error('left the page'))
        },
      },
    )
    await expect(made).rejects.toThrow('left the page')
    expect(Math.max(...seen)).toBeLessThan(3 << 20)
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
