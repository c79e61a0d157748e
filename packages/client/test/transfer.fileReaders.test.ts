import { describe, expect, it } from 'vitest'
import { FileReaders, type FileToRead } from '../src/transfer/FileReaders.js'
import type { FileSource } from '../src/transfer/FileSource.js'
import type { FileStatus } from '../src/transfer/Transfer.js'

/** An in-memory source (byte i = i mod 251 + its id) that logs every read. */
function source(id: number, size: number, log: string[]): FileSource {
  return {
    name: `f${id}`,
    size,
    type: '',
    lastModified: 0,
    async read(offset, length) {
      log.push(`f${id}@${offset}`)
      const end = Math.min(size, offset + length)
      return Uint8Array.from({ length: end - offset }, (_, i) => ((offset + i) % 251) + id)
    },
    async close() {},
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

function files(sizes: number[], log: string[]): Mutable<FileToRead>[] {
  return sizes.map((size, id) => ({
    status: 'pending' as FileStatus,
    source: source(id, size, log),
    startOffset: 0,
  }))
}

async function readAll(readers: FileReaders, index: number, size: number): Promise<number[]> {
  const reader = readers.readerFor(index)
  const out: number[] = []
  for (let at = reader.from; at < size; ) {
    const chunk = await reader.next()
    out.push(...chunk)
    at += chunk.byteLength
  }
  return out
}

const OPTIONS = { chunkSize: 4, readAhead: 2, blockSize: 8 }

describe('FileReaders', () => {
  it('readAheadAfter() reads the first block of the next pending files, and readerFor() hands out those reads instead of reading again', async () => {
    const log: string[] = []
    const list = files([10, 6, 0, 3, 20, 5], log)
    list[1]!.status = 'declined'
    const readers = new FileReaders(list, { ...OPTIONS, aheadFiles: 2 })
    expect(await readAll(readers, 0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => i % 251))
    readers.readAheadAfter(0)
    // the declined file and the empty one are skipped; two files at most
    expect(log.slice(2)).toEqual(['f3@0', 'f4@0'])
    expect(await readAll(readers, 3, 3)).toEqual([3, 4, 5])
    readers.readAheadAfter(3) // f4 is read ahead already: only f5 is added
    expect(log.slice(4)).toEqual(['f5@0'])
    expect((await readAll(readers, 4, 20)).slice(0, 3)).toEqual([4, 5, 6])
    expect(log.filter((l) => l === 'f4@0')).toHaveLength(1)
    expect(await readAll(readers, 5, 5)).toEqual([5, 6, 7, 8, 9])
    expect(log.filter((l) => l === 'f5@0')).toHaveLength(1)
  })

  it('a file declined or resumed elsewhere after it was read ahead is read afresh from its start offset, and the files after it still are', async () => {
    const log: string[] = []
    const list = files([4, 4, 12, 4], log)
    const readers = new FileReaders(list, OPTIONS)
    await readAll(readers, 0, 4)
    readers.readAheadAfter(0)
    expect(log).toEqual(['f0@0', 'f1@0', 'f2@0', 'f3@0'])
    list[1]!.status = 'declined'
    list[2]!.startOffset = 8 // a new accept resumes it at 8
    expect(await readAll(readers, 2, 12)).toEqual([10, 11, 12, 13])
    expect(log.slice(4)).toEqual(['f2@8'])
    expect(await readAll(readers, 3, 4)).toEqual([3, 4, 5, 6])
  })

  it('reads ahead no more than aheadBytes (a block per file)', () => {
    const log: string[] = []
    const readers = new FileReaders(files([4, 100, 100, 100, 100], log), { ...OPTIONS, aheadBytes: 16 })
    readers.readAheadAfter(0)
    expect(log).toEqual(['f1@0', 'f2@0'])
  })
})
