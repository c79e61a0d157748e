/**
 * FsAccessSink in Chromium, writing into a real FileSystemFileHandle. Headless Chromium shows no
 * save dialog, so the handle is one of the origin private file system's (the same interface, the
 * same writable stream: a swap file committed by close()).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, openHarness, type ParleyGlobal } from '../media/browserHarness.js'

type W = Window & { Parley: ParleyGlobal }

describe('FsAccessSink into a picked file', () => {
  let harness: Harness
  beforeAll(async () => {
    harness = await openHarness()
  })
  afterAll(async () => {
    await harness?.close()
  })

  it('64 KiB writes reach the file 1 MiB at a time and the file’s end in one write of its size; the completed file holds every byte in order', async () => {
    const page = await harness.newPage()
    const result = await page.evaluate(async () => {
      const P = (window as unknown as W).Parley
      // every write the sink makes into the file's writable stream: its size
      const writes: number[] = []
      const proto = FileSystemWritableFileStream.prototype
      const write = proto.write
      proto.write = function (this: FileSystemWritableFileStream, data: FileSystemWriteChunkType) {
        const d = data as { type?: string; data?: Uint8Array }
        if (d.type === 'write' && d.data) writes.push(d.data.byteLength)
        return write.call(this, data)
      }
      const MiB = 1024 * 1024
      const size = 3 * MiB + 12_345
      const meta = { id: '0', name: 'picked.bin', size, type: '', lastModified: 7 }
      const byte = (i: number) => (i * 7 + 3) & 0xff
      const chunk = (from: number, length: number) => {
        const bytes = new Uint8Array(length)
        for (let i = 0; i < length; i++) bytes[i] = byte(from + i)
        return bytes
      }
      const root = await navigator.storage.getDirectory()
      const handle = await root.getFileHandle('picked.bin', { create: true })
      const sink = new P.FsAccessSink(handle)
      const openedAt = await sink.open(meta)
      for (let at = 0; at < size; at += 64 * 1024) await sink.write(chunk(at, Math.min(64 * 1024, size - at)))
      const writesBeforeComplete = [...writes]
      await sink.complete()
      const stored = new Uint8Array(await (await sink.file()).arrayBuffer())
      let wrong = -1
      for (let i = 0; i < stored.length && wrong < 0; i++) if (stored[i] !== byte(i)) wrong = i
      proto.write = write
      await root.removeEntry('picked.bin')
      return { openedAt, writesBeforeComplete, writes, storedBytes: stored.length, wrong }
    })
    const MiB = 1024 * 1024
    expect(result.openedAt).toBe(0)
    // 3 MiB in three 1 MiB writes; the last 12,345 bytes filled a buffer of their own size
    expect(result.writesBeforeComplete).toEqual([MiB, MiB, MiB, 12_345])
    expect(result.writes).toEqual([MiB, MiB, MiB, 12_345])
    expect(result.storedBytes).toBe(3 * MiB + 12_345)
    expect(result.wrong).toBe(-1)
  }, 60_000)

  it('discard() after 2 MiB were written leaves the picked file as it was before, and a second discard() or close() does nothing', async () => {
    const page = await harness.newPage()
    const result = await page.evaluate(async () => {
      const P = (window as unknown as W).Parley
      const root = await navigator.storage.getDirectory()
      const handle = await root.getFileHandle('kept.txt', { create: true })
      const before = await handle.createWritable()
      await before.write('what the file held')
      await before.close()
      const sink = new P.FsAccessSink(handle)
      await sink.open({ id: '0', name: 'kept.txt', size: 8 * 1024 * 1024, type: '', lastModified: 1 })
      for (let i = 0; i < 32; i++) await sink.write(new Uint8Array(64 * 1024).fill(1))
      await sink.discard()
      await sink.discard()
      await sink.close()
      const text = await (await handle.getFile()).text()
      await root.removeEntry('kept.txt')
      return { text }
    })
    expect(result.text).toBe('what the file held')
  }, 60_000)
})
