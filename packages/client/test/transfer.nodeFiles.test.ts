import { mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { NodeFileSink } from '../src/transfer/node/NodeFileSink.js'
import { NodeFileSource } from '../src/transfer/node/NodeFileSource.js'
import { tempDir } from './transfer/support.js'

describe('NodeFileSink', () => {
  let dir: { path: string; remove: () => Promise<void> }
  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(() => dir.remove())
  const meta = (name: string, size = 3) => ({ id: '0', name, size, type: '', lastModified: 5 })

  it('writes an offered "../escape" name inside its directory only', async () => {
    const inner = join(dir.path, 'in')
    await mkdir(inner)
    const sink = new NodeFileSink({ dir: inner })
    await sink.open(meta('../escape'))
    await sink.write(new Uint8Array([1, 2, 3]))
    await sink.complete()
    expect(await readdir(inner)).toEqual(['escape'])
    expect(await readdir(dir.path)).toEqual(['in'])
  })

  it('open() rejects with FILE_EXISTS unless overwrite is allowed, which replaces the file', async () => {
    await writeFile(join(dir.path, 'a.txt'), 'old')
    await expect(new NodeFileSink({ dir: dir.path }).open(meta('a.txt'))).rejects.toMatchObject({
      code: 'FILE_EXISTS',
    })
    const sink = new NodeFileSink({ dir: dir.path, overwrite: true })
    await sink.open(meta('a.txt'))
    await sink.write(new TextEncoder().encode('new'))
    await sink.complete()
    expect(await readFile(join(dir.path, 'a.txt'), 'utf8')).toBe('new')
  })

  it('open() of a file here with the offered size checks it in place only when its time is exactly the offered one', async () => {
    const offered = { id: '0', name: 'b.txt', size: 3, type: '', lastModified: 1_700_000_000_123 }
    const path = join(dir.path, 'b.txt')
    await writeFile(path, 'abc')
    // within the same millisecond but not the whole millisecond a sink sets: not ours, refused
    await utimes(path, new Date(), (offered.lastModified + 0.4) / 1000)
    await expect(new NodeFileSink({ dir: dir.path }).open(offered)).rejects.toMatchObject({
      code: 'FILE_EXISTS',
    })
    // what a completed sink leaves: checked in place, never written, kept by discard()
    await utimes(path, new Date(), new Date(offered.lastModified))
    const sink = new NodeFileSink({ dir: dir.path })
    expect(await sink.open(offered)).toBe(3)
    expect(sink.existing).toBe(true)
    expect(new TextDecoder().decode(await sink.readBack(0, 3))).toBe('abc')
    await expect(sink.write(new Uint8Array(1))).rejects.toMatchObject({ code: 'WRITE_FAILED' })
    await sink.discard()
    expect(await readFile(path, 'utf8')).toBe('abc')
  })

  it('complete() gives the file the offered last-modified as its modification time', async () => {
    const sink = new NodeFileSink({ dir: dir.path })
    await sink.open({ id: '0', name: 'c.txt', size: 1, type: '', lastModified: 1_700_000_000_456 })
    await sink.write(new Uint8Array([1]))
    await sink.complete()
    expect((await stat(join(dir.path, 'c.txt'))).mtimeMs).toBeCloseTo(1_700_000_000_456, 2)
  })

  it('open() rejects with WRITE_FAILED for a missing or unwritable directory', async () => {
    await expect(new NodeFileSink({ dir: join(dir.path, 'missing') }).open(meta('a'))).rejects.toMatchObject({
      code: 'WRITE_FAILED',
      message: /no such directory/,
    })
    const file = join(dir.path, 'plain')
    await writeFile(file, '')
    await expect(new NodeFileSink({ dir: file }).open(meta('a'))).rejects.toMatchObject({
      code: 'WRITE_FAILED',
    })
  })

  it('a new file has no partial file until its first write, no sidecar until its first checkpoint, and neither once complete; an empty one is made at complete()', async () => {
    const sink = new NodeFileSink({ dir: dir.path })
    expect(await sink.open(meta('s.bin', 6))).toBe(0)
    expect(await readdir(dir.path)).toEqual([])
    await sink.write(new Uint8Array([1, 2, 3]))
    expect(await readdir(dir.path)).toEqual(['s.bin.parley-part'])
    await sink.checkpoint(3)
    expect((await readdir(dir.path)).sort()).toEqual(['s.bin.parley-part', 's.bin.parley-part.json'])
    await sink.write(new Uint8Array([4, 5, 6]))
    await sink.complete()
    expect(await readdir(dir.path)).toEqual(['s.bin'])
    const small = new NodeFileSink({ dir: dir.path })
    expect(await small.open(meta('t.bin', 2))).toBe(0)
    await small.write(new Uint8Array([7, 8]))
    await small.complete()
    expect((await readdir(dir.path)).sort()).toEqual(['s.bin', 't.bin'])
    const empty = new NodeFileSink({ dir: dir.path })
    expect(await empty.open(meta('e.bin', 0))).toBe(0)
    await empty.complete()
    expect((await readdir(dir.path)).sort()).toEqual(['e.bin', 's.bin', 't.bin'])
    expect((await stat(join(dir.path, 'e.bin'))).size).toBe(0)
  })

  it('open() resumes from the sidecar offset for the same file and restarts for a different one', async () => {
    const first = new NodeFileSink({ dir: dir.path })
    expect(await first.open(meta('r.bin', 10))).toBe(0)
    await first.write(new Uint8Array([1, 2, 3, 4, 5, 6]))
    await first.checkpoint(4) // bytes 5–6 were written after the last checkpoint
    await first.close()
    const again = new NodeFileSink({ dir: dir.path })
    expect(await again.open(meta('r.bin', 10))).toBe(4)
    expect((await stat(join(dir.path, 'r.bin.parley-part'))).size).toBe(4)
    expect(new Uint8Array(await again.readBack(0, 4))).toEqual(new Uint8Array([1, 2, 3, 4]))
    await again.close()
    const other = new NodeFileSink({ dir: dir.path })
    expect(await other.open(meta('r.bin', 11))).toBe(0)
    await other.discard()
    expect(await readdir(dir.path)).toEqual([])
  })

  it('discard() leaves a partial file that another sink resumed meanwhile (a receive run again beside a stopped one): the other completes it', async () => {
    const stopped = new NodeFileSink({ dir: dir.path })
    await stopped.open(meta('r.bin', 10))
    await stopped.write(new Uint8Array([1, 2, 3, 4, 5, 6]))
    await stopped.checkpoint(6)
    const again = new NodeFileSink({ dir: dir.path })
    expect(await again.open(meta('r.bin', 10))).toBe(6)
    await stopped.discard() // e.g. the stopped receive woke up and was cancelled
    await again.write(new Uint8Array([7, 8, 9, 10]))
    await again.complete()
    expect(new Uint8Array(await readFile(join(dir.path, 'r.bin')))).toEqual(
      new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
    )
    expect(await readdir(dir.path)).toEqual(['r.bin'])
  })

  it('discard() leaves a partial file that another sink started again meanwhile (another file of that name): the other completes it', async () => {
    const stopped = new NodeFileSink({ dir: dir.path })
    await stopped.open(meta('r.bin', 10))
    await stopped.write(new Uint8Array([1, 2, 3]))
    const other = new NodeFileSink({ dir: dir.path })
    expect(await other.open(meta('r.bin', 4))).toBe(0)
    await other.write(new Uint8Array([9, 9]))
    await stopped.discard()
    await other.write(new Uint8Array([9, 9]))
    await other.complete()
    expect(new Uint8Array(await readFile(join(dir.path, 'r.bin')))).toEqual(new Uint8Array([9, 9, 9, 9]))
    expect(await readdir(dir.path)).toEqual(['r.bin'])
  })
})

describe('NodeFileSource', () => {
  it('open() rejects with FILE_NOT_FOUND for a missing file and for a directory', async () => {
    const dir = await tempDir()
    try {
      await expect(NodeFileSource.open(join(dir.path, 'nope'))).rejects.toMatchObject({
        code: 'FILE_NOT_FOUND',
      })
      await expect(NodeFileSource.open(dir.path)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' })
      await writeFile(join(dir.path, 'f.json'), '{}')
      const source = await NodeFileSource.open(join(dir.path, 'f.json'))
      expect([source.name, source.size, source.type]).toEqual(['f.json', 2, 'application/json'])
      expect(new Uint8Array(await source.read(1, 10))).toEqual(new TextEncoder().encode('}'))
      await source.close()
    } finally {
      await dir.remove()
    }
  })
})
