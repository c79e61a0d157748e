import { ErrorCode, PROTOCOL_VERSION } from '@parley/protocol'
import { describe, expect, it } from 'vitest'
import { connect, joined, testServer } from './support/server.js'

describe('join and presence', () => {
  it('join answers a welcome with a server-made peerId, the room, no peers, a resume token and the ref', async () => {
    const server = await testServer()
    const client = await connect(server)
    client.send({ type: 'join', room: 'lobby', name: 'Ada', id: 'j1' })
    const welcome = await client.nextOf('welcome')
    expect(welcome).toMatchObject({
      type: 'welcome',
      room: 'lobby',
      peers: [],
      iceServers: [],
      resumed: false,
      protocol: PROTOCOL_VERSION,
      ref: 'j1',
    })
    expect(welcome.peerId).toMatch(/^[A-Za-z0-9_-]{16}$/)
    expect(typeof welcome.resume).toBe('string')
  })

  it('a second joiner sees the first in its welcome and the first gets peer-joined with the name', async () => {
    const server = await testServer()
    const a = await joined(server, 'r', { name: 'Ada' })
    const b = await joined(server, 'r', { name: 'Bob' })
    expect(b.welcome.peers).toEqual([{ peerId: a.welcome.peerId, name: 'Ada' }])
    expect(await a.client.nextOf('peer-joined')).toEqual({
      type: 'peer-joined',
      peer: { peerId: b.welcome.peerId, name: 'Bob' },
    })
  })

  it('a join without name gets the empty name', async () => {
    const server = await testServer()
    const a = await joined(server, 'r')
    const b = await joined(server, 'r')
    expect(b.welcome.peers).toEqual([{ peerId: a.welcome.peerId, name: '' }])
  })

  it('leave is seen by the others at once as peer-left, and the leaver can join again with a new peerId', async () => {
    const server = await testServer()
    const a = await joined(server, 'r')
    const b = await joined(server, 'r')
    b.client.send({ type: 'leave' })
    expect(await a.client.nextOf('peer-left')).toEqual({ type: 'peer-left', peerId: b.welcome.peerId })
    b.client.send({ type: 'join', room: 'r' })
    const again = await b.client.nextOf('welcome')
    expect(again.peerId).not.toBe(b.welcome.peerId)
  })

  it('a clean close (1000) is seen by the others at once as peer-left', async () => {
    const server = await testServer()
    const a = await joined(server, 'r')
    const b = await joined(server, 'r')
    b.client.close(1000)
    expect(await a.client.nextOf('peer-left')).toEqual({ type: 'peer-left', peerId: b.welcome.peerId })
  })

  it('a close without a code (what browsers send for ws.close()) is seen by the others at once', async () => {
    const server = await testServer()
    const a = await joined(server, 'r')
    const b = await joined(server, 'r')
    b.client.close()
    expect(await a.client.nextOf('peer-left')).toEqual({ type: 'peer-left', peerId: b.welcome.peerId })
  })

  it('peers of other rooms are invisible', async () => {
    const server = await testServer()
    await joined(server, 'one')
    const b = await joined(server, 'two')
    expect(b.welcome.peers).toEqual([])
  })
})

describe('signal relay', () => {
  it('relays data to the addressed peer with from stamped by the server', async () => {
    const server = await testServer()
    const a = await joined(server, 'r')
    const b = await joined(server, 'r')
    const data = {
      kind: 'description',
      description: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' },
    }
    a.client.send({ type: 'signal', to: b.welcome.peerId, data })
    expect(await b.client.nextOf('signal')).toEqual({ type: 'signal', from: a.welcome.peerId, data })
  })

  it('ignores a client-supplied from: the relayed from is the real sender', async () => {
    const server = await testServer()
    const a = await joined(server, 'r')
    const b = await joined(server, 'r')
    const c = await joined(server, 'r')
    a.client.send({ type: 'signal', from: c.welcome.peerId, to: b.welcome.peerId, data: { n: 1 } })
    a.client.send(`{"type":"signal","to":"${b.welcome.peerId}","from":"${c.welcome.peerId}","data":{"n":2}}`)
    const first = await b.client.nextOf('signal')
    const second = await b.client.nextOf('signal')
    expect(first).toEqual({ type: 'signal', from: a.welcome.peerId, data: { n: 1 } })
    expect(second).toEqual({ type: 'signal', from: a.welcome.peerId, data: { n: 2 } })
  })

  it('relays frames in any key order, with id, whitespace and non-ASCII text, with identical data', async () => {
    const server = await testServer()
    const a = await joined(server, 'r')
    const b = await joined(server, 'r')
    const to = b.welcome.peerId
    const data = { text: 'héllo ✓ 😀 "quoted" \\ back', nested: { list: [1, 2.5, null, true, { k: 'v' }] } }
    const json = JSON.stringify(data)
    const frames = [
      `{"type":"signal","to":"${to}","data":${json}}`,
      `{"type":"signal","id":"7","to":"${to}","data":${json}}`,
      `{"data":${json},"to":"${to}","type":"signal"}`,
      `{ "type" : "signal" , "to" : "${to}" , "data" : ${JSON.stringify(data, null, 2)} }`,
      `{"type":"signal","to":"${to}","data":${json},"id":"x"}`,
      `{"type":"signal","to":"${to}","data":{"dup":1},"data":${json}}`,
      `{"type":"signal","to":"\\u${to.charCodeAt(0).toString(16).padStart(4, '0')}${to.slice(1)}","data":${json}}`,
    ]
    for (const frame of frames) a.client.send(frame)
    for (const _ of frames) {
      expect(await b.client.nextOf('signal')).toEqual({ type: 'signal', from: a.welcome.peerId, data })
    }
  })

  it('delivers signals from one sender in the order sent', async () => {
    const server = await testServer()
    const a = await joined(server, 'r')
    const b = await joined(server, 'r')
    for (let i = 0; i < 50; i++) a.client.send({ type: 'signal', to: b.welcome.peerId, data: { i } })
    for (let i = 0; i < 50; i++) expect((await b.client.nextOf('signal')).data).toEqual({ i })
  })

  it('refuses a signal to a peer of another room with UNKNOWN_PEER and does not deliver it', async () => {
    const server = await testServer()
    const a = await joined(server, 'one')
    const b = await joined(server, 'two')
    a.client.send({ type: 'signal', to: b.welcome.peerId, data: { secret: 1 }, id: 's1' })
    expect(await a.client.nextOf('error')).toMatchObject({ code: ErrorCode.UNKNOWN_PEER, ref: 's1' })
    // b's next frame is a marker sent after the refused signal: the signal never arrived before it.
    const c = await joined(server, 'two')
    c.client.send({ type: 'signal', to: b.welcome.peerId, data: { marker: true } })
    expect((await b.client.nextOf('signal')).data).toEqual({ marker: true })
    expect(b.client.received.filter((m) => m.type === 'signal')).toHaveLength(1)
  })

  it('refuses a signal to an unknown peerId with UNKNOWN_PEER', async () => {
    const server = await testServer()
    const a = await joined(server, 'r')
    a.client.send({ type: 'signal', to: 'nobody', data: {}, id: 'q' })
    expect(await a.client.nextOf('error')).toMatchObject({ type: 'error', code: 'UNKNOWN_PEER', ref: 'q' })
  })

  it('refuses data nested deeper than 64 levels with BAD_MESSAGE', async () => {
    const server = await testServer()
    const a = await joined(server, 'r')
    const b = await joined(server, 'r')
    const deep = `${'{"a":'.repeat(70)}1${'}'.repeat(70)}`
    a.client.send(`{"type":"signal","to":"${b.welcome.peerId}","data":${deep},"id":"d"}`)
    a.client.send(`{"type":"signal","id":"d2","to":"${b.welcome.peerId}","data":${deep}}`)
    expect(await a.client.nextOf('error')).toMatchObject({ code: 'BAD_MESSAGE', ref: 'd' })
    expect(await a.client.nextOf('error')).toMatchObject({ code: 'BAD_MESSAGE', ref: 'd2' })
    const ok = `${'{"a":'.repeat(63)}1${'}'.repeat(63)}`
    a.client.send(`{"type":"signal","to":"${b.welcome.peerId}","data":${ok}}`)
    expect((await b.client.nextOf('signal')).data).toEqual(JSON.parse(ok))
  })
})

describe('protocol errors', () => {
  it('a signal or leave before join gets NOT_IN_ROOM with the ref', async () => {
    const server = await testServer()
    const client = await connect(server)
    client.send({ type: 'signal', to: 'x', data: {}, id: 'a' })
    client.send({ type: 'leave', id: 'b' })
    expect(await client.nextOf('error')).toMatchObject({ code: 'NOT_IN_ROOM', ref: 'a' })
    expect(await client.nextOf('error')).toMatchObject({ code: 'NOT_IN_ROOM', ref: 'b' })
  })

  it('a second join gets ALREADY_JOINED', async () => {
    const server = await testServer()
    const { client } = await joined(server, 'r')
    client.send({ type: 'join', room: 'other', id: 'again' })
    expect(await client.nextOf('error')).toMatchObject({ code: 'ALREADY_JOINED', ref: 'again' })
  })

  it('malformed messages get BAD_MESSAGE and the connection stays usable', async () => {
    const server = await testServer()
    const client = await connect(server)
    const bad = [
      '{',
      'null',
      '[]',
      '"join"',
      '{"type":"nope"}',
      '{"type":"join","room":"a b"}',
      `{"type":"join","room":"r","name":${JSON.stringify('n'.repeat(65))}}`,
      '{"type":"signal","to":"x","data":[]}',
      '{"type":"signal","to":"","data":{}}',
    ]
    for (const frame of bad) client.send(frame)
    for (const frame of bad) {
      const error = await client.nextOf('error')
      expect(error, frame).toMatchObject({ code: ErrorCode.BAD_MESSAGE })
      expect(typeof error.message).toBe('string')
    }
    client.send({ type: 'join', room: 'r', id: 'ok' })
    expect(await client.nextOf('welcome')).toMatchObject({ ref: 'ok' })
  })

  it('a binary frame gets BAD_MESSAGE', async () => {
    const server = await testServer()
    const client = await connect(server)
    client.send(Buffer.from('{"type":"leave"}'), { binary: true })
    expect(await client.nextOf('error')).toMatchObject({ code: 'BAD_MESSAGE' })
  })
})
