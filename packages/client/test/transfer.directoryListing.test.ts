import { readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DirectoryListing } from '../src/transfer/node/DirectoryListing.js'
import { HELD_FILE_MAX_BYTES } from '../src/transfer/node/HeldFile.js'
import { NodeFileSink } from '../src/transfer/node/NodeFileSink.js'
import { fileMeta, tempDir } from './transfer/support.js'

const LAST_MODIFIED = 1_700_000_000_000
const meta = fileMeta

describe('NodeFileSink with a DirectoryListing', () => {
  let dir: { path: string; remove: () => Promise<void> }
  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(() => dir.remove())

  it('what the listing holds is found as without it: a partial file resumes, a file received earlier is checked in place, another file of the name is FILE_EXISTS', async () => {
    const first = new NodeFileSink({ dir: dir.path })
    await first.open(meta('r.bin', 40))
    await first.write(new Uint8Array(30))
    await first.checkpoint(30)
    await first.close()
    await writeFile(join(dir.path, 'done.bin'), new Uint8Array(50))
    await utimes(join(dir.path, 'done.bin'), new Date(), new Date(LAST_MODIFIED))
    await writeFile(join(dir.path, 'taken.txt'), 'not ours')
    await writeFile(join(dir.path, 'Case.bin'), 'another case')

    const listing = DirectoryListing.of(dir.path)
    const sink = (name: string) => new NodeFileSink({ dir: dir.path, listing, name })
    expect(await sink('r.bin').open(meta('r.bin', 40))).toBe(30)
    const done = sink('done.bin')
    expect(await done.open(meta('done.bin', 50))).toBe(50)
    expect(done.existing).toBe(true)
    await expect(sink('taken.txt').open(meta('taken.txt', 8))).rejects.toMatchObject({ code: 'FILE_EXISTS' })
    // a name whose look-alike is there is looked for (a directory may not tell the two apart)
    expect(await listing.isFresh('case.bin')).toBe(false)
    expect(await sink('case.bin').open(meta('case.bin', 4))).toBe(0)
    expect(await listing.isFresh('new.bin')).toBe(true)
  })

  it('a name absent from the listing is not looked for; a file of that name made after the listing is still never replaced (FILE_EXISTS at the end: the file untouched, the received bytes kept aside)', async () => {
    const listing = DirectoryListing.of(dir.path)
    expect(await listing.isFresh('late.bin')).toBe(true) // read now: the snapshot
    await writeFile(join(dir.path, 'late.bin'), 'made meanwhile')
    // without the listing the sink finds it at once
    await expect(new NodeFileSink({ dir: dir.path }).open(meta('late.bin', 5))).rejects.toMatchObject({
      code: 'FILE_EXISTS',
    })
    const sink = new NodeFileSink({ dir: dir.path, listing })
    expect(await sink.open(meta('late.bin', 5))).toBe(0)
    await sink.write(new TextEncoder().encode('hello'))
    await expect(sink.complete()).rejects.toMatchObject({
      code: 'FILE_EXISTS',
      message: expect.stringContaining('appeared during the transfer; kept'),
    })
    expect(await readFile(join(dir.path, 'late.bin'), 'utf8')).toBe('made meanwhile')
    expect((await readdir(dir.path)).sort()).toEqual(['late.bin', 'late.bin.parley-part'])
  })

  it('a listing of another directory is ignored; a directory that cannot be read leaves each sink to look for itself', async () => {
    await writeFile(join(dir.path, 'x.bin'), 'x')
    const elsewhere = DirectoryListing.of(join(dir.path, 'missing'))
    expect(await elsewhere.isFresh('x.bin')).toBe(false)
    await expect(
      new NodeFileSink({ dir: dir.path, listing: elsewhere }).open(meta('x.bin', 9)),
    ).rejects.toMatchObject({ code: 'FILE_EXISTS' })
  })

  it('a new file of up to 1 MiB absent from the listing is held in memory: nothing is created while its bytes arrive, then it is written whole under its name with the offered time; a larger one gets a partial file at its first write', async () => {
    const listing = DirectoryListing.of(dir.path)
    const small = new NodeFileSink({ dir: dir.path, listing })
    expect(await small.open(meta('small.bin', HELD_FILE_MAX_BYTES))).toBe(0)
    await small.write(new Uint8Array(HELD_FILE_MAX_BYTES - 10).fill(1))
    await small.write(new Uint8Array(10).fill(2))
    expect(await readdir(dir.path)).toEqual([])
    // bytes across the two writes read back from memory (a resume's hash)
    expect([...(await small.readBack(HELD_FILE_MAX_BYTES - 12, 4))]).toEqual([1, 1, 2, 2])
    await small.complete()
    const bytes = await readFile(join(dir.path, 'small.bin'))
    expect(bytes.byteLength).toBe(HELD_FILE_MAX_BYTES)
    expect([bytes[0], bytes[HELD_FILE_MAX_BYTES - 11], bytes[HELD_FILE_MAX_BYTES - 1]]).toEqual([1, 1, 2])
    expect((await stat(join(dir.path, 'small.bin'))).mtimeMs).toBe(LAST_MODIFIED)

    const empty = new NodeFileSink({ dir: dir.path, listing })
    await empty.open(meta('empty.bin', 0))
    await empty.complete()
    expect((await readFile(join(dir.path, 'empty.bin'))).byteLength).toBe(0)

    const large = new NodeFileSink({ dir: dir.path, listing })
    await large.open(meta('large.bin', HELD_FILE_MAX_BYTES + 1))
    await large.write(new Uint8Array(10))
    expect(await readdir(dir.path)).toContain('large.bin.parley-part')
    await large.close()
    expect((await readdir(dir.path)).sort()).toEqual(['empty.bin', 'large.bin.parley-part', 'small.bin'])
  })

  it('a held file is spilled to a partial file at its first checkpoint, which a later receive resumes; a held file closed or discarded leaves nothing behind', async () => {
    const listing = DirectoryListing.of(dir.path)
    const first = new NodeFileSink({ dir: dir.path, listing })
    await first.open(meta('slow.bin', 100))
    await first.write(new Uint8Array(60).fill(7))
    await first.checkpoint(60)
    expect((await readdir(dir.path)).sort()).toEqual(['slow.bin.parley-part', 'slow.bin.parley-part.json'])
    await first.write(new Uint8Array(10).fill(8))
    await first.close() // crash after the checkpoint: 60 bytes stored, 10 more were not confirmed

    const again = new NodeFileSink({ dir: dir.path, listing: DirectoryListing.of(dir.path) })
    expect(await again.open(meta('slow.bin', 100))).toBe(60)
    await again.write(new Uint8Array(40).fill(9))
    await again.complete()
    const bytes = await readFile(join(dir.path, 'slow.bin'))
    expect([bytes.byteLength, bytes[59], bytes[60], bytes[99]]).toEqual([100, 7, 9, 9])
    expect(await readdir(dir.path)).toEqual(['slow.bin'])

    for (const end of ['close', 'discard'] as const) {
      const sink = new NodeFileSink({ dir: dir.path, listing })
      await sink.open(meta(`${end}.bin`, 5))
      await sink.write(new Uint8Array(5))
      await sink[end]()
      await expect(sink.complete()).rejects.toMatchObject({ code: 'WRITE_FAILED' })
    }
    expect(await readdir(dir.path)).toEqual(['slow.bin'])
  })
})
