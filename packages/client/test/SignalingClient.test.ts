import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { isParleyError } from '../src/errors.js'
import { SignalingClient, type SignalingClientOptions, type SignalingState } from '../src/SignalingClient.js'
import { FakeWebSocket } from './support/FakeWebSocket.js'

class FakeOnline extends EventTarget {
  goOnline(): void {
    this.dispatchEvent(new Event('online'))
  }
}

function makeClient(extra: Partial<SignalingClientOptions> = {}, joinOnUpgrade = true) {
  const online = new FakeOnline()
  const c = new SignalingClient({
    url: 'ws://127.0.0.1:1/ws',
    room: 'room-1',
    name: 'Ada',
    WebSocket: FakeWebSocket,
    reconnect: { initialDelayMs: 100, maxDelayMs: 1000, jitter: 0 },
    requestTimeoutMs: 5000,
    onlineEvents: online,
    joinOnUpgrade,
    ...extra,
  })
  const states: SignalingState[] = []
  c.on('state', (s) => states.push(s))
  return { c, states, online }
}

describe.each([
  { mode: 'join on the upgrade (default)', joinOnUpgrade: true },
  { mode: 'join message after open', joinOnUpgrade: false },
])('SignalingClient, $mode', ({ joinOnUpgrade }) => {
  const client = (extra: Partial<SignalingClientOptions> = {}) => makeClient(extra, joinOnUpgrade)

  beforeEach(() => {
    FakeWebSocket.reset()
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('connect() opens the socket, sends join with room and name, and resolves with the welcome', async () => {
    const { c, states } = client()
    const joined = c.connect()
    const ws = FakeWebSocket.last
    if (joinOnUpgrade) {
      expect(ws.url).toMatch(/^ws:\/\/127\.0\.0\.1:1\/ws\?join=/)
      expect(ws.urlJoin()).toMatchObject({ type: 'join', room: 'room-1', name: 'Ada' })
    } else expect(ws.url).toBe('ws://127.0.0.1:1/ws')
    ws.serverOpen()
    // joined on the upgrade: nothing to send once open
    expect(ws.sent).toEqual(joinOnUpgrade ? [] : [expect.objectContaining({ type: 'join', room: 'room-1' })])
    expect(ws.lastJoin()).toMatchObject({ type: 'join', room: 'room-1', name: 'Ada' })
    ws.welcome('p1')
    await expect(joined).resolves.toMatchObject({ peerId: 'p1' })
    expect(c.peerId).toBe('p1')
    expect(states).toEqual(['connecting', 'joined'])
  })

  it('connect() rejects with SIGNALING_UNREACHABLE when the server cannot be reached, and ends closed', async () => {
    const { c, states } = client()
    const joined = c.connect()
    FakeWebSocket.last.refuse()
    await expect(joined).rejects.toSatisfy((e) => isParleyError(e, 'SIGNALING_UNREACHABLE'))
    expect(states).toEqual(['connecting', 'closed'])
  })

  it('connect() rejects with JOIN_REJECTED carrying the server code (e.g. ROOM_FULL)', async () => {
    const { c } = client()
    const joined = c.connect()
    const ws = FakeWebSocket.last
    ws.serverOpen()
    const join = ws.lastJoin()
    ws.serverSend({ type: 'error', code: 'ROOM_FULL', message: 'room is full', ref: join?.id as string })
    await expect(joined).rejects.toMatchObject({ code: 'JOIN_REJECTED', cause: { code: 'ROOM_FULL' } })
    expect(c.state).toBe('closed')
  })

  it('connect() rejects with TIMEOUT when no welcome arrives in requestTimeoutMs', async () => {
    const { c } = client({ requestTimeoutMs: 2000 })
    const joined = c.connect()
    FakeWebSocket.last.serverOpen()
    const assertion = expect(joined).rejects.toSatisfy((e) => isParleyError(e, 'TIMEOUT'))
    await vi.advanceTimersByTimeAsync(2000)
    await assertion
    expect(FakeWebSocket.last.closedByClient).toBeDefined()
  })

  it('a dropped socket reconnects with exponential backoff and resumes with the server token', async () => {
    const { c, states } = client()
    const joined = c.connect()
    FakeWebSocket.last.serverOpen()
    FakeWebSocket.last.welcome('p1', { resume: 'tok-1' })
    await joined
    FakeWebSocket.last.serverClose(1006)
    expect(c.state).toBe('reconnecting')
    expect(FakeWebSocket.instances).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(99)
    expect(FakeWebSocket.instances).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(FakeWebSocket.instances).toHaveLength(2)
    // second attempt fails too: the next delay doubles
    FakeWebSocket.last.refuse()
    await vi.advanceTimersByTimeAsync(199)
    expect(FakeWebSocket.instances).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(FakeWebSocket.instances).toHaveLength(3)
    const ws = FakeWebSocket.last
    ws.serverOpen()
    expect(ws.lastJoin()).toMatchObject({ type: 'join', room: 'room-1', resume: 'tok-1' })
    const welcomes: string[] = []
    c.on('welcome', (w) => welcomes.push(w.peerId))
    ws.welcome('p1', { resumed: true })
    expect(welcomes).toEqual(['p1'])
    expect(states).toEqual(['connecting', 'joined', 'reconnecting', 'joined'])
    expect(c.reconnectAttempts).toBe(0)
  })

  it('the backoff is reset after a successful reconnection', async () => {
    const { c } = client()
    const joined = c.connect()
    FakeWebSocket.last.serverOpen()
    FakeWebSocket.last.welcome('p1')
    await joined
    for (let round = 0; round < 2; round++) {
      FakeWebSocket.last.serverClose(1012, 'server restarting')
      const before = FakeWebSocket.instances.length
      await vi.advanceTimersByTimeAsync(100)
      expect(FakeWebSocket.instances.length).toBe(before + 1)
      FakeWebSocket.last.serverOpen()
      FakeWebSocket.last.welcome('p1', { resumed: true })
      expect(c.state).toBe('joined')
    }
  })

  it('an online event skips the backoff wait and reconnects at once', async () => {
    const { c, online } = client({ reconnect: { initialDelayMs: 60_000, jitter: 0 } })
    const joined = c.connect()
    FakeWebSocket.last.serverOpen()
    FakeWebSocket.last.welcome('p1')
    await joined
    FakeWebSocket.last.serverClose(1006)
    expect(FakeWebSocket.instances).toHaveLength(1)
    online.goOnline()
    expect(FakeWebSocket.instances).toHaveLength(2)
  })

  it('RESUME_FAILED makes the client join afresh on the same socket and report the new peer id', async () => {
    const { c } = client()
    const joined = c.connect()
    FakeWebSocket.last.serverOpen()
    FakeWebSocket.last.welcome('p1', { resume: 'tok-1' })
    await joined
    FakeWebSocket.last.serverClose(1012)
    await vi.advanceTimersByTimeAsync(100)
    const ws = FakeWebSocket.last
    ws.serverOpen()
    const resume = ws.lastJoin()
    expect(resume).toMatchObject({ resume: 'tok-1' })
    ws.serverSend({
      type: 'error',
      code: 'RESUME_FAILED',
      message: 'unknown token',
      ref: resume?.id as string,
    })
    const fresh = ws.lastJoin()
    expect(fresh).toMatchObject({ type: 'join', room: 'room-1' })
    expect(fresh).not.toHaveProperty('resume')
    ws.welcome('p2')
    expect(c.peerId).toBe('p2')
    expect(c.state).toBe('joined')
  })

  it('signals sent while reconnecting are queued and flushed in order after the welcome', async () => {
    const { c } = client()
    const joined = c.connect()
    FakeWebSocket.last.serverOpen()
    FakeWebSocket.last.welcome('p1')
    await joined
    c.signal('p2', { n: 1 })
    FakeWebSocket.last.serverClose(1006)
    c.signal('p2', { n: 2 })
    c.signal('p3', { n: 3 })
    await vi.advanceTimersByTimeAsync(100)
    const ws = FakeWebSocket.last
    ws.serverOpen()
    ws.welcome('p1', { resumed: true })
    expect(ws.sent.filter((m) => m.type === 'signal')).toEqual([
      { type: 'signal', to: 'p2', data: { n: 2 } },
      { type: 'signal', to: 'p3', data: { n: 3 } },
    ])
  })

  it('signals queued while reconnecting are dropped when the welcome brings a new peer id (they were sent as the forgotten session); signals after it go out', async () => {
    const { c } = client()
    const joined = c.connect()
    FakeWebSocket.last.serverOpen()
    FakeWebSocket.last.welcome('p1')
    await joined
    FakeWebSocket.last.serverClose(1006)
    c.signal('p2', { n: 1 })
    await vi.advanceTimersByTimeAsync(100)
    const ws = FakeWebSocket.last
    ws.serverOpen()
    const welcomed = new Promise<string>((resolve) => c.on('welcome', (w) => resolve(w.peerId)))
    ws.welcome('p9')
    expect(await welcomed).toBe('p9')
    c.signal('p2', { n: 2 })
    expect(ws.sent.filter((m) => m.type === 'signal')).toEqual([{ type: 'signal', to: 'p2', data: { n: 2 } }])
  })

  it('emits peer-joined, peer-left and relayed signals; ignores invalid frames', async () => {
    const { c } = client()
    const joined = c.connect()
    const ws = FakeWebSocket.last
    ws.serverOpen()
    ws.welcome('p1')
    await joined
    const events: unknown[] = []
    c.on('peer-joined', (p) => events.push(['joined', p.peerId]))
    c.on('peer-left', (id) => events.push(['left', id]))
    c.on('signal', (from, data) => events.push(['signal', from, data]))
    ws.serverSend('{not json')
    ws.serverSend({ type: 'peer-joined', peer: { peerId: 'p2', name: 'Bob' } })
    ws.serverSend('{"type":"signal","from":"p2"}')
    ws.serverSend({ type: 'signal', from: 'p2', data: { x: 1 } })
    ws.serverSend({ type: 'peer-left', peerId: 'p2' })
    expect(events).toEqual([
      ['joined', 'p2'],
      ['signal', 'p2', { x: 1 }],
      ['left', 'p2'],
    ])
  })

  it('close code 4000 (session replaced) ends the client with SESSION_REPLACED instead of reconnecting', async () => {
    const { c } = client()
    const joined = c.connect()
    FakeWebSocket.last.serverOpen()
    FakeWebSocket.last.welcome('p1')
    await joined
    const closed = new Promise((r) => c.on('closed', r))
    FakeWebSocket.last.serverClose(4000, 'replaced')
    await expect(closed).resolves.toMatchObject({ code: 'SESSION_REPLACED' })
    await vi.advanceTimersByTimeAsync(10_000)
    expect(FakeWebSocket.instances).toHaveLength(1)
  })

  it('gives up after maxAttempts with SIGNALING_UNREACHABLE', async () => {
    const { c } = client({ reconnect: { initialDelayMs: 10, maxAttempts: 2, jitter: 0 } })
    const joined = c.connect()
    FakeWebSocket.last.serverOpen()
    FakeWebSocket.last.welcome('p1')
    await joined
    const closed = new Promise((r) => c.on('closed', r))
    FakeWebSocket.last.serverClose(1006)
    for (let i = 0; i < 2; i++) {
      await vi.advanceTimersByTimeAsync(100)
      FakeWebSocket.last.refuse()
    }
    await expect(closed).resolves.toMatchObject({ code: 'SIGNALING_UNREACHABLE' })
    expect(c.state).toBe('closed')
  })

  it('leave() sends leave, closes the socket, is idempotent and never reconnects', async () => {
    const { c, states } = client()
    const joined = c.connect()
    const ws = FakeWebSocket.last
    ws.serverOpen()
    ws.welcome('p1')
    await joined
    c.leave()
    c.leave()
    expect(ws.sent.filter((m) => m.type === 'leave')).toHaveLength(1)
    expect(ws.closedByClient?.code).toBe(1000)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(FakeWebSocket.instances).toHaveLength(1)
    expect(states.at(-1)).toBe('closed')
  })

  it('suspend() sends no leave, closes with 4101 (session kept on the server), keeps resumeToken readable and never reconnects', async () => {
    const { c, states } = client()
    const joined = c.connect()
    const ws = FakeWebSocket.last
    ws.serverOpen()
    ws.welcome('p1', { resume: 'tok-1' })
    await joined
    expect(c.resumeToken).toBe('tok-1')
    c.suspend()
    c.suspend()
    expect(ws.sent.some((m) => m.type === 'leave')).toBe(false)
    expect(ws.closedByClient).toEqual({ code: 4101, reason: 'suspended' })
    expect(c.resumeToken).toBe('tok-1')
    await vi.advanceTimersByTimeAsync(10_000)
    expect(FakeWebSocket.instances).toHaveLength(1)
    expect(states.at(-1)).toBe('closed')
  })

  it('option resume: the first join carries the token and takes over the same peer id; the new token replaces it', async () => {
    const { c } = client({ resume: 'tok-old' })
    const joined = c.connect()
    const ws = FakeWebSocket.last
    ws.serverOpen()
    expect(ws.lastJoin()).toMatchObject({ type: 'join', room: 'room-1', resume: 'tok-old' })
    ws.welcome('p1', { resume: 'tok-new', resumed: true })
    await expect(joined).resolves.toMatchObject({ peerId: 'p1', resumed: true })
    expect(c.resumeToken).toBe('tok-new')
  })

  it('option resume with a token the server refuses (RESUME_FAILED): the first join goes on afresh', async () => {
    const { c } = client({ resume: 'tok-expired' })
    const joined = c.connect()
    const ws = FakeWebSocket.last
    ws.serverOpen()
    const first = ws.lastJoin()
    ws.serverSend({ type: 'error', code: 'RESUME_FAILED', message: 'expired', ref: first?.id as string })
    const fresh = ws.lastJoin()
    expect(fresh).toMatchObject({ type: 'join', room: 'room-1' })
    expect(fresh).not.toHaveProperty('resume')
    ws.welcome('p9', { resume: 'tok-9' })
    await expect(joined).resolves.toMatchObject({ peerId: 'p9' })
  })

  it('server errors after joining (e.g. UNKNOWN_PEER) are reported without closing', async () => {
    const { c } = client()
    const joined = c.connect()
    FakeWebSocket.last.serverOpen()
    FakeWebSocket.last.welcome('p1')
    await joined
    const errors: string[] = []
    c.on('server-error', (e) => errors.push(e.message))
    FakeWebSocket.last.serverSend({ type: 'error', code: 'UNKNOWN_PEER', message: 'no such peer' })
    expect(errors).toEqual(['UNKNOWN_PEER: no such peer'])
    expect(c.state).toBe('joined')
  })
})
