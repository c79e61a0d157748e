import { describe, expect, it } from 'vitest'
import { isParleyError } from '../src/errors.js'
import { silentLogger } from '../src/Logger.js'
import { channelInit, PresetChannel } from '../src/PresetChannel.js'
import { FakeDataChannel } from './support/FakeDataChannel.js'

function setup(settings = {}) {
  const received: unknown[] = []
  const controls: unknown[] = []
  let opens = 0
  const events = {
    onMessage: (m: unknown) => received.push(m),
    onControl: (m: unknown) => controls.push(m),
    onOpen: () => {
      opens++
    },
  }
  const sender = new PresetChannel('reliable', settings, events, silentLogger)
  const receiver = new PresetChannel('reliable', settings, events, silentLogger)
  const a = new FakeDataChannel()
  const b = new FakeDataChannel()
  a.peer = b
  b.peer = a
  sender.attach(a.asChannel(), () => 1000)
  receiver.attach(b.asChannel(), () => 1000)
  return { sender, receiver, a, b, received, controls, opens: () => opens }
}

/** Resolves after pending promise callbacks ran (no timers involved). */
const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve()
}

describe('channel presets', () => {
  it('reliable is ordered, unreliable is unordered with 0 retransmits, partial is bounded', () => {
    expect(channelInit('reliable')).toEqual({ negotiated: true, id: 0, ordered: true })
    expect(channelInit('unreliable')).toEqual({ negotiated: true, id: 1, ordered: false, maxRetransmits: 0 })
    expect(channelInit('partial')).toEqual({ negotiated: true, id: 2, ordered: false, maxRetransmits: 3 })
    expect(channelInit('partial', { partial: { maxPacketLifeTime: 150, ordered: true } })).toEqual({
      negotiated: true,
      id: 2,
      ordered: true,
      maxPacketLifeTime: 150,
    })
  })
})

describe('PresetChannel', () => {
  it('send() waits for the channel to open, then delivers JSON and bytes to the other side', async () => {
    const { sender, a, b, received } = setup()
    const pending = sender.send({ hello: 'world' })
    const pendingBytes = sender.send(new Uint8Array([1, 2, 3]))
    let settled = false
    void pending.then(() => {
      settled = true
    })
    await flush()
    expect(settled).toBe(false)
    b.open()
    a.open()
    await pending
    await pendingBytes
    expect(received).toEqual([{ hello: 'world' }, new Uint8Array([1, 2, 3])])
  })

  it('chunks messages above the max-message-size and the receiver reassembles them', async () => {
    const { sender, a, b, received } = setup()
    a.open()
    b.open()
    const big = Uint8Array.from({ length: 10_000 }, (_, i) => i % 251)
    const text = { text: 'x'.repeat(5000) }
    await sender.send(big)
    await sender.send(text)
    expect(a.sent.length).toBeGreaterThanOrEqual(16) // 15 000 bytes in frames of ≤ 1000 bytes
    expect(a.sent.every((f) => (typeof f === 'string' ? f.length : f.byteLength) <= 1000)).toBe(true)
    expect(received).toEqual([big, text])
  })

  it('waits for bufferedamountlow above the high-water mark instead of failing', async () => {
    const { sender, a, b } = setup({ highWaterMark: 2000, lowWaterMark: 500 })
    a.open()
    b.open()
    expect(a.bufferedAmountLowThreshold).toBe(500)
    const done = sender.send(new Uint8Array(8000))
    let settled = false
    void done.then(() => {
      settled = true
    })
    await flush()
    // frames stop once more than 2000 bytes are buffered
    expect(a.bufferedAmount).toBeGreaterThan(2000)
    expect(a.bufferedAmount).toBeLessThanOrEqual(3000)
    expect(settled).toBe(false)
    const sentBefore = a.sent.length
    a.drain()
    await flush()
    expect(a.sent.length).toBeGreaterThan(sentBefore)
    while (!settled) {
      a.drain()
      await flush()
    }
    await done
  })

  it('close() rejects queued messages with CHANNEL_CLOSED and later sends too', async () => {
    const { sender } = setup()
    const queued = sender.send('never delivered')
    sender.close()
    await expect(queued).rejects.toSatisfy((e) => isParleyError(e, 'CHANNEL_CLOSED'))
    await expect(sender.send('late')).rejects.toSatisfy((e) => isParleyError(e, 'CHANNEL_CLOSED'))
    sender.close()
  })

  it('a message cut short by a dying channel is resent whole on the next channel', async () => {
    const { sender, a, b, received } = setup({ highWaterMark: 1500, lowWaterMark: 100 })
    a.open()
    b.open()
    const big = Uint8Array.from({ length: 6000 }, (_, i) => i % 199)
    const done = sender.send(big)
    await flush()
    expect(received).toEqual([])
    // the connection is replaced mid-message
    sender.detach()
    const a2 = new FakeDataChannel()
    const b2 = new FakeDataChannel()
    a2.peer = b2
    b2.peer = a2
    const receiver2 = new PresetChannel(
      'reliable',
      {},
      { onMessage: (m) => received.push(m), onControl: () => {}, onOpen: () => {} },
      silentLogger,
    )
    receiver2.attach(b2.asChannel(), () => 1000)
    b2.open()
    sender.attach(a2.asChannel(), () => 1000)
    a2.open()
    while (received.length === 0) {
      a2.drain()
      await flush()
    }
    await done
    expect(received).toEqual([big])
  })

  it('control messages are delivered to onControl, never as application messages', async () => {
    const { sender, a, b, received, controls } = setup()
    a.open()
    b.open()
    await sender.sendControl({ type: 'bye' })
    expect(controls).toEqual([{ type: 'bye' }])
    expect(received).toEqual([])
  })

  it('drops malformed frames from the peer and keeps working', async () => {
    const { sender, a, b, received } = setup()
    a.open()
    b.open()
    b.onmessage?.({ data: '{not json' } as MessageEvent)
    b.onmessage?.({ data: new Uint8Array([0x7f]).buffer } as MessageEvent)
    await sender.send([1, 2])
    expect(received).toEqual([[1, 2]])
  })
})
