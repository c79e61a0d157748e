import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { silentLogger } from '../src/Logger.js'
import type { PeerConnectionConstructor, RtcRuntime, WebSocketConstructor } from '../src/runtime.js'
import { SparePeerConnection } from '../src/SparePeerConnection.js'
import { FakePeerConnection } from './support/FakePeerConnection.js'
import { FakeWebSocket } from './support/FakeWebSocket.js'

const runtime = (flavor: RtcRuntime['flavor']): RtcRuntime => ({
  flavor,
  RTCPeerConnection: FakePeerConnection as unknown as PeerConnectionConstructor,
  WebSocket: FakeWebSocket as unknown as WebSocketConstructor,
})
const certificate = {} as RTCCertificate
const config = (urls: string[] = []): RTCConfiguration => ({
  iceServers: urls.map((u) => ({ urls: u })),
  certificates: [certificate],
})

describe('SparePeerConnection', () => {
  beforeEach(() => FakePeerConnection.reset())
  afterEach(() => vi.useRealTimers())

  it('the next connection takes the one made ahead, once', () => {
    const spare = new SparePeerConnection(runtime('native'), silentLogger)
    spare.prepare(config())
    expect(FakePeerConnection.instances).toHaveLength(1)
    expect(spare.ready).toBe(true)
    expect(spare.take(config())).toBe(FakePeerConnection.instances[0])
    expect(spare.ready).toBe(false)
    expect(spare.take(config())).toBeUndefined()
    expect(FakePeerConnection.instances[0]?.configurations).toEqual([])
  })

  it('ICE servers that changed since are applied with setConfiguration', () => {
    const spare = new SparePeerConnection(runtime('native'), silentLogger)
    spare.prepare(config())
    const wanted = config(['turn:example.org'])
    const pc = spare.take(wanted) as unknown as FakePeerConnection
    expect(pc).toBe(FakePeerConnection.instances[0])
    expect(pc.configurations).toEqual([wanted])
  })

  it('a configuration it cannot take (other certificates, refused) closes it: make a new one', () => {
    const spare = new SparePeerConnection(runtime('native'), silentLogger)
    spare.prepare(config())
    expect(spare.take({ iceServers: [], certificates: [{} as RTCCertificate] })).toBeUndefined()
    expect(FakePeerConnection.instances[0]?.closed).toBe(true)
    spare.prepare(config())
    const second = FakePeerConnection.instances[1] as FakePeerConnection
    second.refuseConfiguration = true
    expect(spare.take(config(['stun:example.org']))).toBeUndefined()
    expect(second.closed).toBe(true)
  })

  it('makes nothing for node-datachannel, nor after close', () => {
    new SparePeerConnection(runtime('node-datachannel'), silentLogger).prepare(config())
    const spare = new SparePeerConnection(runtime('native'), silentLogger)
    spare.prepare(config())
    spare.close()
    expect(FakePeerConnection.instances[0]?.closed).toBe(true)
    spare.prepare(config())
    expect(FakePeerConnection.instances).toHaveLength(1)
  })

  it('prepareLater: made when quiet then; close cancels it', () => {
    vi.useFakeTimers()
    const spare = new SparePeerConnection(runtime('native'), silentLogger)
    let quiet = false
    spare.prepareLater(250, config, () => quiet)
    vi.advanceTimersByTime(250)
    expect(FakePeerConnection.instances).toHaveLength(0)
    quiet = true
    spare.prepareLater(250, config, () => quiet)
    vi.advanceTimersByTime(249)
    expect(FakePeerConnection.instances).toHaveLength(0)
    vi.advanceTimersByTime(1)
    expect(spare.ready).toBe(true)
    spare.take(config())
    spare.prepareLater(250, config, () => quiet)
    spare.close()
    vi.advanceTimersByTime(250)
    expect(FakePeerConnection.instances).toHaveLength(1)
  })
})
