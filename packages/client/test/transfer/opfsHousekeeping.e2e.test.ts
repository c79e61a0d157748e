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
    expect(await stored(a)).toHaveLength(3) // done's data; partial's data and sidecar
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
    expect(await stored(b)).toHaveLength(3)
    // a day and more later: the partial goes, A still holds its completed file
    expect(await cleanUp(b, 25 * 60 * 60 * 1000)).toHaveLength(1)
    expect(await stored(b)).toHaveLength(1)
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
})
