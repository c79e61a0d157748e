/**
 * OpfsSink in Chromium with many files at once: the OPFS worker keeps a bounded number of sync
 * access handles open (each is an open file and an exclusive lock in the browser), closing the
 * least recently used and opening them again on demand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, openHarness, type ParleyGlobal } from '../media/browserHarness.js'

type W = Window & { Parley: ParleyGlobal }

describe('OpfsSink with many files', () => {
  let harness: Harness
  beforeAll(async () => {
    harness = await openHarness()
  })
  afterAll(async () => {
    await harness?.close()
  })

  it('150 sinks open at once hold at most 64 sync access handles, and each file written in turn (reopened as needed) completes byte for byte', async () => {
    const page = await harness.newPage()
    const result = await page.evaluate(async () => {
      const P = (window as unknown as W).Parley
      const count = 150
      const meta = (i: number) => ({ id: String(i), name: `f${i}.bin`, size: 2, type: '', lastModified: 1 })
      const sinks: InstanceType<typeof P.OpfsSink>[] = []
      for (let i = 0; i < count; i++) {
        const sink = new P.OpfsSink()
        await sink.open(meta(i))
        sinks.push(sink)
      }
      // an entry with a sync access handle open cannot be opened for writing from here
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(P.OPFS_ROOT)
      let entries = 0
      let locked = 0
      for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) {
        entries++
        const file = await dir.getFileHandle(name)
        try {
          await (await file.createWritable({ keepExistingData: true })).abort()
        } catch {
          locked++
        }
      }
      // every sink written in turn, byte by byte: each write may reopen a closed handle
      for (let round = 0; round < 2; round++) {
        for (const [i, sink] of sinks.entries()) await sink.write(new Uint8Array([(i + round) & 0xff]))
      }
      for (const sink of sinks) await sink.checkpoint(2)
      for (const sink of sinks) await sink.complete()
      const wrong: number[] = []
      for (const [i, sink] of sinks.entries()) {
        const bytes = new Uint8Array(await (await sink.file()).arrayBuffer())
        if (bytes.join() !== [i, i + 1].map((b) => b & 0xff).join()) wrong.push(i)
      }
      for (const sink of sinks) await sink.remove()
      return { entries, locked, wrong }
    })
    expect(result.entries).toBe(150) // each file (its sidecar comes with its first checkpoint)
    expect(result.locked).toBeLessThanOrEqual(64)
    expect(result.wrong).toEqual([])
  }, 120_000)

  it("an accept whose OPFS files do not fit the site's storage left fails with DISK_FULL at the file that does not fit, before anything is written", async () => {
    const page = await harness.newPage()
    const result = await page.evaluate(async () => {
      const P = (window as unknown as W).Parley
      // the real estimate first: a quota is known in Chromium
      const real = await P.SpaceBudget.ofOrigin()
      // every file to OPFS (a transfer of 1 B and more)
      const factory = P.createBrowserSinkFactory({
        memoryLimit: 1,
        storage: { estimate: async () => ({ quota: 2500, usage: 500 }) },
      })
      const context = { transferBytes: 3 * 1000 }
      const meta = (i: number) => ({
        id: String(i),
        name: `q${i}.bin`,
        size: 1000,
        type: '',
        lastModified: 1,
      })
      const opened: string[] = []
      let failure: { code: string | undefined; message: string } | undefined
      const sinks = []
      for (let i = 0; i < 3; i++) {
        const sink = await factory(meta(i), context)
        sinks.push(sink)
        try {
          await sink.open(meta(i))
          opened.push(meta(i).name)
        } catch (error) {
          failure = { code: (error as { code?: string }).code, message: (error as Error).message }
          break
        }
      }
      for (const sink of sinks) await sink.discard()
      return { realFree: real?.freeBytes ?? -1, opened, failure }
    })
    expect(result.realFree).toBeGreaterThan(0)
    expect(result.opened).toEqual(['q0.bin', 'q1.bin'])
    expect(result.failure).toEqual({
      code: 'DISK_FULL',
      message:
        "not enough space in this site's browser storage for q2.bin: it needs 1000 B, 0 B of the 2000 B free are left",
    })
  })

  it('after the OPFS directory of received files was deleted (site data cleared), the next sink makes it again and stores its file', async () => {
    const page = await harness.newPage()
    const text = await page.evaluate(async () => {
      const P = (window as unknown as W).Parley
      const meta = (name: string) => ({ id: '0', name, size: 2, type: '', lastModified: 1 })
      const first = new P.OpfsSink()
      await first.open(meta('one.bin'))
      await first.write(new Uint8Array([1, 2]))
      await first.complete()
      await first.remove()
      const root = await navigator.storage.getDirectory()
      await root.removeEntry(P.OPFS_ROOT, { recursive: true })
      const second = new P.OpfsSink()
      await second.open(meta('two.bin'))
      await second.write(new Uint8Array([3, 4]))
      await second.complete()
      const bytes = new Uint8Array(await (await second.file()).arrayBuffer())
      await second.remove()
      return [...bytes].join()
    })
    expect(text).toBe('3,4')
  })

  it('64 KiB writes reach the OPFS worker gathered 1 MiB at a time; a checkpoint writes what is gathered, close() drops what lies past the checkpoint, and the resumed file completes byte for byte', async () => {
    const page = await harness.newPage()
    const result = await page.evaluate(async () => {
      const P = (window as unknown as W).Parley
      // what the page posts to its workers: the size of every write handed to the OPFS worker
      const writes: number[] = []
      const post = Worker.prototype.postMessage
      Worker.prototype.postMessage = function (this: Worker, message: unknown, ...rest: never[]) {
        const m = message as { op?: string; bytes?: Uint8Array }
        if (m?.op === 'write' && m.bytes) writes.push(m.bytes.byteLength)
        return post.call(this, message, ...rest)
      } as typeof Worker.prototype.postMessage
      const MiB = 1024 * 1024
      const size = 3 * MiB + 12_345
      const meta = { id: '0', name: 'gathered.bin', size, type: '', lastModified: 7 }
      const byte = (i: number) => (i * 7 + 3) & 0xff
      const chunk = (from: number, length: number) => {
        const bytes = new Uint8Array(length)
        for (let i = 0; i < length; i++) bytes[i] = byte(from + i)
        return bytes
      }
      // first attempt: 1.5 MiB in 64 KiB chunks, a checkpoint there, 300,000 bytes more, close()
      const first = new P.OpfsSink()
      const openedAt = await first.open(meta)
      let at = 0
      for (; at < 1.5 * MiB; at += 64 * 1024) await first.write(chunk(at, 64 * 1024))
      await first.checkpoint(at)
      const writesBeforeCheckpoint = writes.length
      await first.write(chunk(at, 300_000))
      await first.close()
      // second attempt resumes at the checkpoint and writes the rest in 100,000-byte chunks
      const second = new P.OpfsSink()
      const resumedAt = await second.open(meta)
      for (at = resumedAt; at < size; at += 100_000)
        await second.write(chunk(at, Math.min(100_000, size - at)))
      await second.checkpoint(size)
      await second.complete()
      const stored = new Uint8Array(await (await second.file()).arrayBuffer())
      let wrong = -1
      for (let i = 0; i < stored.length && wrong < 0; i++) if (stored[i] !== byte(i)) wrong = i
      await second.remove()
      Worker.prototype.postMessage = post
      return { openedAt, resumedAt, writesBeforeCheckpoint, writes, storedBytes: stored.length, wrong }
    })
    const MiB = 1024 * 1024
    expect(result.openedAt).toBe(0)
    // 24 chunks of 64 KiB: one write of 1 MiB, then the half MiB gathered when the checkpoint came
    expect(result.writesBeforeCheckpoint).toBe(2)
    expect(result.writes.slice(0, 2)).toEqual([MiB, MiB / 2])
    // the 300,000 bytes after the checkpoint were never written: the resume starts at 1.5 MiB
    expect(result.resumedAt).toBe(1.5 * MiB)
    // the rest (1.5 MiB + 12,345 bytes) in 1 MiB writes and the remainder
    expect(result.writes.slice(2)).toEqual([MiB, MiB / 2 + 12_345])
    expect(result.storedBytes).toBe(3 * MiB + 12_345)
    expect(result.wrong).toBe(-1)
  }, 60_000)
})
