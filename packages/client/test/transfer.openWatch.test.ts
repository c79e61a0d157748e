import { afterEach, describe, expect, it, vi } from 'vitest'
import { BlobFileSource } from '../src/transfer/BlobFileSource.js'
import { MemorySink } from '../src/transfer/browser/MemorySink.js'
import { FileReceiver } from '../src/transfer/FileReceiver.js'
import { FileSender } from '../src/transfer/FileSender.js'
import { tsHashers } from '../src/transfer/hash.js'
import { MemoryChannel, memoryChannelPair } from './transfer/memoryChannel.js'
import { waitForState } from './transfer/support.js'

const source = () => new BlobFileSource(new File(['hello'], 'a.txt', { type: 'text/plain' }))

const channelClosed = (sender: FileSender) =>
  new Promise<void>((resolve) => sender.on('channel-closed', () => resolve()))

describe('FileSender and a channel that is still opening', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('attach(): a channel that opens without an open event reaching the sender still gets the offer', async () => {
    const { local, remote } = memoryChannelPair('parley-file:w1')
    local.readyState = 'connecting'
    const sender = new FileSender({ id: 'w1', sources: [source()], hashers: tsHashers })
    sender.attach(local.asChannel())
    // the state moves on, the event is lost (as seen with a channel moved to a worker)
    local.readyState = 'open'
    const receiver = await FileReceiver.fromChannel(remote.asChannel(), { hashers: tsHashers }, 5000)
    expect(receiver.files.map((f) => f.name)).toEqual(['a.txt'])
    expect(sender.state).toBe('offered')
    sender.close()
    receiver.close()
  })

  it('attach(): a channel that neither opens nor closes is given up after openTimeoutMs: closed, interrupted, channel-closed', async () => {
    const stuck = new MemoryChannel('parley-file:w2')
    stuck.readyState = 'connecting'
    const sender = new FileSender({ id: 'w2', sources: [source()], hashers: tsHashers, openTimeoutMs: 300 })
    const lost = channelClosed(sender)
    sender.attach(stuck.asChannel())
    await lost
    expect(sender.state).toBe('interrupted')
    expect(stuck.readyState).toBe('closed')
    sender.close()
  })

  it('attach() again before the timeout: the first channel is not given up later (one channel-closed, none for it)', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] })
    const first = new MemoryChannel('parley-file:w3')
    first.readyState = 'connecting'
    const sender = new FileSender({ id: 'w3', sources: [source()], hashers: tsHashers, openTimeoutMs: 300 })
    let closedEvents = 0
    sender.on('channel-closed', () => closedEvents++)
    sender.attach(first.asChannel())
    const { local, remote } = memoryChannelPair('parley-file:w3')
    sender.attach(local.asChannel())
    const receiver = await FileReceiver.fromChannel(remote.asChannel(), { hashers: tsHashers }, 5000)
    // well past the first channel's timeout (the watch's clock and interval are faked)
    vi.advanceTimersByTime(1000)
    expect(closedEvents).toBe(0)
    expect(sender.state).toBe('offered')
    sender.close()
    receiver.close()
  })
})

describe('FileSender and a channel that refuses the offer', () => {
  it('attach(): an open channel whose send throws is given up (closed, interrupted, channel-closed, the error logged); attach() again with a working one completes', async () => {
    const warnings: unknown[][] = []
    const logger = {
      debug: () => {},
      info: () => {},
      warn: (...a: unknown[]) => warnings.push(a),
      error: () => {},
    }
    const refusing = new MemoryChannel('parley-file:w4')
    refusing.send = () => {
      throw new DOMException('Failure to send data', 'OperationError')
    }
    const sender = new FileSender({ id: 'w4', sources: [source()], hashers: tsHashers, logger })
    const lost = channelClosed(sender)
    sender.attach(refusing.asChannel())
    await lost
    expect(sender.state).toBe('interrupted')
    expect(refusing.readyState).toBe('closed')
    expect(JSON.stringify(warnings)).toContain('OperationError: Failure to send data')

    const { local, remote } = memoryChannelPair('parley-file:w4')
    sender.attach(local.asChannel())
    const receiver = await FileReceiver.fromChannel(remote.asChannel(), { hashers: tsHashers }, 5000)
    await receiver.accept(() => new MemorySink())
    await Promise.all([sender.finished(), receiver.finished()])
    expect(sender.state).toBe('done')
  })
})

describe('FileSender and a channel that closes with a full buffer', () => {
  it('a channel that closes while bufferedAmount is over the high-water mark (browsers keep it after the close): the sender goes interrupted and its send loop stops, timers still run; attach() again completes', async () => {
    const bytes = new Uint8Array(8 * 1024 * 1024).map((_, i) => i % 251)
    const file = new File([bytes], 'full.bin', { type: 'application/octet-stream' })
    const first = memoryChannelPair('parley-file:w5')
    const sender = new FileSender({ id: 'w5', sources: [new BlobFileSource(file)], hashers: tsHashers })
    sender.attach(first.local.asChannel())
    const receiver = await FileReceiver.fromChannel(first.remote.asChannel(), { hashers: tsHashers }, 5000)
    // The buffer looks full from the start, and stays so after the close (as in Chromium). A send
    // loop spinning on the closed channel would starve the event loop: after many reads the getter
    // lets it out (reports 0), so that the test fails on the count instead of hanging.
    let readsAfterClose = 0
    Object.defineProperty(first.local, 'bufferedAmount', {
      get(this: MemoryChannel): number {
        if (this.readyState === 'closed' && ++readsAfterClose > 10_000) return 0
        return 1024 * 1024 * 1024
      },
    })
    // the sender is in its send loop once the receiver saw the file start (no byte can follow)
    const started = new Promise<void>((resolve) =>
      receiver.on('file', (f) => {
        if (f.status === 'active') resolve()
      }),
    )
    await receiver.accept(() => new MemorySink())
    await started
    first.local.close()
    await waitForState(sender, 'interrupted', 5000)
    // a send loop spinning on the closed channel would starve every timer: this one must fire
    await new Promise<void>((resolve) => setTimeout(resolve, 10))
    expect(sender.state).toBe('interrupted')
    expect(readsAfterClose).toBeLessThan(10)
    receiver.close()

    const second = memoryChannelPair('parley-file:w5')
    sender.attach(second.local.asChannel())
    const again = await FileReceiver.fromChannel(second.remote.asChannel(), { hashers: tsHashers }, 5000)
    await again.accept(() => new MemorySink())
    await Promise.all([sender.finished(), again.finished()])
    expect(sender.state).toBe('done')
  })
})
