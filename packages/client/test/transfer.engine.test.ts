import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ParleyError } from '../src/errors.js'
import { BlobFileSource } from '../src/transfer/BlobFileSource.js'
import { MemorySink } from '../src/transfer/browser/MemorySink.js'
import { FileReceiver, readOffer } from '../src/transfer/FileReceiver.js'
import { FileSender } from '../src/transfer/FileSender.js'
import { tsHashers } from '../src/transfer/hash.js'
import { encodeControl } from '../src/transfer/messages.js'
import { NodeFileSink } from '../src/transfer/node/NodeFileSink.js'
import { TransferChannel } from '../src/transfer/TransferChannel.js'
import { type MemoryChannel, memoryChannelPair } from './transfer/memoryChannel.js'
import { deferred, tempDir } from './transfer/support.js'

const hashers = tsHashers
const blob = (text: string, name: string) =>
  new BlobFileSource(new File([text], name, { type: 'text/plain', lastModified: 1_700_000_000_000 }))

/** A receiver for an offer read from `remote`. */
async function receiverOn(remote: MemoryChannel): Promise<FileReceiver> {
  return FileReceiver.fromChannel(remote.asChannel(), { hashers }, 5000)
}

function lastControl(channel: MemoryChannel): Record<string, unknown> | undefined {
  const texts = channel.sent.filter((f): f is string => typeof f === 'string')
  const last = texts[texts.length - 1]
  return last === undefined ? undefined : (JSON.parse(last) as Record<string, unknown>)
}

describe('transfer engine (in-memory channel)', () => {
  let dir: { path: string; remove: () => Promise<void> }
  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(() => dir.remove())

  it('moves two Blob files into Node sinks; the offer carries name, size, type and lastModified', async () => {
    const { local, remote } = memoryChannelPair('parley-file:t1')
    const sender = new FileSender({
      id: 't1',
      sources: [blob('hello', 'a.txt'), blob('world!', 'b.txt')],
      hashers,
    })
    sender.attach(local.asChannel())
    const receiver = await receiverOn(remote)
    expect(
      receiver.files.map(({ id, name, size, type, lastModified }) => ({
        id,
        name,
        size,
        type,
        lastModified,
      })),
    ).toEqual([
      { id: '0', name: 'a.txt', size: 5, type: 'text/plain', lastModified: 1_700_000_000_000 },
      { id: '1', name: 'b.txt', size: 6, type: 'text/plain', lastModified: 1_700_000_000_000 },
    ])
    await receiver.accept(() => new NodeFileSink({ dir: dir.path }))
    await Promise.all([sender.finished(), receiver.finished()])
    expect(await readFile(join(dir.path, 'a.txt'), 'utf8')).toBe('hello')
    expect(await readFile(join(dir.path, 'b.txt'), 'utf8')).toBe('world!')
    expect(receiver.progress).toMatchObject({ bytes: 11, totalBytes: 11, confirmedBytes: 11 })
  })

  it('progress on both sides, a file declined: every event equals the sums over the files not declined, names the active file, and ends at the accepted total', async () => {
    const { local, remote } = memoryChannelPair('parley-file:sums')
    const sizes = [700_000, 5, 300_000, 0, 64 * 1024]
    const sender = new FileSender({
      id: 'sums',
      sources: sizes.map((n, i) => blob('x'.repeat(n), `f${i}.bin`)),
      hashers,
      chunkSize: 16 * 1024,
      progressIntervalMs: 0,
    })
    sender.attach(local.asChannel())
    const receiver = await FileReceiver.fromChannel(
      remote.asChannel(),
      { hashers, progressIntervalMs: 0, checkpointBytes: 64 * 1024 },
      5000,
    )
    const wrong: string[] = []
    let events = 0
    for (const t of [sender, receiver]) {
      t.on('progress', (p) => {
        events++
        const counted = t.files.filter((f) => f.status !== 'declined')
        const bytes = counted.reduce((n, f) => n + f.bytes, 0)
        const total = counted.reduce((n, f) => n + f.size, 0)
        const active = t.files.find((f) => f.status === 'active')?.id
        if (p.bytes !== bytes || p.totalBytes !== total || p.fileId !== active) {
          wrong.push(`${t.direction}: ${JSON.stringify(p)} vs bytes ${bytes}, total ${total}, file ${active}`)
        }
        if (p.confirmedBytes > p.bytes)
          wrong.push(`${t.direction}: confirmed past bytes ${JSON.stringify(p)}`)
      })
    }
    await receiver.accept(() => new NodeFileSink({ dir: dir.path }), ['0', '2', '3', '4'])
    await Promise.all([sender.finished(), receiver.finished()])
    expect(wrong).toEqual([])
    expect(events).toBeGreaterThan(20)
    const accepted = 700_000 + 300_000 + 64 * 1024
    for (const t of [sender, receiver]) {
      expect(t.progress).toMatchObject({ bytes: accepted, totalBytes: accepted, confirmedBytes: accepted })
      expect(t.files.map((f) => f.status)).toEqual(['done', 'declined', 'done', 'done', 'done'])
    }
  })

  it('3,000 files in one offer cross channels that refuse frames over 256 KiB (as Chromium and libdatachannel do): the offer and the accept go in parts, every file arrives', async () => {
    const { local, remote } = memoryChannelPair('parley-file:many')
    local.maxMessageSize = remote.maxMessageSize = 256 * 1024
    const names = Array.from(
      { length: 3000 },
      (_, i) => `${String(i).padStart(4, '0')}-${'é'.repeat(40)}.txt`,
    )
    const sender = new FileSender({ id: 'many', sources: names.map((n, i) => blob(`#${i}`, n)), hashers })
    sender.attach(local.asChannel())
    const receiver = await receiverOn(remote)
    expect(receiver.files.map((f) => f.name)).toEqual(names)
    const sinks: MemorySink[] = []
    await receiver.accept(() => {
      const sink = new MemorySink()
      sinks.push(sink)
      return sink
    })
    await Promise.all([sender.finished(), receiver.finished()])
    expect(
      local.sent.filter((f) => typeof f === 'string' && f.startsWith('{"t":"part"')).length,
    ).toBeGreaterThan(1)
    expect(
      remote.sent.filter((f) => typeof f === 'string' && f.startsWith('{"t":"part"')).length,
    ).toBeGreaterThan(1)
    const texts = await Promise.all(sinks.map(async (s) => (await s.file()).text()))
    expect(texts).toEqual(names.map((_, i) => `#${i}`))
  }, 60_000)

  it('files that end within the checkpoint interval are never checkpointed, however long they waited in the write queue', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      const { local, remote } = memoryChannelPair('parley-file:small')
      const names = Array.from({ length: 20 }, (_, i) => `s${i}.txt`)
      const sender = new FileSender({
        id: 'small',
        sources: names.map((n) => blob(`small ${n}`, n)),
        hashers,
      })
      sender.attach(local.asChannel())
      const receiver = await FileReceiver.fromChannel(
        remote.asChannel(),
        { hashers, checkpointIntervalMs: 10_000 },
        5000,
      )
      // every file's messages received (the channel's own listener came first)
      let ends = 0
      const allReceived = new Promise<void>((resolve) =>
        remote.addEventListener('message', (e) => {
          if (String((e as MessageEvent).data).startsWith('{"t":"file-end"') && ++ends === names.length)
            resolve()
        }),
      )
      let checkpoints = 0
      const completing = deferred()
      const gate = deferred()
      let made = 0
      await receiver.accept(() => {
        const sink = new MemorySink()
        sink.checkpoint = async () => {
          checkpoints++
        }
        if (made++ === 0) {
          // the first file's end holds the write queue while the others queue up behind it
          const complete = sink.complete.bind(sink)
          sink.complete = async () => {
            completing.resolve()
            await gate.promise
            await complete()
          }
        }
        return sink
      })
      await Promise.all([completing.promise, allReceived])
      vi.setSystemTime(Date.now() + 60_000) // the queued files waited a minute
      gate.resolve()
      await Promise.all([sender.finished(), receiver.finished()])
      expect(checkpoints).toBe(0)
      expect(remote.sent.filter((f) => typeof f === 'string' && f.includes('"t":"progress"'))).toEqual([])
    } finally {
      vi.useRealTimers()
    }
  })

  it('accept() opens the sinks of many files several at a time, in file order; a failed open fails the transfer once every started open settled, and each sink is released', async () => {
    for (const failAt of [undefined, 13]) {
      const { local, remote } = memoryChannelPair('parley-file:opens')
      const names = Array.from({ length: 40 }, (_, i) => `o${i}.txt`)
      const sender = new FileSender({ id: 'opens', sources: names.map((n) => blob(n, n)), hashers })
      sender.attach(local.asChannel())
      const receiver = await receiverOn(remote)
      let inFlight = 0
      let most = 0
      const order: string[] = []
      const released = new Set<string>()
      const accepted = receiver.accept((meta) => {
        const sink = new MemorySink()
        const open = sink.open.bind(sink)
        sink.open = async (m) => {
          order.push(m.name)
          most = Math.max(most, ++inFlight)
          await new Promise((resolve) => setTimeout(resolve, 5))
          inFlight--
          if (m.name === `o${failAt}.txt`) throw new ParleyError('WRITE_FAILED', 'no room for this one')
          return open(m)
        }
        const discard = sink.discard.bind(sink)
        sink.discard = async () => {
          released.add(meta.name)
          await discard()
        }
        sink.close = async () => {
          released.add(meta.name)
        }
        return sink
      })
      if (failAt === undefined) {
        await accepted
        await Promise.all([sender.finished(), receiver.finished()])
        expect(order).toEqual(names)
      } else {
        await expect(accepted).rejects.toMatchObject({ code: 'WRITE_FAILED' })
        await expect(receiver.finished()).rejects.toMatchObject({ code: 'WRITE_FAILED' })
        await receiver.settled()
        expect(inFlight).toBe(0)
        // every sink made was released; none was made after the failure was seen
        expect([...released].sort()).toEqual([...order].sort())
        expect(order.length).toBeLessThan(names.length)
      }
      expect(most).toBeGreaterThan(1)
      expect(most).toBeLessThanOrEqual(8)
    }
  })

  it("a file's end (its sink's complete()) is stored behind the next files' writes: a slow one holds nobody; ends are still reported in file order", async () => {
    const { local, remote } = memoryChannelPair('parley-file:ends')
    const names = ['a.txt', 'b.txt', 'c.txt']
    const sender = new FileSender({
      id: 'ends',
      sources: names.map((n) => blob(`bytes of ${n}`, n)),
      hashers,
    })
    sender.attach(local.asChannel())
    const receiver = await receiverOn(remote)
    const gate = deferred()
    const lastWritten = deferred()
    const sinks: MemorySink[] = []
    await receiver.accept((meta) => {
      const sink = new MemorySink()
      sinks.push(sink)
      if (meta.name === 'a.txt') {
        const complete = sink.complete.bind(sink)
        sink.complete = async () => {
          await gate.promise
          await complete()
        }
      }
      if (meta.name === 'c.txt') {
        const write = sink.write.bind(sink)
        sink.write = async (chunk) => {
          await write(chunk)
          lastWritten.resolve()
        }
      }
      return sink
    })
    // the last file's bytes are written while the first file's end is still held
    await Promise.race([
      lastWritten.promise,
      new Promise((_, reject) => setTimeout(() => reject(new Error('c.txt waited for a.txt')), 5000)),
    ])
    // a.txt's end is held; b.txt's may be stored, but is reported only after a.txt's
    expect(receiver.files.map((f) => f.status)).toEqual(['active', 'active', 'active'])
    const done: string[] = []
    receiver.on('file', (f) => f.status === 'done' && done.push(f.name))
    gate.resolve()
    await Promise.all([sender.finished(), receiver.finished()])
    expect(done).toEqual(names)
    expect(await Promise.all(sinks.map(async (s) => (await s.file()).text()))).toEqual(
      names.map((n) => `bytes of ${n}`),
    )
  })

  it('a receiver fails with BAD_MESSAGE (and tells the sender) when data arrives outside a file', async () => {
    const { local, remote } = memoryChannelPair('parley-file:t2')
    local.send(
      encodeControl({
        t: 'offer',
        v: 1,
        transferId: 't2',
        files: [{ id: '0', name: 'x', size: 3, type: '', lastModified: 0 }],
      }),
    )
    const receiver = await receiverOn(remote)
    await receiver.accept(() => new NodeFileSink({ dir: dir.path }))
    local.send(new Uint8Array([1, 2, 3]))
    await expect(receiver.finished()).rejects.toMatchObject({ code: 'BAD_MESSAGE' })
    expect(lastControl(remote)).toMatchObject({ t: 'error', code: 'BAD_MESSAGE' })
  })

  it('a receiver fails with BAD_MESSAGE when a sender sends more bytes than the offered size', async () => {
    const { local, remote } = memoryChannelPair('parley-file:t3')
    local.send(
      encodeControl({
        t: 'offer',
        v: 1,
        transferId: 't3',
        files: [{ id: '0', name: 'x', size: 2, type: '', lastModified: 0 }],
      }),
    )
    const receiver = await receiverOn(remote)
    await receiver.accept(() => new NodeFileSink({ dir: dir.path }))
    local.send(encodeControl({ t: 'file', id: '0', offset: 0 }))
    local.send(new Uint8Array([1, 2, 3]))
    await expect(receiver.finished()).rejects.toMatchObject({
      code: 'BAD_MESSAGE',
      message: /more data than the file size/,
    })
    local.close() // the sender side closes after the error (settled() waits for the channel)
    await receiver.settled()
    expect(await readdir(dir.path)).toEqual([])
  })

  it('a receiver survives garbage frames: invalid JSON fails the transfer, the process stays up', async () => {
    const { local, remote } = memoryChannelPair('parley-file:t4')
    local.send(
      encodeControl({
        t: 'offer',
        v: 1,
        transferId: 't4',
        files: [{ id: '0', name: 'x', size: 2, type: '', lastModified: 0 }],
      }),
    )
    const receiver = await receiverOn(remote)
    remote.inject('{"t":"file","id":"0","offset":-1}')
    await expect(receiver.finished()).rejects.toMatchObject({ code: 'BAD_MESSAGE' })
  })

  it('a receiver fails with BAD_MESSAGE when parts add up to more than a control message may hold, a part holds a part, or a frame comes between parts', async () => {
    const offer = () =>
      encodeControl({
        t: 'offer',
        v: 1,
        transferId: 't9',
        files: [{ id: '0', name: 'x', size: 2, type: '', lastModified: 0 }],
      })
    const piece = 'x'.repeat(1024 * 1024)
    for (const frames of [
      [0, 1, 2, 3, 4].map(() => JSON.stringify({ t: 'part', s: piece })),
      [JSON.stringify({ t: 'part', s: JSON.stringify({ t: 'part', s: '{}', end: true }), end: true })],
      // a whole message between the parts of another (the second half alone would be valid JSON)
      [
        JSON.stringify({ t: 'part', s: '{"t":"pro' }),
        JSON.stringify({ t: 'cancel', reason: 'slipped in' }),
        JSON.stringify({ t: 'part', s: 'gress","id":"0","offset":1}', end: true }),
      ],
    ]) {
      const { local, remote } = memoryChannelPair('parley-file:t9')
      local.send(offer())
      const receiver = await receiverOn(remote)
      for (const frame of frames) remote.inject(frame)
      await expect(receiver.finished()).rejects.toMatchObject({ code: 'BAD_MESSAGE' })
    }
  })

  it('FileReceiver.fromChannel() rejects when the first frame is not an offer', async () => {
    const { local, remote } = memoryChannelPair('parley-file:t5')
    local.send(encodeControl({ t: 'pause' }))
    await expect(receiverOn(remote)).rejects.toMatchObject({
      code: 'BAD_MESSAGE',
      message: /expected an offer/,
    })
  })

  it('a sender fails with BAD_MESSAGE when the accept names files it did not offer', async () => {
    const { local, remote } = memoryChannelPair('parley-file:t6')
    const sender = new FileSender({ id: 't6', sources: [blob('x', 'x')], hashers })
    sender.attach(local.asChannel())
    const link = new TransferChannel(remote.asChannel())
    await readOffer(link, 5000)
    remote.send(encodeControl({ t: 'accept', files: [{ id: '7', offset: 0 }], declined: [], completed: [] }))
    await expect(sender.finished()).rejects.toMatchObject({ code: 'BAD_MESSAGE' })
  })

  it('a sender fails with BAD_MESSAGE when asked to resume beyond the end of the file', async () => {
    const { local, remote } = memoryChannelPair('parley-file:t7')
    const sender = new FileSender({ id: 't7', sources: [blob('xyz', 'x')], hashers })
    sender.attach(local.asChannel())
    const link = new TransferChannel(remote.asChannel())
    await readOffer(link, 5000)
    remote.send(encodeControl({ t: 'accept', files: [{ id: '0', offset: 4 }], declined: [], completed: [] }))
    await expect(sender.finished()).rejects.toMatchObject({ code: 'BAD_MESSAGE', message: /beyond the end/ })
  })

  it('a sender answers pause by stopping data until continue', async () => {
    const { local, remote } = memoryChannelPair('parley-file:t8')
    const data = 'x'.repeat(64 * 1024)
    const sender = new FileSender({ id: 't8', sources: [blob(data, 'x')], hashers, chunkSize: 1024 })
    sender.attach(local.asChannel(), { maxMessageSize: 1024 })
    const link = new TransferChannel(remote.asChannel())
    await readOffer(link, 5000)
    remote.send(encodeControl({ t: 'pause' }))
    await new Promise((r) => setImmediate(r))
    remote.send(encodeControl({ t: 'accept', files: [{ id: '0', offset: 0 }], declined: [], completed: [] }))
    await new Promise<void>((resolve) => sender.once('state', () => resolve()))
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
    const dataFrames = () => local.sent.filter((f) => typeof f !== 'string').length
    expect(dataFrames()).toBeLessThanOrEqual(4) // at most the read-ahead that was in hand
    remote.send(encodeControl({ t: 'continue' }))
    await new Promise<void>((resolve) => {
      const check = () => (dataFrames() === 64 ? resolve() : setTimeout(check, 5))
      check()
    })
    expect(lastControl(local)).toMatchObject({ t: 'file-end', id: '0' })
    sender.close()
  })
})
