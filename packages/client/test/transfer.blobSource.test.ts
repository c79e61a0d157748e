import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ParleyError } from '../src/errors.js'
import { BlobFileSource } from '../src/transfer/BlobFileSource.js'

const KiB = 1024

/** A Blob whose slices count how often they are made and stream in pieces of `piece` bytes. */
function countingBlob(data: Uint8Array, piece = 100 * KiB, failAt?: number) {
  const slices: number[] = []
  const blob = {
    size: data.byteLength,
    type: 'application/octet-stream',
    name: 'data.bin',
    lastModified: 1_700_000_000_000,
    slice(start = 0) {
      slices.push(start)
      let at = start
      return {
        stream: () =>
          new ReadableStream<Uint8Array>({
            pull(controller) {
              if (failAt !== undefined && at >= failAt) {
                controller.error(new DOMException('changed', 'NotReadableError'))
                return
              }
              if (at >= data.byteLength) return controller.close()
              controller.enqueue(data.slice(at, Math.min(at + piece, data.byteLength)))
              at += piece
            },
          }),
      }
    },
  }
  return { blob: blob as unknown as Blob, slices }
}

describe('BlobFileSource', () => {
  it('reads a File in order from one stream: reads issued before earlier ones resolve get the right bytes', async () => {
    const data = randomBytes(3 * 1024 * KiB + 17)
    const { blob, slices } = countingBlob(data)
    const source = new BlobFileSource(blob)
    expect(source.name).toBe('data.bin')
    const reads = []
    for (let at = 0; at < data.byteLength; at += 256 * KiB) reads.push(source.read(at, 256 * KiB))
    const parts = await Promise.all(reads)
    expect(Buffer.concat(parts).equals(data)).toBe(true)
    expect(parts.at(-1)!.byteLength).toBe(17) // the end: shorter
    expect(slices).toEqual([0]) // one stream, no slice per read
  })

  it('starts a new stream at the offset of a read that does not follow the previous one (a resume)', async () => {
    const data = randomBytes(1024 * KiB)
    const { blob, slices } = countingBlob(data, 64 * KiB)
    const source = new BlobFileSource(blob)
    expect(Buffer.from(await source.read(0, 10 * KiB)).equals(data.subarray(0, 10 * KiB))).toBe(true)
    expect(
      Buffer.from(await source.read(500 * KiB, 30 * KiB)).equals(data.subarray(500 * KiB, 530 * KiB)),
    ).toBe(true)
    expect(
      Buffer.from(await source.read(530 * KiB, 100 * KiB)).equals(data.subarray(530 * KiB, 630 * KiB)),
    ).toBe(true)
    expect(Buffer.from(await source.read(5, 5)).equals(data.subarray(5, 10))).toBe(true)
    expect(slices).toEqual([0, 500 * KiB, 5])
    expect((await source.read(data.byteLength, 10)).byteLength).toBe(0)
  })

  it('rejects with READ_FAILED when the file cannot be read any more, and reads again from a new stream after', async () => {
    const data = randomBytes(512 * KiB)
    const { blob } = countingBlob(data, 64 * KiB, 128 * KiB)
    const source = new BlobFileSource(blob)
    await source.read(0, 64 * KiB)
    const error = await source.read(64 * KiB, 256 * KiB).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ParleyError)
    expect((error as ParleyError).code).toBe('READ_FAILED')
    expect(Buffer.from(await source.read(0, 64 * KiB)).equals(data.subarray(0, 64 * KiB))).toBe(true)
  })

  it('reads a real Blob (Node) identically, and rejects reads after close()', async () => {
    const data = randomBytes(700 * KiB)
    const source = new BlobFileSource(new Blob([data]), 'x.bin')
    const parts = await Promise.all([
      source.read(0, 300 * KiB),
      source.read(300 * KiB, 300 * KiB),
      source.read(600 * KiB, 300 * KiB),
    ])
    expect(Buffer.concat(parts).equals(data)).toBe(true)
    await source.close()
    await expect(source.read(0, 1)).rejects.toMatchObject({ code: 'READ_FAILED' })
  })
})
