import { readdir, readFile, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DirectoryListing } from '../src/transfer/node/DirectoryListing.js'
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
})
