/**
 * OPFS housekeeping in Chromium: what received files pages leave in the origin private file system
 * is deleted once no page holds it, and never while another tab still does.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, openHarness, type ParleyGlobal } from '../media/browserHarness.js'

type W = Window & { Parley: ParleyGlobal; T: Record<string, unknown> }

/** Names in the SDK's OPFS directory of received files. */
function stored(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const root = await navigator.storage.getDirectory()
    try {
      const dir = await root.getDirectoryHandle((window as unknown as W).Parley.OPFS_ROOT)
      const names: string[] = []
      for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name)
      return names.sort()
    } catch {
      return []
    }
  })
}

describe('OPFS housekeeping', () => {
  let harness: Harness
  beforeAll(async () => {
    harness = await openHarness()
  })
  afterAll(async () => {
    await harness?.close()
  })

  it('cleanUpOpfsTransfers() deletes completed files and old partial files no page holds, and leaves what another tab holds', async () => {
    const a = await harness.newPage()
    // page A: a received file waiting for its save (held by A), and a partial one kept for a resume
    await a.evaluate(async () => {
      const P = (window as unknown as W).Parley
      const meta = (name: string, size: number) => ({ id: '0', name, size, type: '', lastModified: 1 })
      const done = new P.OpfsSink()
      await done.open(meta('done.bin', 4))
      await done.write(new Uint8Array([1, 2, 3, 4]))
      await done.checkpoint(4)
      await done.complete()
      const partial = new P.OpfsSink()
      await partial.open(meta('partial.bin', 8))
      await partial.write(new Uint8Array([1, 2]))
      await partial.checkpoint(2)
      await partial.close()
      ;(window as unknown as W).T = { done }
    })
    // done's data and its sidecar marking it complete; partial's data and sidecar
    expect(await stored(a)).toHaveLength(4)
    // page B, another tab of the same origin
    const b = await a.context().newPage()
    await b.goto(harness.server.url)
    await b.waitForFunction(() => 'Parley' in window)
    const cleanUp = (page: Page, inMs = 0) =>
      page.evaluate(
        (inMs) => (window as unknown as W).Parley.cleanUpOpfsTransfers({ now: Date.now() + inMs }),
        inMs,
      )
    // now: the partial file is recent (kept for a resume), the completed one is held by A
    expect(await cleanUp(b)).toEqual([])
    expect(await stored(b)).toHaveLength(4)
    // a day and more later: the partial goes, A still holds its completed file
    expect(await cleanUp(b, 25 * 60 * 60 * 1000)).toHaveLength(1)
    expect(await stored(b)).toHaveLength(2)
    // A's save still reads it
    expect(
      await a.evaluate(async () =>
        ((window as unknown as W).T.done as { file(): Promise<File> }).file().then((f) => f.size),
      ),
    ).toBe(4)
    // A closes: nobody can save that file any more, the next clean-up deletes it
    await a.close()
    await expect.poll(() => cleanUp(b), { timeout: 10_000 }).toHaveLength(1)
    expect(await stored(b)).toEqual([])
  }, 60_000)

  it('OpfsSink.open() of an entry a reloaded page had completed reports the whole file stored (and stays complete), an entry whose data shrank opens at 0; cleanUpOpfsTransfers({ keep }) leaves kept entries alone although no page holds them', async () => {
    const a = await harness.newPage()
    const meta = (name: string) => ({ id: '0', name, size: 6, type: '', lastModified: 2 })
    const metas = [meta('kept.bin'), meta('shrunk.bin')]
    await a.evaluate(async (metas) => {
      const P = (window as unknown as W).Parley
      for (const m of metas) {
        const sink = new P.OpfsSink()
        await sink.open(m)
        await sink.write(new Uint8Array([1, 2, 3, 4, 5, 6]))
        await sink.checkpoint(6)
        await sink.complete()
      }
    }, metas)
    await a.reload() // the page that held them is gone
    await a.waitForFunction(() => 'Parley' in window)
    const names = await a.evaluate(
      (metas) => metas.map((m) => (window as unknown as W).Parley.opfsEntryName(m)),
      metas,
    )
    // kept (this tab's journal still refers to them): left alone although nobody holds them
    expect(
      await a.evaluate(
        (metas) => (window as unknown as W).Parley.cleanUpOpfsTransfers({ keep: metas }),
        metas,
      ),
    ).toEqual([])
    expect(await stored(a)).toHaveLength(4)
    const opened = await a.evaluate(
      async ({ metas, shrink }) => {
        const P = (window as unknown as W).Parley
        // storage lost part of one file meanwhile
        const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(P.OPFS_ROOT)
        const writable = await (await dir.getFileHandle(shrink)).createWritable({ keepExistingData: true })
        await writable.truncate(3)
        await writable.close()
        const kept = new P.OpfsSink()
        const keptAt = await kept.open(metas[0]!)
        const bytes = [...(await kept.readBack(0, 6))]
        await kept.complete()
        const file = await kept.file()
        const shrunk = new P.OpfsSink()
        const shrunkAt = await shrunk.open(metas[1]!)
        await shrunk.discard()
        return { keptAt, bytes, size: file.size, shrunkAt }
      },
      { metas, shrink: names[1]! },
    )
    expect(opened).toEqual({ keptAt: 6, bytes: [1, 2, 3, 4, 5, 6], size: 6, shrunkAt: 0 })
    // opened again, completed again: still complete, held by this page, so a clean-up keeps it
    const sidecar = await a.evaluate(async (name) => {
      const P = (window as unknown as W).Parley
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(P.OPFS_ROOT)
      return JSON.parse(await (await (await dir.getFileHandle(`${name}.json`)).getFile()).text())
    }, names[0]!)
    expect(sidecar).toMatchObject({ offset: 6, complete: true })
    expect(await a.evaluate(() => (window as unknown as W).Parley.cleanUpOpfsTransfers())).toEqual([])
    // once no page holds it and nothing keeps it, it goes
    await a.reload()
    await a.waitForFunction(() => 'Parley' in window)
    expect(await a.evaluate(() => (window as unknown as W).Parley.cleanUpOpfsTransfers())).toEqual([names[0]])
    expect(await stored(a)).toEqual([])
  }, 60_000)
})
