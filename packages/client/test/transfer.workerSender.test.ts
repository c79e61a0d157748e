import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { hostFileSender, type SenderWorkerScope } from '../src/transfer/browser/SenderWorkerHost.js'
import type { FromSenderWorker, ToSenderWorker } from '../src/transfer/browser/senderWorkerMessages.js'
import { type SenderWorker, WorkerFileSender } from '../src/transfer/browser/WorkerFileSender.js'
import { FileReceiver, readOffer } from '../src/transfer/FileReceiver.js'
import { tsHashers } from '../src/transfer/hash.js'
import { NodeFileSink } from '../src/transfer/node/NodeFileSink.js'
import type { TransferState } from '../src/transfer/Transfer.js'
import { TransferChannel } from '../src/transfer/TransferChannel.js'
import { MemoryChannel, memoryChannelPair } from './transfer/memoryChannel.js'
import { tempDir } from './transfer/support.js'

/**
 * A dedicated worker stand-in: messages cross asynchronously (a macrotask each way), objects by
 * reference (so a "transferred" channel is the same object on both sides), terminate() stops both
 * directions. `onHost` decides what the worker's script does (hostFileSender by default).
 */
function fakeWorker(
  onHost: (scope: SenderWorkerScope) => void = (scope) =>
    hostFileSender(scope, { hashers: Promise.resolve(tsHashers) }),
) {
  const toPage = new EventTarget()
  const toWorker = new EventTarget()
  const log = { terminated: false, posted: [] as ToSenderWorker['t'][] }
  /** What a channel the page posts becomes in the worker (moved: the page keeps a husk). */
  const moved = new Map<object, RTCDataChannel>()
  const deliver = (target: EventTarget, data: unknown) =>
    setImmediate(() => {
      if (!log.terminated) target.dispatchEvent(new MessageEvent('message', { data }))
    })
  const scope: SenderWorkerScope = {
    postMessage: (message: FromSenderWorker) => deliver(toPage, message),
    addEventListener: (type, listener) => toWorker.addEventListener(type, listener as EventListener),
  }
  const worker: SenderWorker & { fail(message: string): void } = {
    postMessage: (message: ToSenderWorker) => {
      log.posted.push(message.t)
      const channel = message.t === 'attach' && message.channel ? moved.get(message.channel) : undefined
      deliver(toWorker, channel ? { ...message, channel } : message)
    },
    addEventListener: (type: 'message' | 'error', listener: (event: never) => void) =>
      toPage.addEventListener(type, listener as EventListener),
    terminate: () => {
      log.terminated = true
    },
    fail: (message) => toPage.dispatchEvent(Object.assign(new Event('error'), { message })),
  }
  onHost(scope)
  /** A page-side husk for `channel`: attach() it, and the worker gets `channel`. */
  const husk = (channel: RTCDataChannel): RTCDataChannel => {
    const h = Object.assign(new EventTarget(), { label: channel.label, readyState: 'open', close() {} })
    moved.set(h, channel)
    return h as unknown as RTCDataChannel
  }
  return { worker, log, husk }
}

const file = (bytes: number, name: string) => {
  const data = new Uint8Array(bytes)
  for (let i = 0; i < bytes; i++) data[i] = (i * 31 + bytes) & 0xff
  return new File([data], name, { type: 'application/octet-stream', lastModified: 1_700_000_000_000 })
}

function statesOf(sender: WorkerFileSender): TransferState[] {
  const states: TransferState[] = []
  sender.on('state', (s) => states.push(s))
  return states
}

const until = async (check: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}

describe('WorkerFileSender + hostFileSender (the sender in a dedicated worker)', () => {
  let dir: { path: string; remove: () => Promise<void> }
  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(() => dir.remove())

  /**
   * A 32 MiB transfer from a worker sender in 64 KiB chunks, on a first channel that `channelFor`
   * turns into what attach() gets (default: itself); resolves once the receiver confirmed 4 MiB.
   */
  async function midTransfer(id: string, worker: SenderWorker, channelFor = (c: RTCDataChannel) => c) {
    const sender = await WorkerFileSender.start({
      id,
      files: [file(32 << 20, `${id}.bin`)],
      worker: () => worker,
      chunkSize: 64 * 1024,
    })
    const first = memoryChannelPair(`parley-file:${id}`)
    const attached = channelFor(first.local.asChannel())
    sender.attach(attached)
    const receiver = await FileReceiver.fromChannel(
      first.remote.asChannel(),
      { hashers: tsHashers, checkpointBytes: 256 * 1024 },
      5000,
    )
    await receiver.accept(() => new NodeFileSink({ dir: dir.path }))
    await until(() => receiver.progress.confirmedBytes >= 4 << 20)
    return { sender, receiver, first, attached }
  }

  /** Resumes on a new channel pair: attach() on the sender's side, adopt() on the receiver's. */
  async function resumeOnNewChannel(
    id: string,
    sender: WorkerFileSender,
    receiver: FileReceiver,
    channelFor = (c: RTCDataChannel) => c,
  ) {
    const second = memoryChannelPair(`parley-file:${id}`)
    sender.attach(channelFor(second.local.asChannel()))
    const link = new TransferChannel(second.remote.asChannel())
    receiver.adopt(link, await readOffer(link, 5000))
    return second
  }

  it('sends two Files the page mirrors: states offered → active → done, verified digests, progress, attempts; the worker ends once the channel is closed', async () => {
    const { worker, log } = fakeWorker()
    const sender = await WorkerFileSender.start({
      id: 'w1',
      files: [file(300_000, 'a.bin'), file(5, 'b.bin')],
      worker: () => worker,
      chunkSize: 16 * 1024,
    })
    expect(sender.files.map((f) => [f.id, f.name, f.size])).toEqual([
      ['0', 'a.bin', 300_000],
      ['1', 'b.bin', 5],
    ])
    const states = statesOf(sender)
    const { local, remote } = memoryChannelPair('parley-file:w1')
    sender.attach(local.asChannel())
    const receiver = await FileReceiver.fromChannel(remote.asChannel(), { hashers: tsHashers }, 5000)
    await receiver.accept(() => new NodeFileSink({ dir: dir.path }))
    await Promise.all([sender.finished(), receiver.finished()])
    expect(states).toEqual(['active', 'done'])
    expect(sender.files.map((f) => [f.status, f.sha256])).toEqual(
      receiver.files.map((f) => ['done', f.sha256]),
    )
    expect(sender.progress).toMatchObject({ bytes: 300_005, totalBytes: 300_005, confirmedBytes: 300_005 })
    expect(sender.attempts.map((a) => [a.fileId, a.from, a.to])).toEqual([
      ['0', 0, 300_000],
      ['1', 0, 5],
    ])
    expect(sender.dataBytesSent).toBe(300_005)
    await until(() => log.terminated)
  })

  it('300 files: a progress message carries only the files that moved since the previous one (each file in about two in all), and the page still mirrors every file and the totals', async () => {
    const progressFiles: number[] = []
    const { worker } = fakeWorker((scope) =>
      hostFileSender(
        {
          postMessage: (m) => {
            if (m.t === 'progress') progressFiles.push(m.files.length)
            scope.postMessage(m)
          },
          addEventListener: (type, listener) => scope.addEventListener(type, listener),
        },
        { hashers: Promise.resolve(tsHashers) },
      ),
    )
    const files = Array.from({ length: 300 }, (_, i) => file(1000 + i, `f${i}.bin`))
    const sender = await WorkerFileSender.start({ id: 'w300', files, worker: () => worker })
    const { local, remote } = memoryChannelPair('parley-file:w300')
    sender.attach(local.asChannel())
    const receiver = await FileReceiver.fromChannel(remote.asChannel(), { hashers: tsHashers }, 5000)
    await receiver.accept(() => new NodeFileSink({ dir: dir.path }))
    await Promise.all([sender.finished(), receiver.finished()])
    // one message at each file's end at least, each file in about two of them (sent, verified):
    // with all 300 files in each message, that was 300 × 300 records cloned and applied
    expect(progressFiles.length).toBeGreaterThanOrEqual(300)
    expect(progressFiles.reduce((n, count) => n + count, 0)).toBeLessThanOrEqual(3 * 300)
    const total = files.reduce((n, f) => n + f.size, 0)
    await until(() => sender.progress.confirmedBytes === total)
    expect(sender.progress).toMatchObject({ bytes: total, totalBytes: total })
    expect(sender.files.every((f, i) => f.status === 'done' && f.bytes === files[i]!.size)).toBe(true)
    expect(sender.files.map((f) => f.sha256)).toEqual(receiver.files.map((f) => f.sha256))
  })

  it('cancel() on the page: the receiver sees the reason, the page is cancelled at once, the worker ends after its channel closed', async () => {
    const { worker, log } = fakeWorker()
    const sender = await WorkerFileSender.start({
      id: 'w2',
      files: [file(4 << 20, 'big.bin')],
      worker: () => worker,
    })
    const { local, remote } = memoryChannelPair('parley-file:w2')
    sender.attach(local.asChannel())
    const receiver = await FileReceiver.fromChannel(remote.asChannel(), { hashers: tsHashers }, 5000)
    await receiver.accept(() => new NodeFileSink({ dir: dir.path }))
    await until(() => sender.state === 'active')
    await sender.cancel('changed my mind')
    expect(sender.state).toBe('cancelled')
    await expect(receiver.finished()).rejects.toMatchObject({ code: 'CANCELLED', message: /changed my mind/ })
    await until(() => log.terminated)
    expect(local.readyState).toBe('closed')
  })

  it('the page closes the connection under the channel (a close event on it): the worker goes interrupted and the page emits channel-closed, again for a new channel dying before it opens; attach() with an open one resumes from the confirmed offset and ends done', {
    timeout: 30_000,
  }, async () => {
    const { worker } = fakeWorker()
    const { sender, receiver, first } = await midTransfer('w3', worker)
    let channelsClosed = 0
    sender.on('channel-closed', () => channelsClosed++)
    // what PeerLink does when it closes the connection: the channel's state stays, a close event fires
    first.local.dispatchEvent(new Event('close'))
    await until(() => sender.state === 'interrupted' && channelsClosed === 1)
    first.remote.close()
    await until(() => receiver.state === 'interrupted')
    // a channel on a connection being replaced: it never opens (no state change, still an event)
    const stillborn = new MemoryChannel('parley-file:w3')
    stillborn.readyState = 'connecting'
    sender.attach(stillborn.asChannel())
    stillborn.close()
    await until(() => channelsClosed === 2)
    expect(sender.state).toBe('interrupted')

    await resumeOnNewChannel('w3', sender, receiver)
    await Promise.all([sender.finished(), receiver.finished()])
    const [cut, resumed] = sender.attempts
    expect(sender.attempts).toHaveLength(2)
    expect(cut?.confirmed).toBeGreaterThanOrEqual(4 << 20)
    expect(cut?.to).toBeLessThan(32 << 20)
    expect(resumed?.from).toBeGreaterThanOrEqual(cut?.confirmed ?? Number.POSITIVE_INFINITY)
    expect(resumed?.to).toBe(32 << 20)
    expect(sender.files[0]?.sha256).toBe(receiver.files[0]?.sha256)
    expect(sender.files[0]?.sha256).toMatch(/^[0-9a-f]{64}$/)
  })

  it('the old connection closing after a resume (a close event on the first channel’s husk) leaves the current channel alone: the transfer ends done on it', {
    timeout: 30_000,
  }, async () => {
    const { worker, husk } = fakeWorker()
    const { sender, receiver, first, attached: firstHusk } = await midTransfer('w4', worker, husk)
    first.remote.close() // the connection is lost: the worker's channel closes by itself
    await until(() => sender.state === 'interrupted' && receiver.state === 'interrupted')

    const second = await resumeOnNewChannel('w4', sender, receiver, husk)
    await until(() => sender.state === 'active')
    // the page closes the old connection now: PeerLink's close event reaches the first husk only
    firstHusk.dispatchEvent(new Event('close'))
    await Promise.all([sender.finished(), receiver.finished()])
    expect(sender.attempts).toHaveLength(2)
    expect(second.local.readyState).toBe('closed') // closed at the end, by the sender
    expect(sender.files[0]?.sha256).toBe(receiver.files[0]?.sha256)
  })

  it('start() rejects with WORKER_FAILED when the worker cannot set up the sender, and terminates it', async () => {
    const { worker, log } = fakeWorker((scope) => {
      scope.addEventListener('message', () => scope.postMessage({ t: 'create-failed', message: 'no digest' }))
    })
    await expect(
      WorkerFileSender.start({ files: [file(1, 'x')], worker: () => worker }),
    ).rejects.toMatchObject({
      code: 'WORKER_FAILED',
      message: /no digest/,
    })
    expect(log.terminated).toBe(true)
  })

  it('a worker that fails after the start fails the transfer with WORKER_FAILED', async () => {
    const { worker, log } = fakeWorker()
    const sender = await WorkerFileSender.start({ files: [file(10, 'x')], worker: () => worker })
    worker.fail('out of memory')
    await expect(sender.finished()).rejects.toMatchObject({ code: 'WORKER_FAILED', message: /out of memory/ })
    expect(log.terminated).toBe(true)
  })
})
