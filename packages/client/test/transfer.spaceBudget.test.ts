import { readdir, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { NodeFileSink } from '../src/transfer/node/NodeFileSink.js'
import { SpaceBudget } from '../src/transfer/SpaceBudget.js'
import { fileMeta, tempDir } from './transfer/support.js'

const LAST_MODIFIED = 1_700_000_000_000
const meta = fileMeta

describe('SpaceBudget with NodeFileSink', () => {
  let dir: { path: string; remove: () => Promise<void> }
  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(() => dir.remove())

  it('SpaceBudget.of() reads the free space of the directory’s file system', async () => {
    const budget = await SpaceBudget.of(dir.path)
    expect(budget.freeBytes).toBeGreaterThan(0)
    expect(budget.reservedBytes).toBe(0)
  })

  it('open() reserves what each file needs and rejects with DISK_FULL, creating nothing, once the files do not fit', async () => {
    const space = new SpaceBudget(dir.path, 100)
    await new NodeFileSink({ dir: dir.path, space }).open(meta('a.bin', 40))
    await new NodeFileSink({ dir: dir.path, space }).open(meta('b.bin', 40))
    expect(space.reservedBytes).toBe(80)
    await expect(new NodeFileSink({ dir: dir.path, space }).open(meta('c.bin', 40))).rejects.toMatchObject({
      code: 'DISK_FULL',
      message: `not enough space in ${dir.path} for c.bin: it needs 40 B, 20 B of the 100 B free are left`,
    })
    expect(space.reservedBytes).toBe(80)
    // an empty file needs nothing
    await new NodeFileSink({ dir: dir.path, space }).open(meta('e.bin', 0))
    expect(await readdir(dir.path)).toEqual([])
  })

  it('a resumed file reserves only what is missing, and a file received earlier nothing', async () => {
    const first = new NodeFileSink({ dir: dir.path })
    await first.open(meta('r.bin', 40))
    await first.write(new Uint8Array(30))
    await first.checkpoint(30)
    await first.close()
    await writeFile(join(dir.path, 'done.bin'), new Uint8Array(50))
    await utimes(join(dir.path, 'done.bin'), new Date(), new Date(LAST_MODIFIED))

    const space = new SpaceBudget(dir.path, 10)
    expect(await new NodeFileSink({ dir: dir.path, space }).open(meta('r.bin', 40))).toBe(30)
    expect(space.reservedBytes).toBe(10)
    expect(await new NodeFileSink({ dir: dir.path, space }).open(meta('done.bin', 50))).toBe(50)
    expect(space.reservedBytes).toBe(10)
  })
})
