import type { FileHandle } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { ParleyError } from '../src/errors.js'
import { ChunkReader } from '../src/transfer/ChunkReader.js'
import type { FileSource } from '../src/transfer/FileSource.js'
import { WriteBehind } from '../src/transfer/node/WriteBehind.js'

/** A file in memory behind the part of FileHandle that WriteBehind uses. */
function memoryHandle(options: { maxPerCall?: number; failAt?: number } = {}) {
  const file = new Uint8Array(64)
  const calls: { position: number; buffers: number; bytes: number }[] = []
  let release: (() => void) | undefined
  let gate: Promise<void> | undefined
  const handle = {
    async writev(buffers: Uint8Array[], position: number) {
      await gate
      if (options.failAt !== undefined && calls.length === options.failAt) {
        throw Object.assign(new Error('no space'), { code: 'ENOSPC' })
      }
      let written = 0
      for (const b of buffers) {
        const n = Math.min(b.byteLength, (options.maxPerCall ?? Number.POSITIVE_INFINITY) - written)
        file.set(b.subarray(0, n), position + written)
        written += n
      }
      calls.push({ position, buffers: buffers.length, bytes: written })
      return { bytesWritten: written, buffers }
    },
  }
  return {
    handle: handle as unknown as FileHandle,
    file,
    calls,
    /** Holds every writev until released. */
    hold() {
      gate = new Promise((resolve) => {
        release = resolve
      })
    },
    release() {
      gate = undefined
      release?.()
    },
  }
}

const bytes = (...xs: number[]) => new Uint8Array(xs)
const toError = (cause: unknown) => new ParleyError('DISK_FULL', String(cause))

describe('WriteBehind', () => {
  it('writes queued chunks in order after the start position, several per writev', async () => {
    const m = memoryHandle()
    const w = new WriteBehind(m.handle, 2, toError)
    m.hold()
    await w.write(bytes(1, 2))
    await w.write(bytes(3))
    await w.write(bytes(4, 5, 6))
    expect(w.position).toBe(8)
    m.release()
    await w.drain()
    expect([...m.file.subarray(0, 9)]).toEqual([0, 0, 1, 2, 3, 4, 5, 6, 0])
    // the first chunk went alone (nothing else was queued yet), the two held ones together
    expect(m.calls).toEqual([
      { position: 2, buffers: 1, bytes: 2 },
      { position: 4, buffers: 2, bytes: 4 },
    ])
  })

  it('continues a writev that wrote fewer bytes than asked', async () => {
    const m = memoryHandle({ maxPerCall: 3 })
    const w = new WriteBehind(m.handle, 0, toError)
    m.hold()
    await w.write(bytes(1, 2))
    await w.write(bytes(3, 4, 5, 6, 7))
    m.release()
    await w.drain()
    expect([...m.file.subarray(0, 8)]).toEqual([1, 2, 3, 4, 5, 6, 7, 0])
  })

  it('makes write() wait while more than maxBytes are queued', async () => {
    const m = memoryHandle()
    const w = new WriteBehind(m.handle, 0, toError, 4)
    m.hold()
    await w.write(bytes(1, 2, 3))
    let resolved = false
    const second = w.write(bytes(4, 5)).then(() => {
      resolved = true
    })
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve))
    expect(resolved).toBe(false) // the disk has not taken the first chunk yet
    m.release()
    await second
    await w.drain()
    expect([...m.file.subarray(0, 5)]).toEqual([1, 2, 3, 4, 5])
  })

  it('rejects the next write() and drain() with the first failure; settle() does not', async () => {
    const m = memoryHandle({ failAt: 0 })
    const w = new WriteBehind(m.handle, 0, toError)
    await w.write(bytes(1))
    await w.settle()
    await expect(w.write(bytes(2))).rejects.toMatchObject({ code: 'DISK_FULL', message: /no space/ })
    await expect(w.drain()).rejects.toMatchObject({ code: 'DISK_FULL' })
  })
})

/** A source over `data` that counts its reads and can lie about its length. */
function memorySource(data: Uint8Array, shortBy = 0) {
  const reads: [number, number][] = []
  const source: FileSource = {
    name: 'mem.bin',
    size: data.byteLength,
    type: '',
    lastModified: 0,
    async read(offset, length) {
      reads.push([offset, length])
      const end = Math.min(offset + length, data.byteLength - shortBy)
      return data.slice(offset, Math.max(offset, end))
    },
    async close() {},
  }
  return { source, reads }
}

describe('ChunkReader', () => {
  const data = new Uint8Array(100).map((_, i) => i)

  it('hands out chunks from an offset, reading whole blocks ahead', async () => {
    const { source, reads } = memorySource(data)
    const reader = new ChunkReader(source, 10, { chunkSize: 8, readAhead: 8, blockSize: 32 })
    const chunks: number[][] = []
    for (let at = 10; at < 100; at += 8) chunks.push([...(await reader.next())])
    expect(chunks[0]).toEqual([10, 11, 12, 13, 14, 15, 16, 17])
    expect(chunks.at(-1)).toEqual([98, 99])
    expect(chunks.flat()).toEqual([...data.subarray(10)])
    expect(reads).toEqual([
      [10, 32],
      [42, 32],
      [74, 26],
    ])
  })

  it('fails with READ_FAILED when the file got shorter than offered', async () => {
    const { source } = memorySource(data, 5)
    const reader = new ChunkReader(source, 0, { chunkSize: 50, readAhead: 2, blockSize: 50 })
    expect((await reader.next()).byteLength).toBe(50)
    await expect(reader.next()).rejects.toMatchObject({ code: 'READ_FAILED', message: /short read/ })
  })
})
