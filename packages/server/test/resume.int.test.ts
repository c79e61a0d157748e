import { CloseCode, ErrorCode, type PeerInfo } from '@parley/protocol'
import { describe, expect, it } from 'vitest'
import { type Directory, type DirectoryMember, type JoinResult, MemoryDirectory } from '../src/index.js'
import type { Message, RawClient } from './support/rawClient.js'
import {
  adaAndDroppedBob,
  connect,
  connectionsDropTo,
  joined,
  testServer,
  type Welcome,
} from './support/server.js'

const presence = (m: Message): boolean => m.type === 'peer-left' || m.type === 'peer-joined'

/**
 * Resolves once the server has read `client`'s pong to the ping that follows a resume welcome: the
 * pong is written when the ping arrives, and a request sent after it is answered after it was read.
 */
async function receiptAnswered(client: RawClient): Promise<void> {
  await client.pinged('resume-receipt')
  client.send({ type: 'join', room: 'r', id: 'sync' })
  await client.nextOf('error', ErrorCode.ALREADY_JOINED)
}

describe('session resume', () => {
  it('keeps the peerId, shows the others no flap and delivers signals queued during the gap in order', async () => {
    const server = await testServer()
    const { a, b } = await adaAndDroppedBob(server)
    for (let n = 1; n <= 3; n++)
      a.client.send({ type: 'signal', to: b.welcome.peerId, data: { n }, id: `s${n}` })

    const b2 = await connect(server)
    b2.send({ type: 'join', room: 'r', resume: b.welcome.resume, id: 're' })
    const welcome = await b2.nextOf<Welcome>('welcome')
    expect(welcome).toMatchObject({ peerId: b.welcome.peerId, room: 'r', resumed: true, ref: 're' })
    expect(welcome.peers).toEqual([{ peerId: a.welcome.peerId, name: 'Ada' }])
    expect(welcome.resume).not.toBe(b.welcome.resume)
    for (let n = 1; n <= 3; n++)
      expect(await b2.nextOf('signal')).toEqual({ type: 'signal', from: a.welcome.peerId, data: { n } })
    expect(b2.received.findIndex((m) => m.type === 'welcome')).toBe(0)

    // a round trip through the resumed peer: any flap would have reached a before this reply
    b2.send({ type: 'signal', to: a.welcome.peerId, data: { back: true } })
    expect(await a.client.nextOf('signal')).toEqual({
      type: 'signal',
      from: b.welcome.peerId,
      data: { back: true },
    })
    expect(a.client.received.filter(presence)).toEqual([
      { type: 'peer-joined', peer: { peerId: b.welcome.peerId, name: 'Bob' } },
    ])
    expect(a.client.received.filter((m) => m.type === 'error')).toEqual([])
  })

  it('revokes a used resume token once the client answered the ping after its welcome: resuming with it again gets RESUME_FAILED', async () => {
    const server = await testServer()
    const b = await joined(server, 'r')
    b.client.drop()
    await connectionsDropTo(server, 0)
    const b2 = await connect(server)
    b2.send({ type: 'join', room: 'r', resume: b.welcome.resume })
    await b2.nextOf('welcome')
    await receiptAnswered(b2)
    const thief = await connect(server)
    thief.send({ type: 'join', room: 'r', resume: b.welcome.resume, id: 't' })
    expect(await thief.nextOf('error')).toMatchObject({ code: ErrorCode.RESUME_FAILED, ref: 't' })
  })

  it('a resume whose welcome never reached the client (no pong) can be retried with the same token: same peerId, the undelivered token revoked', async () => {
    const server = await testServer()
    const a = await joined(server, 'r')
    const b = await joined(server, 'r')
    b.client.drop()
    await connectionsDropTo(server, 1)
    // the first resume: the server rotates the token, but the client never reads its welcome
    const lost = await connect(server, { autoPong: false })
    lost.send({ type: 'join', room: 'r', resume: b.welcome.resume })
    const undelivered = (await lost.nextOf<Welcome>('welcome')).resume
    lost.drop()
    await connectionsDropTo(server, 1)
    const retry = await connect(server)
    retry.send({ type: 'join', room: 'r', resume: b.welcome.resume, id: 'retry' })
    const welcome = await retry.nextOf<Welcome>('welcome')
    expect(welcome).toMatchObject({ peerId: b.welcome.peerId, resumed: true, ref: 'retry' })
    // a round trip through the resumed peer: a flap would have reached a before it
    retry.send({ type: 'signal', to: a.welcome.peerId, data: {} })
    await a.client.nextOf('signal')
    expect(a.client.received.filter(presence)).toEqual([
      { type: 'peer-joined', peer: { peerId: b.welcome.peerId, name: '' } },
    ])
    await receiptAnswered(retry)
    for (const token of [undelivered, b.welcome.resume]) {
      const thief = await connect(server)
      thief.send({ type: 'join', room: 'r', resume: token, id: 't' })
      expect(await thief.nextOf('error')).toMatchObject({ code: ErrorCode.RESUME_FAILED, ref: 't' })
      thief.close()
      await thief.waitClosed()
    }
    // the delivered token still resumes
    retry.drop()
    await connectionsDropTo(server, 1)
    const next = await connect(server)
    next.send({ type: 'join', room: 'r', resume: welcome.resume })
    expect(await next.nextOf('welcome')).toMatchObject({ peerId: b.welcome.peerId, resumed: true })
  })

  it('refuses unknown tokens and tokens of another room with RESUME_FAILED', async () => {
    const server = await testServer()
    const b = await joined(server, 'r')
    const c = await connect(server)
    c.send({ type: 'join', room: 'r', resume: 'bogus', id: '1' })
    c.send({ type: 'join', room: 'elsewhere', resume: b.welcome.resume, id: '2' })
    expect(await c.nextOf('error')).toMatchObject({ code: ErrorCode.RESUME_FAILED, ref: '1' })
    expect(await c.nextOf('error')).toMatchObject({ code: ErrorCode.RESUME_FAILED, ref: '2' })
  })

  it('ends the session after the grace period: the others get peer-left and resume fails', async () => {
    const server = await testServer({ resumeGraceMs: 150 })
    const a = await joined(server, 'r')
    const b = await joined(server, 'r')
    b.client.drop()
    expect(await a.client.nextOf('peer-left')).toEqual({ type: 'peer-left', peerId: b.welcome.peerId })
    const b2 = await connect(server)
    b2.send({ type: 'join', room: 'r', resume: b.welcome.resume })
    expect(await b2.nextOf('error')).toMatchObject({ code: ErrorCode.RESUME_FAILED })
  })

  it('cancels the grace timer on resume: a later drop of another peer is announced, the resumed one never', async () => {
    const server = await testServer({ resumeGraceMs: 200 })
    const a = await joined(server, 'r')
    const b = await joined(server, 'r')
    b.client.drop()
    await connectionsDropTo(server, 1)
    const b2 = await connect(server)
    b2.send({ type: 'join', room: 'r', resume: b.welcome.resume })
    await b2.nextOf('welcome')
    const c = await joined(server, 'r')
    c.client.drop()
    // b's timer, had it survived, would have fired before c's
    expect(await a.client.nextOf('peer-left')).toEqual({ type: 'peer-left', peerId: c.welcome.peerId })
    expect(a.client.received.filter((m) => m.type === 'peer-left')).toHaveLength(1)
  })

  it('a page unload close (1001) keeps the session resumable', async () => {
    const server = await testServer()
    const a = await joined(server, 'r')
    const b = await joined(server, 'r')
    b.client.close(1001)
    await b.client.waitClosed()
    await connectionsDropTo(server, 1)
    const b2 = await connect(server)
    b2.send({ type: 'join', room: 'r', resume: b.welcome.resume })
    expect(await b2.nextOf('welcome')).toMatchObject({ peerId: b.welcome.peerId, resumed: true })
    b2.send({ type: 'signal', to: a.welcome.peerId, data: {} })
    await a.client.nextOf('signal')
    expect(a.client.received.filter((m) => m.type === 'peer-left')).toEqual([])
  })

  it('resuming while the old socket is still open replaces it: the old one is closed with 4000', async () => {
    const server = await testServer()
    const a = await joined(server, 'r')
    const b = await joined(server, 'r')
    const b2 = await connect(server)
    b2.send({ type: 'join', room: 'r', resume: b.welcome.resume })
    expect(await b2.nextOf('welcome')).toMatchObject({ peerId: b.welcome.peerId, resumed: true })
    expect((await b.client.waitClosed()).code).toBe(CloseCode.SESSION_REPLACED)
    a.client.send({ type: 'signal', to: b.welcome.peerId, data: { to: 'new socket' } })
    expect((await b2.nextOf('signal')).data).toEqual({ to: 'new socket' })
    b2.send({ type: 'signal', to: a.welcome.peerId, data: {} })
    await a.client.nextOf('signal')
    expect(a.client.received.filter((m) => m.type === 'peer-left')).toEqual([])
  })

  it('ends a dropped session whose queue overflows: the others get peer-left, the resume fails', async () => {
    const server = await testServer({ resumeQueueLimit: 2 })
    const a = await joined(server, 'r')
    const b = await joined(server, 'r')
    b.client.drop()
    await connectionsDropTo(server, 1)
    for (let n = 0; n < 3; n++) a.client.send({ type: 'signal', to: b.welcome.peerId, data: { n } })
    expect(await a.client.nextOf('peer-left')).toEqual({ type: 'peer-left', peerId: b.welcome.peerId })
    const b2 = await connect(server)
    b2.send({ type: 'join', room: 'r', resume: b.welcome.resume })
    expect(await b2.nextOf('error')).toMatchObject({ code: ErrorCode.RESUME_FAILED })
  })

  it('with resumeGraceMs 0 a dropped socket ends the session at once', async () => {
    const server = await testServer({ resumeGraceMs: 0 })
    const a = await joined(server, 'r')
    const b = await joined(server, 'r')
    expect(b.welcome.resumeGrace).toBe(0)
    b.client.drop()
    expect(await a.client.nextOf('peer-left')).toEqual({ type: 'peer-left', peerId: b.welcome.peerId })
  })
})

describe('session restore after a server restart (signed resume tokens)', () => {
  const secret = 'restart-secret-0123456789'

  it('restores peer ids on a new process with the same --resume-secret; the welcome says restored', async () => {
    const first = await testServer({ resumeSecret: secret })
    const a = await joined(first, 'r', { name: 'Ada' })
    const b = await joined(first, 'r', { name: 'Bob' })
    const port = first.port
    await first.close()

    const second = await testServer({ resumeSecret: secret, port })
    const a2 = await connect(second)
    a2.send({ type: 'join', room: 'r', resume: a.welcome.resume })
    const wa = await a2.nextOf<Welcome>('welcome')
    expect(wa).toMatchObject({ peerId: a.welcome.peerId, resumed: true, restored: true, peers: [] })

    const b2 = await connect(second)
    b2.send({ type: 'join', room: 'r', resume: b.welcome.resume })
    const wb = await b2.nextOf<Welcome>('welcome')
    expect(wb).toMatchObject({ peerId: b.welcome.peerId, resumed: true, restored: true })
    expect(wb.peers).toEqual([{ peerId: a.welcome.peerId, name: 'Ada' }])
    expect(await a2.nextOf('peer-joined')).toEqual({
      type: 'peer-joined',
      peer: { peerId: b.welcome.peerId, name: 'Bob' },
    })

    // relay between the restored ids works both ways
    b2.send({ type: 'signal', to: a.welcome.peerId, data: { hi: 1 } })
    expect(await a2.nextOf('signal')).toEqual({ type: 'signal', from: b.welcome.peerId, data: { hi: 1 } })
  })

  it('refuses restore without the same secret, for another room, twice for one peer id, and after the grace period', async () => {
    const first = await testServer({ resumeSecret: secret })
    const a = await joined(first, 'r')
    const port = first.port
    await first.close()

    const other = await testServer({ resumeSecret: 'another-secret-0123456789', port })
    const c = await connect(other)
    c.send({ type: 'join', room: 'r', resume: a.welcome.resume, id: 'x' })
    expect(await c.nextOf('error')).toMatchObject({ code: ErrorCode.RESUME_FAILED, ref: 'x' })
    await other.close()

    const same = await testServer({ resumeSecret: secret, port })
    const d = await connect(same)
    d.send({ type: 'join', room: 'elsewhere', resume: a.welcome.resume, id: 'room' })
    expect(await d.nextOf('error')).toMatchObject({ code: ErrorCode.RESUME_FAILED, ref: 'room' })
    d.send({ type: 'join', room: 'r', resume: a.welcome.resume, id: 'ok' })
    expect(await d.nextOf<Welcome>('welcome')).toMatchObject({ peerId: a.welcome.peerId, restored: true })
    const e = await connect(same)
    e.send({ type: 'join', room: 'r', resume: a.welcome.resume, id: 'again' })
    expect(await e.nextOf('error')).toMatchObject({ code: ErrorCode.RESUME_FAILED, ref: 'again' })
    await same.close()

    const late = await testServer({ resumeSecret: secret, port, resumeGraceMs: 1 })
    // the 1 ms restore window has passed by the time a client has connected and sent its join
    const f = await connect(late)
    f.send({ type: 'join', room: 'r', resume: a.welcome.resume, id: 'late' })
    expect(await f.nextOf('error')).toMatchObject({ code: ErrorCode.RESUME_FAILED, ref: 'late' })
  })

  it('a restored session whose socket closed before its welcome stays resumable with the same token, and the room sees no flap', async () => {
    const first = await testServer({ resumeSecret: secret })
    const a = await joined(first, 'r', { name: 'Ada' })
    const b = await joined(first, 'r', { name: 'Bob' })
    const port = first.port
    await first.close()

    const directory = new HeldJoins()
    const second = await testServer({ resumeSecret: secret, port, directory })
    const b2 = await connect(second)
    b2.send({ type: 'join', room: 'r', resume: b.welcome.resume })
    await b2.nextOf<Welcome>('welcome')

    // Ada's restore is in the directory (a networked one answers later) when her socket drops
    const held = directory.holdNext()
    const lost = await connect(second)
    lost.send({ type: 'join', room: 'r', resume: a.welcome.resume, id: 'lost' })
    const release = await held
    lost.drop()
    await connectionsDropTo(second, 1)
    release()
    expect(await b2.nextOf('peer-joined')).toMatchObject({ peer: { peerId: a.welcome.peerId } })

    const retry = await connect(second)
    retry.send({ type: 'join', room: 'r', resume: a.welcome.resume, id: 'retry' })
    const welcome = await retry.next<Welcome>((m) => m.type === 'welcome' || m.type === 'error')
    expect(welcome).toMatchObject({ type: 'welcome', peerId: a.welcome.peerId, resumed: true, ref: 'retry' })
    expect(welcome.peers).toEqual([{ peerId: b.welcome.peerId, name: 'Bob' }])
    // nothing queued while joining is replayed: Bob arrived before, the welcome lists him
    b2.send({ type: 'signal', to: a.welcome.peerId, data: { hi: 1 } })
    expect(await retry.nextOf('signal')).toEqual({ type: 'signal', from: b.welcome.peerId, data: { hi: 1 } })
    expect(retry.received.filter(presence)).toEqual([])
    expect(b2.received.filter((m) => m.type === 'peer-left')).toEqual([])
  })
})

/** An in-memory directory whose next `join` waits until the test releases it. */
class HeldJoins implements Directory {
  private readonly inner = new MemoryDirectory()
  private hold: ((release: () => void) => void) | undefined

  /** Resolves, once the next join has arrived, with the function that lets it go on. */
  holdNext(): Promise<() => void> {
    return new Promise((resolve) => {
      this.hold = resolve
    })
  }

  async join(room: string, member: DirectoryMember): Promise<JoinResult> {
    const hold = this.hold
    this.hold = undefined
    if (hold !== undefined) await new Promise<void>((release) => hold(release))
    return this.inner.join(room, member)
  }
  leave(room: string, peerId: string): void {
    this.inner.leave(room, peerId)
  }
  route(room: string, to: string, frame: Buffer): boolean {
    return this.inner.route(room, to, frame)
  }
  peers(room: string): readonly PeerInfo[] {
    return this.inner.peers(room)
  }
  stats() {
    return this.inner.stats()
  }
  close(): void {
    this.inner.close()
  }
}
