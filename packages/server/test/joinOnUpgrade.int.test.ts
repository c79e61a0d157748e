import { ErrorCode, joinQuery, PROTOCOL_VERSION } from '@parley/protocol'
import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import type { ParleyServer } from '../src/index.js'
import type { Message } from './support/rawClient.js'
import { adaAndDroppedBob, connect, joined, testServer, type Welcome } from './support/server.js'

const upgradeUrl = (server: ParleyServer, query: string): string => `${server.wsUrl}?${query}`

describe('join on the WebSocket upgrade (/ws?join=…&room=…)', () => {
  it('answers the upgrade join with a welcome as the very first frame, with the ref and a server-made peerId', async () => {
    const server = await testServer()
    const client = await connect(upgradeUrl(server, 'join=u1&room=lobby&name=Ada'))
    const welcome = await client.nextOf<Welcome>('welcome')
    expect(welcome).toMatchObject({
      room: 'lobby',
      peers: [],
      resumed: false,
      protocol: PROTOCOL_VERSION,
      ref: 'u1',
    })
    expect(welcome.peerId).toMatch(/^[A-Za-z0-9_-]{16}$/)
    expect(client.received[0]?.type).toBe('welcome')
  })

  it('is the same join as a message: presence, names and signal relay between URL-joined and message-joined peers', async () => {
    const server = await testServer()
    const a = await joined(server, 'r', { name: 'Ada' })
    const b = await connect(upgradeUrl(server, joinQuery({ type: 'join', id: 'b', room: 'r', name: 'Bo b' })))
    const welcome = await b.nextOf<Welcome>('welcome')
    expect(welcome.peers).toEqual([{ peerId: a.welcome.peerId, name: 'Ada' }])
    expect(await a.client.nextOf('peer-joined')).toEqual({
      type: 'peer-joined',
      peer: { peerId: welcome.peerId, name: 'Bo b' },
    })
    b.send({ type: 'signal', to: a.welcome.peerId, data: { sdp: 'x' } })
    expect(await a.client.nextOf('signal')).toEqual({
      type: 'signal',
      from: welcome.peerId,
      data: { sdp: 'x' },
    })
  })

  it('refuses an invalid upgrade join with a BAD_MESSAGE error ref = join, keeps the socket open and lets a join message follow', async () => {
    const server = await testServer()
    const client = await connect(upgradeUrl(server, 'join=bad&room=no%20spaces'))
    const error = await client.nextOf<Message & { code: string; message: string }>('error')
    expect(error).toMatchObject({ code: ErrorCode.BAD_MESSAGE, ref: 'bad' })
    expect(error.message).toMatch(/^room: /)
    client.send({ type: 'join', room: 'fine', id: 'j2' })
    expect(await client.nextOf('welcome')).toMatchObject({ room: 'fine', ref: 'j2' })
  })

  it('counts an upgrade join in the join metric', async () => {
    const server = await testServer()
    const client = await connect(upgradeUrl(server, 'join=m&room=r'))
    await client.nextOf('welcome')
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    expect(metrics).toMatch(/parley_messages_total\{type="join"\} 1\b/)
  })

  it('answers a join message on an upgrade-joined socket with ALREADY_JOINED', async () => {
    const server = await testServer()
    const client = await connect(upgradeUrl(server, 'join=u&room=r'))
    await client.nextOf('welcome')
    client.send({ type: 'join', room: 'r', id: 'again' })
    expect(await client.nextOf('error')).toMatchObject({ code: ErrorCode.ALREADY_JOINED, ref: 'again' })
  })

  it('resumes a dropped session from the URL: same peerId, resumed, no presence flap for the others', async () => {
    const server = await testServer()
    const { a, b } = await adaAndDroppedBob(server)
    a.client.send({ type: 'signal', to: b.welcome.peerId, data: { queued: 1 } })
    const b2 = await connect(
      upgradeUrl(server, `join=re&room=r&resume=${encodeURIComponent(b.welcome.resume)}`),
    )
    expect(await b2.nextOf('welcome')).toMatchObject({ peerId: b.welcome.peerId, resumed: true, ref: 're' })
    expect(await b2.nextOf('signal')).toEqual({ type: 'signal', from: a.welcome.peerId, data: { queued: 1 } })
    expect(a.client.received.filter((m) => m.type === 'peer-left')).toEqual([])
  })

  it('checks the auth token carried in the URL: refused without, admitted with a valid one', async () => {
    const secret = 'a-test-secret-of-at-least-32-bytes!'
    const server = await testServer({ authSecret: secret })
    const refused = await connect(upgradeUrl(server, 'join=n&room=r'))
    expect(await refused.nextOf('error')).toMatchObject({ code: ErrorCode.UNAUTHORIZED, ref: 'n' })
    const jwt = await new SignJWT({ room: 'r' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(Math.floor(Date.now() / 1000) + 60)
      .sign(new TextEncoder().encode(secret))
    const admitted = await connect(
      upgradeUrl(server, joinQuery({ type: 'join', id: 'y', room: 'r', token: jwt })),
    )
    expect(await admitted.nextOf('welcome')).toMatchObject({ room: 'r', ref: 'y' })
  })

  it('ignores a query without join: the client joins with a message as before', async () => {
    const server = await testServer()
    const client = await connect(upgradeUrl(server, 'room=r&name=x'))
    client.send({ type: 'join', room: 'other', id: 'm' })
    expect(await client.nextOf('welcome')).toMatchObject({ room: 'other', ref: 'm' })
    expect(client.received).toHaveLength(1)
  })
})
