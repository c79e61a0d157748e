import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../client/test/transfer/support.js'
import { ReceivedFolders } from '../src/ReceivedFolders.js'

describe('ReceivedFolders', () => {
  let dir: { path: string; remove: () => Promise<void> }
  beforeEach(async () => {
    dir = await tempDir('parley-folders-unit-')
  })
  afterEach(() => dir.remove())

  it('a repeated offer gets fresh listings: the partial file the first offer left is seen, so the file resumes from it', async () => {
    const folders = new ReceivedFolders(dir.path)
    await folders.make(['a/b/x.bin'])
    const first = folders.folderOf('a/b/x.bin')
    expect(first).toMatchObject({ dir: join(dir.path, 'a', 'b'), name: 'x.bin' })
    expect(await first.listing.isFresh('x.bin')).toBe(true)
    await writeFile(join(first.dir, 'x.bin.parley-part'), 'partial')
    // the same offer again (the sender came back): the listing is read anew
    await folders.make(['a/b/x.bin'])
    expect(await folders.folderOf('a/b/x.bin').listing.isFresh('x.bin')).toBe(false)
  })

  it('removeEmpty removes only the folders it made that hold nothing, innermost first', async () => {
    const folders = new ReceivedFolders(dir.path)
    await folders.make(['kept/one.txt', 'gone/deeper/two.txt'])
    await writeFile(join(dir.path, 'kept', 'one.txt'), '1')
    await folders.removeEmpty()
    expect((await readdir(dir.path)).sort()).toEqual(['kept'])
  })

  it('a file where a folder must go fails with exit 9 and names it', async () => {
    await writeFile(join(dir.path, 'a'), 'a file')
    await expect(new ReceivedFolders(dir.path).make(['a/b.txt'])).rejects.toMatchObject({
      exitCode: 9,
      message: `cannot make the folder ${join(dir.path, 'a')}: something that is not a folder has its name`,
    })
  })
})
