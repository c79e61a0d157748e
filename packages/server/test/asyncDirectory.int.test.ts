import type { PeerInfo } from '@parley/protocol'
import { describe, expect, it } from 'vitest'
import { type Directory, type DirectoryMember, type JoinResult, MemoryDirectory } from '../src/index.js'
import { connect, connectionsDropTo, joined, testServer } from './support/server.js'

const later = <T>(value: () => T): Promise<T> =>
  new Promise((resolve) => setImmediate(() => resolve(value())))

/** A directory answering every call asynchronously, as a networked (Redis) one would. */
class AsyncDirectory implements Directory {
  private readonly inner = new MemoryDirectory({ maxPeersPerRoom: 3 })
  join(room: string, member: DirectoryMember): Promise<JoinResult> {
    return later(() => this.inner.join(room, member))
  }
  leave(room: string, peerId: string): Promise<void> {
    return later(() => this.inner.leave(room, peerId))
  }
  route(room: string, to: string, frame: Buffer): Promise<boolean> {
    return later(() => this.inner.route(room, to, frame))
  }
  peers(room: string): Promise<readonly PeerInfo[]> {
    return later(() => this.inner.peers(room))
  }
  stats() {
    return this.inner.stats()
  }
  close(): Promise<void> {
    return later(() => this.inner.close())
  }
}

describe('with an asynchronous directory', () => {
  it('joins, announces presence, relays, refuses unknown peers and enforces its limits', async () => {
    const server = await testServer({ directory: new AsyncDirectory() })
    const a = await joined(server, 'r', { name: 'Ada' })
    const b = await joined(server, 'r', { name: 'Bob' })
    expect(b.welcome.peers).toEqual([{ peerId: a.welcome.peerId, name: 'Ada' }])
    expect(await a.client.nextOf('peer-joined')).toMatchObject({ peer: { peerId: b.welcome.peerId } })
    a.client.send({ type: 'signal', to: b.welcome.peerId, data: { n: 1 } })
    a.client.send({ type: 'signal', to: 'nobody', data: {}, id: 'x' })
    expect(await b.client.nextOf('signal')).toEqual({
      type: 'signal',
      from: a.welcome.peerId,
      data: { n: 1 },
    })
    expect(await a.client.nextOf('error')).toMatchObject({ code: 'UNKNOWN_PEER', ref: 'x' })
    await joined(server, 'r')
    const fourth = await connect(server)
    fourth.send({ type: 'join', room: 'r' })
    expect(await fourth.nextOf('error')).toMatchObject({ code: 'ROOM_FULL' })
    b.client.send({ type: 'leave' })
    expect(await a.client.nextOf('peer-left')).toEqual({ type: 'peer-left', peerId: b.welcome.peerId })
  })

  it('holds messages sent right after join until the welcome, and resumes sessions', async () => {
    const server = await testServer({ directory: new AsyncDirectory() })
    const a = await joined(server, 'r')
    const b = await connect(server)
    b.send({ type: 'join', room: 'r', id: 'j' })
    b.send({ type: 'signal', to: a.welcome.peerId, data: { early: true } })
    const welcome = await b.nextOf('welcome')
    expect(b.received[0]).toMatchObject({ type: 'welcome', ref: 'j' })
    expect(await a.client.nextOf('signal')).toEqual({
      type: 'signal',
      from: welcome.peerId,
      data: { early: true },
    })
    b.drop()
    await connectionsDropTo(server, 1)
    a.client.send({ type: 'signal', to: welcome.peerId, data: { queued: 1 } })
    const b2 = await connect(server)
    b2.send({ type: 'join', room: 'r', resume: welcome.resume })
    expect(await b2.nextOf('welcome')).toMatchObject({ peerId: welcome.peerId, resumed: true })
    expect((await b2.nextOf('signal')).data).toEqual({ queued: 1 })
  })
})
