import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PeerSession, type PeerSessionOptions, type PeerState } from '../src/PeerSession.js'
import type { PeerConnectionConstructor, RtcRuntime, WebSocketConstructor } from '../src/runtime.js'
import { FakePeerConnection } from './support/FakePeerConnection.js'
import { FakeWebSocket } from './support/FakeWebSocket.js'

const runtime: RtcRuntime = {
  flavor: 'native',
  RTCPeerConnection: FakePeerConnection as unknown as PeerConnectionConstructor,
  WebSocket: FakeWebSocket as unknown as WebSocketConstructor,
}

function connectedSession(options: Partial<PeerSessionOptions> = {}) {
  const signals: unknown[] = []
  // 'b' > 'a': impolite, so it starts generations itself
  const session = new PeerSession({
    runtime,
    localId: 'b',
    remoteId: 'a',
    sendSignal: (s) => signals.push(s),
    disconnectedTimeoutMs: 3000,
    connectTimeoutMs: 10_000,
    ...options,
  })
  const states: PeerState[] = []
  session.on('state', (s) => states.push(s))
  session.start()
  const pc = FakePeerConnection.instances.at(-1) as FakePeerConnection
  pc.setState('connected', 'connected')
  pc.openChannels()
  return { session, pc, states, signals }
}

describe('PeerSession recovery (scripted browser peer connection)', () => {
  beforeEach(() => {
    FakePeerConnection.reset()
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('reaches connected once the connection is up and the reliable channel is open', () => {
    const { session, states } = connectedSession()
    expect(session.state).toBe('connected')
    expect(states).toEqual(['connecting', 'connected'])
  })

  it('ICE disconnected for longer than disconnectedTimeoutMs → reconnecting, then an ICE restart', async () => {
    const { session, pc, states } = connectedSession()
    pc.setState('disconnected', 'disconnected')
    expect(session.state).toBe('reconnecting')
    await vi.advanceTimersByTimeAsync(2999)
    expect(pc.restartIceCalls).toBe(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(pc.restartIceCalls).toBe(1)
    pc.setState('connected', 'connected')
    expect(session.state).toBe('connected')
    expect(states).toEqual(['connecting', 'connected', 'reconnecting', 'connected'])
    expect(session.connectionInfo.iceRestarts).toBe(1)
  })

  it('a short disconnection that heals by itself causes no ICE restart', async () => {
    const { session, pc } = connectedSession()
    pc.setState('disconnected', 'disconnected')
    await vi.advanceTimersByTimeAsync(1000)
    pc.setState('connected', 'connected')
    await vi.advanceTimersByTimeAsync(10_000)
    expect(pc.restartIceCalls).toBe(0)
    expect(session.state).toBe('connected')
  })

  it('ICE failed → ICE restart (once per failure, even if both state events report it)', async () => {
    const { pc } = connectedSession()
    pc.setState('failed', 'failed')
    pc.setState('failed', 'failed')
    await vi.advanceTimersByTimeAsync(1000)
    expect(pc.restartIceCalls).toBe(1)
  })

  it('an ICE restart that does not reconnect within connectTimeoutMs escalates to a new peer connection', async () => {
    const { session, pc } = connectedSession()
    pc.setState('failed', 'failed')
    await vi.advanceTimersByTimeAsync(1000)
    expect(pc.restartIceCalls).toBe(1)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(pc.closed).toBe(true)
    expect(FakePeerConnection.instances).toHaveLength(2)
    expect(session.connectionInfo.epoch).toBe(1)
    const next = FakePeerConnection.instances[1] as FakePeerConnection
    next.setState('connected', 'connected')
    next.openChannels()
    expect(session.state).toBe('connected')
  })

  it('the polite side asks the impolite one for a new generation instead of starting it', async () => {
    const signals: unknown[] = []
    const session = new PeerSession({
      runtime,
      localId: 'a',
      remoteId: 'b',
      sendSignal: (s) => signals.push(s),
      connectTimeoutMs: 5000,
    })
    session.start()
    await vi.advanceTimersByTimeAsync(5000)
    expect(signals).toContainEqual({ kind: 'reconnect', epoch: 0 })
    expect(FakePeerConnection.instances).toHaveLength(1)
    session.close()
  })

  it('close() clears every timer: nothing happens after it', async () => {
    const { session, pc } = connectedSession()
    pc.setState('disconnected', 'disconnected')
    session.close()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(pc.restartIceCalls).toBe(0)
    expect(FakePeerConnection.instances).toHaveLength(1)
    expect(vi.getTimerCount()).toBe(0)
  })
})
