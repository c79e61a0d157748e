import { type ParleyServer, startServer } from '@parley/server'
import { afterEach, describe, expect, it } from 'vitest'
import { isParleyError, type Participant, Room, type RoomOptions } from '../src/index.js'
import {
  allConnected,
  nextEvent,
  nextRoomMessages,
  participantInState,
  resumeTokenOf,
} from './support/rooms.js'
import { TcpProxy } from './support/TcpProxy.js'

const cleanups: (() => Promise<unknown> | unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function server(options: Parameters<typeof startServer>[0] = {}): Promise<ParleyServer> {
  const s = await startServer({ port: 0, host: '127.0.0.1', logLevel: 'silent', ...options })
  cleanups.push(() => s.close({ graceful: false }))
  return s
}

async function join(url: string, room: string, options: RoomOptions = {}): Promise<Room> {
  const r = await Room.join(url, room, { quality: false, ...options })
  cleanups.push(() => r.leave())
  return r
}

describe('Room (Node ↔ Node through the signaling server)', () => {
  it('join: both see each other with names, connect, and the participants map is consistent', async () => {
    const s = await server()
    const ada = await join(s.url, 'int-1', { name: 'Ada' })
    const joined = nextEvent<[Participant]>(ada, 'participant-joined')
    const bob = await join(s.url, 'int-1', { name: 'Bob' })
    const [seen] = await joined
    expect(seen.name).toBe('Bob')
    expect(bob.participant(ada.localPeerId)?.name).toBe('Ada')
    await allConnected([ada, bob])
    expect(ada.state).toBe('joined')
    expect([...ada.participants.keys()]).toEqual([bob.localPeerId])
    expect(ada.rtcFlavor).toBe('node-datachannel')
  })

  it('messages flow both ways on all three presets, JSON and bytes, and broadcast reaches everyone', async () => {
    const s = await server()
    const rooms = [
      await join(s.url, 'int-2', { name: 'a' }),
      await join(s.url, 'int-2', { name: 'b' }),
      await join(s.url, 'int-2', { name: 'c' }),
    ]
    await allConnected(rooms)
    const [a, b] = rooms as [Room, Room, Room]
    for (const channel of ['reliable', 'unreliable', 'partial'] as const) {
      const atB = nextRoomMessages(b, 2)
      const atA = nextRoomMessages(a, 2)
      await b.participant(a.localPeerId)?.send({ channel, n: 1 }, { channel })
      await a.participant(b.localPeerId)?.send({ channel, n: 2 }, { channel })
      await a.participant(b.localPeerId)?.send(new Uint8Array([7, 7]), { channel })
      await b.participant(a.localPeerId)?.send(new Uint8Array([8]), { channel })
      expect(await atB).toEqual([
        { from: a.localPeerId, message: { channel, n: 2 }, channel },
        { from: a.localPeerId, message: new Uint8Array([7, 7]), channel },
      ])
      expect(await atA).toEqual([
        { from: b.localPeerId, message: { channel, n: 1 }, channel },
        { from: b.localPeerId, message: new Uint8Array([8]), channel },
      ])
    }
    const everyone = rooms.slice(1).map((r) => nextRoomMessages(r, 1))
    await a.broadcast({ kind: 'chat', text: 'hi' })
    for (const got of await Promise.all(everyone)) {
      expect(got).toEqual([
        { from: a.localPeerId, message: { kind: 'chat', text: 'hi' }, channel: 'reliable' },
      ])
    }
  })

  it('a 5 MiB message through send() arrives intact', async () => {
    const s = await server()
    const a = await join(s.url, 'int-3')
    const seen = nextEvent<[Participant]>(a, 'participant-joined', 10_000)
    const b = await join(s.url, 'int-3')
    await seen
    const big = new Uint8Array(5 * 1024 * 1024)
    for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 12)) & 0xff
    const got = nextRoomMessages(b, 1, 30_000)
    await a.participant(b.localPeerId)?.send(big)
    const [m] = await got
    expect(Buffer.compare(Buffer.from(m?.message as Uint8Array), Buffer.from(big))).toBe(0)
  })

  it('connects reliably: 12 rooms joining in turn all connect pairwise (connect timeout as safety net)', async () => {
    const s = await server()
    const pairs: Promise<void>[] = []
    for (let i = 0; i < 12; i++) {
      const a = await join(s.url, `many-${i}`, { connectTimeoutMs: 4000 })
      const b = await join(s.url, `many-${i}`, { connectTimeoutMs: 4000 })
      pairs.push(allConnected([a, b], 20_000))
    }
    await Promise.all(pairs)
  }, 60_000)

  it('explicit leave: the others see participant-left (reason left) at once and the leaver is left', async () => {
    const s = await server()
    const a = await join(s.url, 'int-4')
    const b = await join(s.url, 'int-4')
    await allConnected([a, b])
    const left = nextEvent<[Participant, string]>(a, 'participant-left', 2000)
    const states: string[] = []
    b.on('state', (st) => states.push(st))
    await b.leave()
    await b.leave()
    const [p, reason] = await left
    expect(p.peerId).toBe(b.localPeerId)
    expect(reason).toBe('left')
    expect(a.participants.size).toBe(0)
    expect(b.state).toBe('left')
    expect(states).toEqual(['left'])
    await expect(b.broadcast('x')).resolves.toBeUndefined()
  })

  it('suspend() then a new Room with its resumeToken (a page reload): same peer id, the others see participant-restarted (no left/joined), reconnect and messages flow', async () => {
    const s = await server()
    const a = await join(s.url, 'int-reload', { name: 'Ada' })
    const b = await join(s.url, 'int-reload', { name: 'Bob' })
    await allConnected([a, b])
    const events: string[] = []
    a.on('participant-left', () => events.push('left'))
    a.on('participant-joined', () => events.push('joined'))
    const restarted = nextEvent<[Participant]>(a, 'participant-restarted', 15_000)
    const bob = a.participant(b.localPeerId)
    const epoch = bob?.connectionInfo.epoch ?? -1
    const token = resumeTokenOf(b)
    b.suspend()
    b.suspend()
    expect(b.state).toBe('left')
    const reconnecting = participantInState(a, b.localPeerId, 'reconnecting')
    const b2 = await join(s.url, 'int-reload', { name: 'Bob', resume: token })
    expect(b2.localPeerId).toBe(b.localPeerId)
    const [p] = await restarted
    expect(p).toBe(bob)
    await reconnecting // the connection to the old instance is dropped…
    await allConnected([a, b2]) // …and a new generation connects to the new one
    expect(bob?.connectionInfo.epoch).toBeGreaterThan(epoch)
    const atB2 = nextRoomMessages(b2, 1)
    const atA = nextRoomMessages(a, 1)
    await a.participant(b2.localPeerId)?.send('to the reloaded page')
    await b2.participant(a.localPeerId)?.send('from the reloaded page')
    expect((await atB2)[0]?.message).toBe('to the reloaded page')
    expect((await atA)[0]).toMatchObject({ from: b2.localPeerId, message: 'from the reloaded page' })
    expect(events).toEqual([])
    expect(b2.participant(a.localPeerId)?.name).toBe('Ada')
  })

  it('leave() while its data channel to a peer cannot deliver: the peer still hears the goodbye through the server and sees it leave with reason left (not dropped)', async () => {
    const s = await server()
    const a = await join(s.url, 'int-bye', { name: 'Ada' })
    const b = await join(s.url, 'int-bye', { name: 'Bob', leaveDrainTimeoutMs: 200 })
    await allConnected([a, b])
    const left = nextEvent<[Participant, string]>(a, 'participant-left', 10_000)
    // the connection that would carry the goodbye is gone
    b.participant(a.localPeerId)?.peerConnection?.close()
    await b.leave()
    const [p, reason] = await left
    expect(p.peerId).toBe(b.localPeerId)
    expect(reason).toBe('left')
  })

  it('suspend() while its data channel to a peer cannot deliver: the peer still hears of it through the server (participant-away with the grace) and, as it does not come back, sees it leave with reason not-back (not dropped)', async () => {
    const s = await server({ resumeGraceMs: 3000 })
    const a = await join(s.url, 'int-away', { name: 'Ada' })
    const b = await join(s.url, 'int-away', { name: 'Bob', suspendGraceMs: 300 })
    await allConnected([a, b])
    const away = nextEvent<[Participant, number]>(a, 'participant-away', 5000)
    const left = nextEvent<[Participant, string]>(a, 'participant-left', 10_000)
    // the connection that would carry the control message is gone
    b.participant(a.localPeerId)?.peerConnection?.close()
    b.suspend()
    const [p, graceMs] = await away
    expect(p.peerId).toBe(b.localPeerId)
    expect(graceMs).toBe(300)
    const [gone, reason] = await left
    expect(gone).toBe(p)
    expect(reason).toBe('not-back')
  })

  it('resume with a token the server no longer holds (after an explicit leave): the Room joins afresh with a new peer id', async () => {
    const s = await server()
    const a = await join(s.url, 'int-stale')
    const b = await join(s.url, 'int-stale')
    await allConnected([a, b])
    const token = resumeTokenOf(b)
    const left = nextEvent<[Participant]>(a, 'participant-left', 5000)
    await b.leave()
    await left
    const b2 = await join(s.url, 'int-stale', { resume: token })
    expect(b2.localPeerId).not.toBe(b.localPeerId)
    await allConnected([a, b2])
  })

  it('leave() drains queued messages before closing', async () => {
    const s = await server()
    const a = await join(s.url, 'int-5')
    const b = await join(s.url, 'int-5')
    await allConnected([a, b])
    const got = nextRoomMessages(b, 20)
    const sends = Array.from({ length: 20 }, (_, i) =>
      a.participant(b.localPeerId)?.send({ i, pad: 'x'.repeat(50_000) }),
    )
    await a.leave()
    await Promise.all(sends)
    expect((await got).map((m) => (m.message as { i: number }).i)).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    )
  })

  it('a dropped signaling socket resumes with the same peer id while P2P data keeps flowing', async () => {
    const s = await server()
    const proxy = await TcpProxy.start(s.port)
    cleanups.push(() => proxy.close())
    const a = await join(proxy.url, 'int-6', { reconnect: { initialDelayMs: 50, maxDelayMs: 200 } })
    const b = await join(s.url, 'int-6')
    await allConnected([a, b])
    const id = a.localPeerId
    const reconnecting = nextEvent<[string]>(a, 'state', 5000, (st) => st === 'reconnecting')
    proxy.dropAll()
    await reconnecting
    // data keeps flowing peer to peer while signaling is down
    const got = nextRoomMessages(b, 1)
    await a.participant(b.localPeerId)?.send('during the outage')
    expect((await got)[0]?.message).toBe('during the outage')
    await nextEvent(a, 'state', 10_000, (st) => st === 'joined')
    expect(a.localPeerId).toBe(id)
    expect(b.participant(id)?.state).toBe('connected')
    expect(a.participant(b.localPeerId)?.state).toBe('connected')
  })

  it('our session dropped by the server (resume grace over) while a peer stayed, our connection to it being recovered: the rejoin under a new id meets that peer afresh — a new participant on our side (left with reason afresh, then joined), connected both ways, messages flow', async () => {
    const s = await server({ resumeGraceMs: 300 })
    const proxy = await TcpProxy.start(s.port)
    cleanups.push(() => proxy.close())
    const a = await join(proxy.url, 'grace-over', { reconnect: { initialDelayMs: 50, maxDelayMs: 200 } })
    const b = await join(s.url, 'grace-over')
    await allConnected([a, b])
    const oldId = a.localPeerId
    const bId = b.localPeerId
    const before = a.participant(bId)
    const flaps: string[] = []
    a.on('participant-left', (p, reason) => flaps.push(`left ${p.peerId} (${reason})`))
    a.on('participant-joined', (p) => flaps.push(`joined ${p.peerId}`))
    // a's signaling is down and stays down past the grace: the server ends a's session, tells b,
    // and b drops its connection to a, which a starts recovering
    proxy.pause()
    proxy.dropAll()
    await nextEvent(b, 'participant-left', 10_000, (p: Participant) => p.peerId === oldId)
    await participantInState(a, bId, 'reconnecting', 10_000)
    const back = nextEvent(a, 'state', 15_000, (st) => st === 'joined')
    proxy.resume()
    await back
    expect(a.localPeerId).not.toBe(oldId)
    await allConnected([a, b])
    const after = a.participant(bId)
    expect(after).toBeDefined()
    expect(after).not.toBe(before)
    expect(before?.state).toBe('closed')
    expect(flaps).toEqual([`left ${bId} (afresh)`, `joined ${bId}`])
    expect([...b.participants.keys()]).toEqual([a.localPeerId])
    const atB = nextRoomMessages(b, 1)
    await after?.send('from a')
    expect((await atB)[0]).toMatchObject({ from: a.localPeerId, message: 'from a' })
    const atA = nextRoomMessages(a, 1)
    await b.participant(a.localPeerId)?.send('from b')
    expect((await atA)[0]).toMatchObject({ from: bId, message: 'from b' })
  }, 45_000)

  it('server restarted with its resume secret: both keep their peer ids, P2P keeps flowing, no leave/join', async () => {
    const secret = 'parley-test-resume-secret'
    const first = await startServer({ port: 0, host: '127.0.0.1', logLevel: 'silent', resumeSecret: secret })
    const port = first.port
    const opts: RoomOptions = { reconnect: { initialDelayMs: 100, maxDelayMs: 500 } }
    const a = await join(first.url, 'restart-secret', opts)
    const b = await join(first.url, 'restart-secret', opts)
    await allConnected([a, b])
    const ids = [a.localPeerId, b.localPeerId]
    const flaps: string[] = []
    for (const r of [a, b]) {
      r.on('participant-left', (p) => flaps.push(`left ${p.peerId}`))
      r.on('participant-joined', (p) => flaps.push(`joined ${p.peerId}`))
    }
    const down = Promise.all([a, b].map((r) => nextEvent(r, 'state', 5000, (st) => st === 'reconnecting')))
    await first.close()
    await down
    const during = nextRoomMessages(b, 1)
    await a.participant(b.localPeerId)?.send('while the server is down')
    expect((await during)[0]?.message).toBe('while the server is down')
    const s = await startServer({ port, host: '127.0.0.1', logLevel: 'silent', resumeSecret: secret })
    cleanups.push(() => s.close({ graceful: false }))
    await Promise.all([a, b].map((r) => nextEvent(r, 'state', 10_000, (st) => st === 'joined')))
    expect([a.localPeerId, b.localPeerId]).toEqual(ids)
    expect(flaps).toEqual([])
    // signaling between them works again: a new connection generation needs it
    const pa = a.participant(b.localPeerId)
    const epoch = pa?.connectionInfo.epoch ?? 0
    pa?.peerConnection?.close()
    await participantInState(a, b.localPeerId, 'reconnecting', 5000)
    await participantInState(a, b.localPeerId, 'connected', 15_000)
    expect(pa?.connectionInfo.epoch).toBeGreaterThan(epoch)
    expect(flaps).toEqual([])
  }, 45_000)

  it('server restarted without a resume secret: new ids, yet P2P keeps flowing, participants keep their identity, signaling works again', async () => {
    const first = await startServer({ port: 0, host: '127.0.0.1', logLevel: 'silent' })
    const port = first.port
    const opts: RoomOptions = { reconnect: { initialDelayMs: 100, maxDelayMs: 500 } }
    const a = await join(first.url, 'restart', { ...opts, name: 'Ada' })
    const b = await join(first.url, 'restart', { ...opts, name: 'Bob' })
    await allConnected([a, b])
    const pa = a.participant(b.localPeerId)
    const pb = b.participant(a.localPeerId)
    const flaps: string[] = []
    for (const r of [a, b]) {
      r.on('participant-left', (p) => flaps.push(`left ${p.peerId}`))
      r.on('participant-joined', (p) => flaps.push(`joined ${p.peerId}`))
    }
    const down = Promise.all([a, b].map((r) => nextEvent(r, 'state', 5000, (st) => st === 'reconnecting')))
    await first.close()
    await down
    // P2P keeps flowing while there is no server at all
    const during = nextRoomMessages(b, 1)
    await pa?.send('while the server is down')
    expect((await during)[0]).toMatchObject({ from: pb?.peerId, message: 'while the server is down' })
    const s = await startServer({ port, host: '127.0.0.1', logLevel: 'silent' })
    cleanups.push(() => s.close({ graceful: false }))
    await Promise.all([a, b].map((r) => nextEvent(r, 'state', 10_000, (st) => st === 'joined')))
    const after = nextRoomMessages(a, 1)
    await pb?.send('after the restart')
    expect((await after)[0]).toMatchObject({ from: pa?.peerId, message: 'after the restart' })
    // same participant objects, no leave/join flap
    expect(a.participant(pa?.peerId ?? '')).toBe(pa)
    expect(b.participant(pb?.peerId ?? '')).toBe(pb)
    expect([...a.participants.keys()]).toEqual([pa?.peerId])
    expect(flaps).toEqual([])
    // signaling works again between them: a new connection generation needs it
    const epoch = pa?.connectionInfo.epoch ?? 0
    pa?.peerConnection?.close()
    await participantInState(a, pa?.peerId ?? '', 'reconnecting', 5000)
    await participantInState(a, pa?.peerId ?? '', 'connected', 15_000)
    expect(pa?.connectionInfo.epoch).toBeGreaterThan(epoch)
    // and a newcomer connects to both
    const c = await join(s.url, 'restart', { name: 'Cy' })
    await allConnected([a, b, c])
    expect(c.participants.size).toBe(2)
  }, 45_000)

  it('join errors are typed: bad room name or mtu, unreachable server, full room', async () => {
    await expect(Room.join('http://127.0.0.1:1', 'bad room')).rejects.toSatisfy((e) =>
      isParleyError(e, 'INVALID_ARGUMENT'),
    )
    for (const mtu of [575, 9001, 1500.5, Number.NaN]) {
      await expect(Room.join('http://127.0.0.1:1', 'ok', { mtu })).rejects.toSatisfy((e) =>
        isParleyError(e, 'INVALID_ARGUMENT'),
      )
    }
    await expect(Room.join('http://127.0.0.1:1', 'ok', { requestTimeoutMs: 3000 })).rejects.toSatisfy((e) =>
      isParleyError(e, 'SIGNALING_UNREACHABLE'),
    )
    const s = await server({ maxPeersPerRoom: 1 })
    await join(s.url, 'full')
    await expect(Room.join(s.url, 'full', { quality: false })).rejects.toMatchObject({
      code: 'JOIN_REJECTED',
      cause: { code: 'ROOM_FULL' },
    })
  })

  it('both ends show the same short authentication string', async () => {
    const s = await server()
    const a = await join(s.url, 'int-7')
    const b = await join(s.url, 'int-7')
    await allConnected([a, b])
    const pa = a.participant(b.localPeerId)
    const pb = b.participant(a.localPeerId)
    await Promise.all([pa, pb].map((p) => (p?.sas ? undefined : new Promise((r) => p?.once('sas', r)))))
    expect(pa?.sas).toMatch(/^\d{3} \d{3}$/)
    expect(pa?.sas).toBe(pb?.sas)
  })

  it('participant sessions survive a peer connection failure: a new generation reconnects them', async () => {
    const s = await server()
    const a = await join(s.url, 'int-8')
    const b = await join(s.url, 'int-8')
    await allConnected([a, b])
    const pa = a.participant(b.localPeerId)
    const before = pa?.connectionInfo.epoch ?? 0
    // kill the transport under the session, as a network failure would
    pa?.peerConnection?.close()
    await participantInState(a, b.localPeerId, 'reconnecting', 5000)
    await participantInState(a, b.localPeerId, 'connected', 15_000)
    expect(pa?.connectionInfo.epoch).toBeGreaterThan(before)
    const got = nextRoomMessages(b, 1)
    await pa?.send('again')
    expect((await got)[0]?.message).toBe('again')
  })
})
