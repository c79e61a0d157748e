import { describe, expect, it } from 'vitest'
import { decodeFrame, encodeControl } from '../src/Framing.js'
import { silentLogger } from '../src/Logger.js'
import type { ChannelPreset } from '../src/PresetChannel.js'
import { type ControlMessage, SdkChannels } from '../src/SdkChannels.js'
import type { FakeDataChannel } from './support/FakeDataChannel.js'
import { FakePeerConnection } from './support/FakePeerConnection.js'

/** Resolves after pending promise callbacks ran (no timers involved). */
const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve()
}

function setup() {
  const received: [unknown, ChannelPreset][] = []
  const controls: ControlMessage[] = []
  const channels = new SdkChannels(
    {},
    {
      message: (message, preset) => received.push([message, preset]),
      control: (message) => controls.push(message),
      bye: () => undefined,
      open: () => undefined,
    },
    silentLogger,
  )
  const pc = new FakePeerConnection()
  channels.bind(pc as unknown as RTCPeerConnection)
  const channel = (preset: ChannelPreset): FakeDataChannel | undefined =>
    pc.channels.find((c) => c.label === `parley:${preset}`)
  const labels = () => pc.channels.map((c) => c.label)
  /** What was sent on a channel, decoded: JSON values, and control messages as ['control', value]. */
  const sentOn = (preset: ChannelPreset) =>
    (channel(preset)?.sent ?? []).map((frame) => {
      const decoded = decodeFrame(frame)
      return decoded.type === 'control'
        ? ['control', decoded.value]
        : decoded.type === 'json' && decoded.value
    })
  /** The peer sends a control message on the reliable channel. */
  const fromPeer = (message: ControlMessage) =>
    channel('reliable')?.onmessage?.({ data: encodeControl(message).buffer } as MessageEvent)
  return { channels, pc, channel, labels, sentOn, fromPeer, received, controls }
}

describe('SdkChannels with a peer that announces its channels', () => {
  it('only the reliable channel comes with the connection', () => {
    const { channels, labels, channel } = setup()
    channels.remoteAnnounces(true)
    channel('reliable')?.open()
    expect(labels()).toEqual(['parley:reliable'])
  })

  it('a message waiting on an optional preset: created and announced when the reliable channel opens, sent once the peer announced it', async () => {
    const { channels, labels, channel, sentOn, fromPeer, controls } = setup()
    channels.remoteAnnounces(true)
    let done = false
    const sent = channels.send({ x: 1 }, 'unreliable').then(() => {
      done = true
    })
    expect(labels()).toEqual(['parley:reliable'])
    channel('reliable')?.open()
    await flush()
    expect(labels()).toEqual(['parley:reliable', 'parley:unreliable'])
    expect(sentOn('reliable')).toEqual([['control', { type: 'channels', presets: ['unreliable'] }]])
    // open, but the peer's end may not exist yet: nothing goes out
    channel('unreliable')?.open()
    await flush()
    expect(sentOn('unreliable')).toEqual([])
    expect(done).toBe(false)
    fromPeer({ type: 'channels', presets: ['unreliable'] })
    await sent
    expect(sentOn('unreliable')).toEqual([{ x: 1 }])
    // announced once; the announcement is no application control message
    expect(sentOn('reliable')).toHaveLength(1)
    expect(controls).toEqual([])
  })

  it('a send on an optional preset once connected creates and announces it at once', async () => {
    const { channels, labels, channel, sentOn, fromPeer } = setup()
    channels.remoteAnnounces(true)
    channel('reliable')?.open()
    const sent = channels.send('p', 'partial')
    expect(labels()).toEqual(['parley:reliable', 'parley:partial'])
    await flush()
    expect(sentOn('reliable')).toEqual([['control', { type: 'channels', presets: ['partial'] }]])
    channel('partial')?.open()
    fromPeer({ type: 'channels', presets: ['partial'] })
    await sent
    expect(sentOn('partial')).toEqual(['p'])
  })

  it('the peer announcing a channel first: ours is created, announced back and usable at once', async () => {
    const { channels, labels, channel, sentOn, fromPeer } = setup()
    channels.remoteAnnounces(true)
    channel('reliable')?.open()
    fromPeer({ type: 'channels', presets: ['partial', 'reliable', 'bogus'] })
    expect(labels()).toEqual(['parley:reliable', 'parley:partial'])
    await flush()
    expect(sentOn('reliable')).toEqual([['control', { type: 'channels', presets: ['partial'] }]])
    channel('partial')?.open()
    await channels.send('late', 'partial')
    expect(sentOn('partial')).toEqual(['late'])
  })

  it('a new connection starts over: the optional channels wait for the announcements on it', async () => {
    const { channels, pc, channel, sentOn, fromPeer } = setup()
    channels.remoteAnnounces(true)
    channel('reliable')?.open()
    fromPeer({ type: 'channels', presets: ['unreliable'] })
    const next = new FakePeerConnection()
    channels.bind(next as unknown as RTCPeerConnection)
    channels.remoteAnnounces(true)
    const sent = channels.send('again', 'unreliable')
    expect(next.channels.map((c) => c.label)).toEqual(['parley:reliable'])
    next.channels[0]?.open()
    const unreliable = next.channels[1]
    expect(unreliable?.label).toBe('parley:unreliable')
    unreliable?.open()
    await flush()
    expect(unreliable?.sent).toEqual([])
    next.channels[0]?.onmessage?.({
      data: encodeControl({ type: 'channels', presets: ['unreliable'] }).buffer,
    } as MessageEvent)
    await sent
    expect(unreliable?.sent).toHaveLength(1)
    // nothing went to the old connection's channels after it was replaced
    expect(pc.channels.filter((c) => c.label !== 'parley:reliable')).toHaveLength(1)
    expect(sentOn('unreliable')).toEqual([])
  })
})

describe('SdkChannels with a peer that does not announce (older SDKs)', () => {
  it('creates all three before the connection is up and uses them as soon as they open, unannounced', async () => {
    const { channels, labels, channel, sentOn } = setup()
    const sent = channels.send({ early: true }, 'unreliable')
    channels.remoteAnnounces(false)
    expect(labels()).toEqual(['parley:reliable', 'parley:unreliable', 'parley:partial'])
    for (const preset of ['reliable', 'unreliable', 'partial'] as const) channel(preset)?.open()
    await sent
    expect(sentOn('unreliable')).toEqual([{ early: true }])
    await channels.send('p', 'partial')
    expect(sentOn('partial')).toEqual(['p'])
    expect(sentOn('reliable')).toEqual([])
  })

  it('ignores announcements', () => {
    const { channels, labels, channel, sentOn, fromPeer } = setup()
    channels.remoteAnnounces(false)
    channel('reliable')?.open()
    fromPeer({ type: 'channels', presets: ['unreliable'] })
    expect(labels()).toHaveLength(3)
    expect(sentOn('reliable')).toEqual([])
  })
})
