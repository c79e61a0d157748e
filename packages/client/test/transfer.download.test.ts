/**
 * Service-worker streaming downloads without a browser: the Content-Disposition encoding, the
 * worker's chunk queue, the page's credit window, the whole page ↔ worker protocol over real
 * MessageChannels (back-pressure, end, abort, cancel by the browser, idle pages, unknown URLs),
 * the generated worker script, the sink under a real FileReceiver, and the browser sink choice.
 */
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import {
  BlobFileSource,
  CreditWindow,
  chooseBrowserSink,
  contentDisposition,
  createBrowserSinkFactory,
  createChunkQueue,
  FileReceiver,
  FileSender,
  MEMORY_SINK_LIMIT,
  MemorySink,
  ServiceWorkerDownloadSink,
  type ServiceWorkerDownloads,
  tsHashers,
} from '../src/index.js'
import { type FakeWorker, fakeDownloadWorker, readAll, SCOPE } from './transfer/fakeDownloadWorker.js'
import { memoryChannelPair } from './transfer/memoryChannel.js'

const MiB = 1024 * 1024
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms))

/** `size` bytes of a repeating pattern. */
function bytes(size: number, seed = 0): Uint8Array {
  const out = new Uint8Array(size)
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) & 255
  return out
}

/** The filename* value of a Content-Disposition header, decoded. */
function extendedName(header: string): string {
  const match = /filename\*=UTF-8''([^;\s]*)$/.exec(header)
  if (!match?.[1]) throw new Error(`no filename* in ${header}`)
  return decodeURIComponent(match[1])
}

describe('contentDisposition', () => {
  it('gives an attachment with an ASCII fallback and the exact name as RFC 8187 filename*', () => {
    expect(contentDisposition('report.pdf')).toBe(
      `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`,
    )
    expect(contentDisposition('résumé 2026.pdf')).toBe(
      `attachment; filename="r_sum_ 2026.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%202026.pdf`,
    )
    expect(contentDisposition(`it's (a) "quote" \\ 100%*.txt`)).toBe(
      `attachment; filename="it's (a) _quote_ _ 100_*.txt"; filename*=UTF-8''it%27s%20%28a%29%20%22quote%22%20%5C%20100%25%2A.txt`,
    )
    expect(extendedName(contentDisposition('🎉 party.mov'))).toBe('🎉 party.mov')
    expect(contentDisposition('')).toBe(`attachment; filename="download"; filename*=UTF-8''download`)
  })

  it('replaces lone surrogates instead of throwing', () => {
    expect(extendedName(contentDisposition('a\uD800b.txt'))).toBe('a\uFFFDb.txt')
    expect(extendedName(contentDisposition('a\uDC00.txt'))).toBe('a\uFFFD.txt')
  })

  it('for any name: an ASCII header whose filename* uses only attr-chars and decodes back to the name', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }), (name) => {
        const header = contentDisposition(name)
        expect(header).toMatch(/^[\x20-\x7e]*$/)
        const value = /filename\*=UTF-8''(.*)$/.exec(header)?.[1] ?? ''
        expect(value).toMatch(/^(?:[A-Za-z0-9!#$&+\-.^_`|~]|%[0-9A-F]{2})+$/)
        expect(decodeURIComponent(value)).toBe(name)
        const fallback = /filename="([^"]*)"/.exec(header)?.[1] ?? ''
        expect(fallback).not.toMatch(/["\\%]/)
      }),
    )
  })
})

describe('chunk queue (worker side)', () => {
  it('hands out chunks in order, waits for the next one, and ends with null', async () => {
    const q = createChunkQueue()
    q.push(bytes(3))
    q.push(bytes(5))
    expect(q.bytes).toBe(8)
    expect((await q.next())?.byteLength).toBe(3)
    expect(q.bytes).toBe(5)
    expect((await q.next())?.byteLength).toBe(5)
    const waiting = q.next()
    q.push(bytes(7))
    expect((await waiting)?.byteLength).toBe(7)
    const last = q.next()
    q.end()
    expect(await last).toBeNull()
    q.push(bytes(1)) // ignored after end
    expect(await q.next()).toBeNull()
  })

  it('end() lets the queued chunks out first', async () => {
    const q = createChunkQueue()
    q.push(bytes(2))
    q.end()
    expect((await q.next())?.byteLength).toBe(2)
    expect(await q.next()).toBeNull()
  })

  it('fail() drops the queue and rejects the waiting and every later next()', async () => {
    const q = createChunkQueue()
    const waiting = q.next()
    q.fail(new Error('stop'))
    await expect(waiting).rejects.toThrow('stop')
    q.push(bytes(4))
    expect(q.bytes).toBe(0)
    await expect(q.next()).rejects.toThrow('stop')
  })

  it('has one reader at a time', async () => {
    const q = createChunkQueue()
    void q.next()
    await expect(q.next()).rejects.toThrow('one reader')
  })
})

describe('credit window (page side)', () => {
  it('lets bytes out up to the window, then waits for acknowledgements, in order', async () => {
    const w = new CreditWindow(10)
    await w.acquire(4)
    await w.acquire(6)
    expect(w.inFlight).toBe(10)
    const order: string[] = []
    const a = w.acquire(3).then(() => order.push('a'))
    const b = w.acquire(1).then(() => order.push('b'))
    await tick()
    expect(order).toEqual([])
    expect(w.waiting).toBe(2)
    w.release(2) // 8 in flight: a (3) does not fit, and b waits behind it
    await tick()
    expect(order).toEqual([])
    w.release(4) // 4 in flight: a and b fit
    await Promise.all([a, b])
    expect(order).toEqual(['a', 'b'])
    expect(w.inFlight).toBe(8)
  })

  it('lets a chunk larger than the window go alone', async () => {
    const w = new CreditWindow(10)
    await w.acquire(25)
    const next = w.acquire(1)
    let done = false
    void next.then(() => {
      done = true
    })
    await tick()
    expect(done).toBe(false)
    w.release(25)
    await next
    expect(w.inFlight).toBe(1)
  })

  it('rejects waiting and later writers after fail(), and refuses acknowledgements of bytes never sent', async () => {
    const w = new CreditWindow(4)
    await w.acquire(4)
    expect(() => w.release(5)).toThrow(expect.objectContaining({ code: 'BAD_MESSAGE' }))
    const waiting = w.acquire(1)
    w.fail(new Error('gone'))
    await expect(waiting).rejects.toThrow('gone')
    await expect(w.acquire(1)).rejects.toThrow('gone')
    expect(() => new CreditWindow(0)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})

describe('page ↔ download worker over MessageChannels', () => {
  let worker: FakeWorker | undefined
  afterEach(() => {
    worker?.downloads.close()
    worker = undefined
  })

  it('streams a file as an attachment with its length, and end() resolves once the browser read every byte', async () => {
    worker = fakeDownloadWorker()
    const stream = await worker.downloads.start({ name: 'dir/résumé.pdf', size: 3 * MiB + 5 })
    const response = await worker.responses[0]!
    expect(response.status).toBe(200)
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="r_sum_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`,
    )
    expect(response.headers.get('content-length')).toBe(String(3 * MiB + 5))
    expect(response.headers.get('content-type')).toBe('application/octet-stream')
    const source = bytes(3 * MiB + 5, 7)
    const received = readAll(response.body!)
    for (let at = 0; at < source.byteLength; at += 256 * 1024) {
      await stream.write(source.slice(at, at + 256 * 1024))
    }
    await stream.end()
    expect(stream.state).toBe('closed')
    expect(Buffer.from(await received).equals(Buffer.from(source))).toBe(true)
    expect(worker.downloads.active).toBe(0)
  })

  it('back-pressure: write() waits while the browser does not read; the worker never queues more than the window', async () => {
    worker = fakeDownloadWorker({ windowBytes: MiB })
    const stream = await worker.downloads.start({ name: 'big.bin', size: 64 * MiB })
    const response = await worker.responses[0]!
    const chunk = 256 * 1024
    let written = 0
    const writer = (async () => {
      for (let i = 0; i < 256; i++) {
        await stream.write(bytes(chunk, i))
        written += chunk
      }
      await stream.end()
    })()
    await tick(50)
    // nobody reads: the page stops at the window (1 MiB), whatever the file size
    expect(written).toBe(MiB)
    expect(stream.inFlight).toBe(MiB)
    const reader = response.body!.getReader()
    let read = 0
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      read += r.value.byteLength
      expect(written - read).toBeLessThanOrEqual(MiB)
    }
    await writer
    expect(read).toBe(64 * MiB)
    expect(worker.maxQueued()).toBeLessThanOrEqual(MiB)
  })

  it('abort() errors the download in the browser and rejects later writes', async () => {
    worker = fakeDownloadWorker()
    const stream = await worker.downloads.start({ name: 'a.bin', size: 10 * MiB })
    const reader = (await worker.responses[0]!).body!.getReader()
    await stream.write(bytes(1000))
    expect((await reader.read()).value?.byteLength).toBe(1000)
    stream.abort('cancelled by the sender')
    expect(stream.state).toBe('aborted')
    await expect(reader.read()).rejects.toThrow('cancelled by the sender')
    await expect(stream.write(bytes(10))).rejects.toMatchObject({ code: 'CANCELLED' })
    stream.abort('again') // idempotent
  })

  it('the browser cancelling the download (the person cancelled it) rejects the writer with CANCELLED', async () => {
    worker = fakeDownloadWorker({ windowBytes: 64 * 1024 })
    const stream = await worker.downloads.start({ name: 'a.bin', size: 10 * MiB })
    const body = (await worker.responses[0]!).body!
    await stream.write(bytes(64 * 1024))
    const blocked = stream.write(bytes(64 * 1024))
    await body.cancel('user cancelled')
    await expect(blocked).rejects.toMatchObject({ code: 'CANCELLED' })
    expect(stream.state).toBe('failed')
  })

  it('a page that goes silent (no data, no keep-alive) has its download failed by the worker; keep-alives prevent it', async () => {
    worker = fakeDownloadWorker({ config: { idleTimeoutMs: 200 }, keepAliveMs: 50 })
    const kept = await worker.downloads.start({ name: 'kept.bin', size: 10 })
    await tick(500)
    expect(kept.state).toBe('streaming')
    kept.abort()
    const silent = fakeDownloadWorker({ config: { idleTimeoutMs: 200 }, keepAliveMs: 60_000 })
    const stream = await silent.downloads.start({ name: 'a.bin', size: 10 })
    const reader = (await silent.responses[0]!).body!.getReader()
    await expect(reader.read()).rejects.toThrow('the page stopped sending')
    await tick(10)
    expect(stream.state).toBe('failed')
    await expect(stream.write(bytes(1))).rejects.toMatchObject({ code: 'WRITE_FAILED' })
    silent.downloads.close()
  })

  it('answers unknown, reused and non-GET download URLs with 404 and leaves URLs outside its scope alone', async () => {
    worker = fakeDownloadWorker()
    expect((await worker.fetch(`${SCOPE}AAAAAAAAAAAAAAAAAAAAAA/x.bin`))?.status).toBe(404)
    expect(await worker.fetch('http://localhost:8080/r/room')).toBeUndefined()
    expect(await worker.fetch('http://elsewhere.example/_parley/dl/x')).toBeUndefined()
    const stream = await worker.downloads.start({ name: 'once.bin', size: 1 })
    const url = `${SCOPE}${stream.id}/once.bin`
    expect((await worker.fetch(url))?.status).toBe(404) // single use: already answered
    stream.abort()
  })

  it('refuses invalid registrations', async () => {
    worker = fakeDownloadWorker()
    const { port1, port2 } = new MessageChannel()
    const answer = new Promise((resolve) => {
      port1.onmessage = (e) => resolve(e.data)
    })
    worker.message({ t: 'parley-download', v: 1, id: '../etc', name: 'x', size: 1 }, [port2])
    expect(await answer).toEqual({ t: 'failed', reason: 'invalid download request' })
    port1.close()
  })

  it('start() fails with WRITE_FAILED when the browser never requests the download', async () => {
    worker = fakeDownloadWorker({ navigate: () => () => {}, startTimeoutMs: 100 })
    await expect(worker.downloads.start({ name: 'a.bin', size: 1 })).rejects.toMatchObject({
      code: 'WRITE_FAILED',
    })
    expect(worker.downloads.active).toBe(0)
  })

  it('the generated worker script (evaluated as text) speaks the same protocol', async () => {
    worker = fakeDownloadWorker({ fromSource: true })
    const stream = await worker.downloads.start({ name: 'ünïcode.bin', size: 300_000 })
    const response = await worker.responses[0]!
    expect(response.headers.get('content-disposition')).toContain(`filename*=UTF-8''%C3%BCn%C3%AFcode.bin`)
    const received = readAll(response.body!)
    const source = bytes(300_000, 3)
    await stream.write(source.slice(0, 100_000))
    await stream.write(source.slice(100_000))
    await stream.end()
    expect(Buffer.from(await received).equals(Buffer.from(source))).toBe(true)
  })
})

describe('ServiceWorkerDownloadSink under a FileReceiver', () => {
  const file = (data: Uint8Array, name: string) =>
    new BlobFileSource(new File([data as Uint8Array<ArrayBuffer>], name, { lastModified: 1_700_000_000_000 }))

  it('a received file streams into the download with the same bytes; the download ends when the transfer is done', async () => {
    const worker = fakeDownloadWorker({ windowBytes: 512 * 1024 })
    const data = bytes(5 * MiB + 3, 9)
    const { local, remote } = memoryChannelPair('parley-file:sw1')
    const sender = new FileSender({
      id: 'sw1',
      sources: [file(data, 'clip.bin')],
      hashers: tsHashers,
    })
    sender.attach(local.asChannel())
    const receiver = await FileReceiver.fromChannel(remote.asChannel(), { hashers: tsHashers })
    await receiver.accept(() => new ServiceWorkerDownloadSink(worker.downloads))
    const downloaded = await readAll((await worker.responses[0]!).body!)
    await Promise.all([sender.finished(), receiver.finished()])
    expect(Buffer.from(downloaded).equals(Buffer.from(data))).toBe(true)
    await expect(receiver.save('0')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' }) // nothing to save
    worker.downloads.close()
  })

  it('the chunks of a transfer reach the download worker gathered 1 MiB at a time (the file’s end in one message of its size)', async () => {
    const worker = fakeDownloadWorker()
    const data = bytes(3 * MiB + 5, 4)
    const { local, remote } = memoryChannelPair('parley-file:sw4')
    const sender = new FileSender({ id: 'sw4', sources: [file(data, 'gathered.bin')], hashers: tsHashers })
    sender.attach(local.asChannel())
    const receiver = await FileReceiver.fromChannel(remote.asChannel(), { hashers: tsHashers })
    await receiver.accept(() => new ServiceWorkerDownloadSink(worker.downloads))
    const reader = (await worker.responses[0]!).body!.getReader()
    const sizes: number[] = []
    for (let r = await reader.read(); !r.done; r = await reader.read()) sizes.push(r.value.byteLength)
    await Promise.all([sender.finished(), receiver.finished()])
    expect(sizes).toEqual([MiB, MiB, MiB, 5])
    worker.downloads.close()
  })

  it('a transfer cancelled mid-way errors the download (the browser marks it failed)', async () => {
    const worker = fakeDownloadWorker({ windowBytes: 256 * 1024 })
    const { local, remote } = memoryChannelPair('parley-file:sw2')
    const sender = new FileSender({
      id: 'sw2',
      sources: [file(bytes(8 * MiB), 'big.bin')],
      hashers: tsHashers,
    })
    sender.attach(local.asChannel())
    const receiver = await FileReceiver.fromChannel(remote.asChannel(), { hashers: tsHashers })
    await receiver.accept(() => new ServiceWorkerDownloadSink(worker.downloads))
    const reader = (await worker.responses[0]!).body!.getReader()
    let read = 0
    const reading = (async () => {
      for (;;) {
        const r = await reader.read()
        if (r.done) return 'done'
        read += r.value.byteLength
        if (read >= MiB && sender.state === 'active') void sender.cancel('changed my mind')
      }
    })()
    await expect(reading).rejects.toThrow()
    await expect(receiver.finished()).rejects.toMatchObject({ code: 'CANCELLED' })
    expect(receiver.state).toBe('cancelled')
    expect(read).toBeLessThan(8 * MiB)
    worker.downloads.close()
  })

  it('an integrity failure errors the download', async () => {
    const worker = fakeDownloadWorker()
    const { local, remote } = memoryChannelPair('parley-file:sw3')
    const sender = new FileSender({
      id: 'sw3',
      sources: [file(bytes(MiB), 'x.bin')],
      hashers: tsHashers,
      mutateChunk: (_id, offset, chunk) => {
        if (offset > 0) return chunk
        const copy = chunk.slice()
        copy[0] = (copy[0] ?? 0) ^ 1
        return copy
      },
    })
    sender.attach(local.asChannel())
    const receiver = await FileReceiver.fromChannel(remote.asChannel(), { hashers: tsHashers })
    await receiver.accept(() => new ServiceWorkerDownloadSink(worker.downloads))
    const body = readAll((await worker.responses[0]!).body!)
    await expect(body).rejects.toThrow('discarded')
    await expect(receiver.finished()).rejects.toMatchObject({ code: 'INTEGRITY' })
    worker.downloads.close()
  })
})

describe('browser sink choice', () => {
  const limit = MEMORY_SINK_LIMIT
  const big = limit
  const small = limit - 1

  it('OPFS for large files, the service worker when OPFS is missing, memory for small files, else none', () => {
    const table: [boolean, boolean, number, string][] = [
      // opfs, service worker, size → kind
      [true, true, big, 'opfs'],
      [true, false, big, 'opfs'],
      [true, true, small, 'memory'],
      [true, false, small, 'memory'],
      [false, true, big, 'service-worker'],
      [false, true, small, 'service-worker'],
      [false, true, 100 * 1024 * MiB, 'service-worker'],
      [false, false, small, 'memory'],
      [false, false, big, 'none'],
    ]
    for (const [opfs, serviceWorker, size, kind] of table) {
      expect(
        chooseBrowserSink(size, { opfs, serviceWorker, memoryLimit: limit }),
        `${opfs} ${serviceWorker} ${size}`,
      ).toBe(kind)
    }
  })

  it('chooseBrowserSink with the size of the whole transfer: a small file of a transfer of 64 MiB or more goes to OPFS (it survives a reload); without OPFS the file alone decides, as before', () => {
    const table: [boolean, boolean, number, number, string][] = [
      // opfs, service worker, size, transfer bytes → kind
      [true, false, small, big, 'opfs'],
      [true, true, 1, big, 'opfs'],
      [true, false, small, small, 'memory'],
      [true, false, 1, big - 1, 'memory'],
      [false, false, small, 10 * big, 'memory'],
      [false, true, small, big, 'service-worker'],
      [false, false, big, big, 'none'],
    ]
    for (const [opfs, serviceWorker, size, transferBytes, kind] of table) {
      expect(
        chooseBrowserSink(size, { opfs, serviceWorker, memoryLimit: limit }, transferBytes),
        `${opfs} ${serviceWorker} ${size} ${transferBytes}`,
      ).toBe(kind)
    }
  })

  it('the factory (Node: no OPFS) gives service-worker sinks when the worker is available, memory sinks for small files, and STORAGE_UNAVAILABLE otherwise', () => {
    const meta = (size: number) => ({ id: '0', name: 'f.bin', size, type: '', lastModified: 0 })
    const downloads = { available: true } as ServiceWorkerDownloads
    expect(createBrowserSinkFactory({ serviceWorkerDownloads: downloads })(meta(big))).toBeInstanceOf(
      ServiceWorkerDownloadSink,
    )
    const gone = { available: false } as ServiceWorkerDownloads
    expect(createBrowserSinkFactory({ serviceWorkerDownloads: gone })(meta(small))).toBeInstanceOf(MemorySink)
    expect(() => createBrowserSinkFactory({ serviceWorkerDownloads: gone })(meta(big))).toThrow(
      expect.objectContaining({ code: 'STORAGE_UNAVAILABLE' }),
    )
    expect(() => createBrowserSinkFactory({ memoryLimit: 10 })(meta(10))).toThrow(
      expect.objectContaining({ code: 'STORAGE_UNAVAILABLE' }),
    )
  })
})
