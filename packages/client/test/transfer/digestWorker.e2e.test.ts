/**
 * The page's sha256-list digests in Chromium: Chromium runs crypto.subtle.digest synchronously on
 * the calling thread, so a page hands its segments to the SDK's digest worker.
 */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, openHarness, type ParleyGlobal } from '../media/browserHarness.js'

type W = Window & { Parley: ParleyGlobal }

describe('digests on a page (Chromium)', () => {
  let harness: Harness
  beforeAll(async () => {
    harness = await openHarness()
  })
  afterAll(async () => {
    await harness?.close()
  })

  it("loadHashers() on a page: sha256-list segments are hashed in a worker, not by the page's crypto.subtle.digest, with the same digest", async () => {
    const page = await harness.newPage()
    const result = await page.evaluate(async () => {
      const P = (window as unknown as W).Parley
      const MiB = 1024 * 1024
      const data = new Uint8Array(24 * MiB)
      for (let i = 0; i < data.length; i += 4096) data[i] = (i / 4096) & 255
      // every digest the page itself computes from here on
      const subtle = crypto.subtle
      const own = subtle.digest.bind(subtle)
      let pageCalls = 0
      subtle.digest = (algorithm, bytes) => {
        pageCalls++
        return own(algorithm, bytes)
      }
      const hashers = await P.loadHashers()
      // the worker starts at the first segment and takes over once its probe answered: hash one
      // segment at a time until one is hashed without the page's digest (10 s at most)
      const deadline = performance.now() + 10_000
      for (;;) {
        const calls = pageCalls
        const warm = hashers.create('sha256-list')
        warm.update(data.subarray(0, MiB))
        await warm.digestHex()
        if (pageCalls === calls) break
        if (performance.now() > deadline) throw new Error('the digest worker never took over')
        await new Promise((r) => setTimeout(r, 10))
      }
      const before = pageCalls
      const h = hashers.create('sha256-list')
      for (let at = 0; at < data.length; at += 256 * 1024) h.update(data.subarray(at, at + 256 * 1024))
      const digest = await h.digestHex()
      const onPage = P.webCryptoHashers({ digest: own } as SubtleCrypto).create('sha256-list')
      onPage.update(data)
      return { digest, reference: await onPage.digestHex(), pageCallsDuring: pageCalls - before }
    })
    expect(result.pageCallsDuring).toBe(0)
    expect(result.digest).toBe(result.reference)
    // and both are the sha256-list of those bytes as Node computes it
    const data = new Uint8Array(24 * 1024 * 1024)
    for (let i = 0; i < data.length; i += 4096) data[i] = (i / 4096) & 255
    const list = createHash('sha256')
    for (let at = 0; at < data.length; at += 1024 * 1024)
      list.update(
        createHash('sha256')
          .update(data.subarray(at, at + 1024 * 1024))
          .digest(),
      )
    expect(result.digest).toBe(list.digest('hex'))
  })
})
