import { CloseCode, ErrorCode, MAX_SIGNAL_DATA_BYTES } from '@parley/protocol'
import { describe, expect, it } from 'vitest'
import { UpgradeRefused } from './support/rawClient.js'
import { connect, joined, testServer } from './support/server.js'

/** A `{"s":"…"}` object whose JSON is exactly `bytes` bytes of UTF-8, made of `char` (1 or 2 bytes). */
function dataOfBytes(bytes: number, char = 'x'): { s: string } {
  const per = Buffer.byteLength(char)
  return { s: char.repeat((bytes - 8) / per) }
}

describe('message size limits', () => {
  it('relays data of exactly 64 KiB serialized and refuses one byte more with TOO_LARGE (defaults)', async () => {
    const server = await testServer()
    const a = await joined(server, 'r')
    const b = await joined(server, 'r')
    const fits = dataOfBytes(MAX_SIGNAL_DATA_BYTES)
    const over = dataOfBytes(MAX_SIGNAL_DATA_BYTES + 1)
    expect(JSON.stringify(fits)).toHaveLength(MAX_SIGNAL_DATA_BYTES)
    a.client.send({ type: 'signal', to: b.welcome.peerId, data: over, id: 'big' })
    a.client.send({ type: 'signal', to: b.welcome.peerId, data: fits })
    expect(await a.client.nextOf('error')).toMatchObject({ code: ErrorCode.TOO_LARGE, ref: 'big' })
    expect((await b.client.nextOf('signal')).data).toEqual(fits)
  })

  it('counts the limit in UTF-8 bytes, not characters', async () => {
    const server = await testServer()
    const a = await joined(server, 'r')
    const b = await joined(server, 'r')
    const fits = dataOfBytes(MAX_SIGNAL_DATA_BYTES, 'é')
    const over = dataOfBytes(MAX_SIGNAL_DATA_BYTES + 2, 'é')
    a.client.send({ type: 'signal', to: b.welcome.peerId, data: over, id: 'big' })
    a.client.send({ type: 'signal', to: b.welcome.peerId, data: fits })
    expect(await a.client.nextOf('error')).toMatchObject({ code: ErrorCode.TOO_LARGE, ref: 'big' })
    expect((await b.client.nextOf('signal')).data).toEqual(fits)
  })

  it('answers TOO_LARGE unread above maxMessageBytes and closes with 1009 above maxFrameBytes', async () => {
    const server = await testServer({ maxSignalDataBytes: 1000, maxMessageBytes: 4096, maxFrameBytes: 8192 })
    const a = await joined(server, 'r')
    const b = await joined(server, 'r')
    a.client.send({ type: 'signal', to: b.welcome.peerId, data: dataOfBytes(1001), id: 'd' })
    expect(await a.client.nextOf('error')).toMatchObject({ code: 'TOO_LARGE', ref: 'd' })
    a.client.send({ type: 'signal', to: b.welcome.peerId, data: dataOfBytes(5000) })
    const unread = await a.client.nextOf('error')
    expect(unread).toMatchObject({ code: 'TOO_LARGE' })
    expect(unread.ref).toBeUndefined()
    a.client.send({ type: 'signal', to: b.welcome.peerId, data: dataOfBytes(10_000) })
    expect((await a.client.waitClosed()).code).toBe(CloseCode.MESSAGE_TOO_BIG)
    // the others are unaffected
    const c = await joined(server, 'r')
    c.client.send({ type: 'signal', to: b.welcome.peerId, data: { after: true } })
    expect((await b.client.nextOf('signal')).data).toEqual({ after: true })
  })
})

describe('rate limiting', () => {
  it('answers RATE_LIMITED beyond the burst, then closes a sustained flood with 1008 without harming others', async () => {
    const server = await testServer({ rateLimit: 5, rateBurst: 10, floodThreshold: 20 })
    const flooder = await joined(server, 'r')
    const a = await joined(server, 'r')
    const b = await joined(server, 'r')
    for (let i = 0; i < 12; i++) flooder.client.send({ type: 'signal', to: b.welcome.peerId, data: { i } })
    expect(await flooder.client.nextOf('error')).toMatchObject({ code: ErrorCode.RATE_LIMITED })
    for (let i = 0; i < 200; i++) flooder.client.send({ type: 'signal', to: b.welcome.peerId, data: { i } })
    expect((await flooder.client.waitClosed()).code).toBe(CloseCode.POLICY_VIOLATION)
    // the flooder's session ends at once; the well-behaved pair keeps relaying
    expect(
      await a.client.next((m) => m.type === 'peer-left' && m.peerId === flooder.welcome.peerId),
    ).toBeTruthy()
    a.client.send({ type: 'signal', to: b.welcome.peerId, data: { fine: true } })
    expect(await b.client.next((m) => m.type === 'signal' && m.from === a.welcome.peerId)).toMatchObject({
      data: { fine: true },
    })
  })
})

describe('capacity limits', () => {
  it('refuses a join beyond maxPeersPerRoom with ROOM_FULL', async () => {
    const server = await testServer({ maxPeersPerRoom: 2 })
    await joined(server, 'r')
    await joined(server, 'r')
    const third = await connect(server)
    third.send({ type: 'join', room: 'r', id: 'x' })
    expect(await third.nextOf('error')).toMatchObject({ code: ErrorCode.ROOM_FULL, ref: 'x' })
    third.send({ type: 'join', room: 'other' })
    expect(await third.nextOf('welcome')).toMatchObject({ room: 'other' })
  })

  it('defaults to 16 peers per room', async () => {
    const server = await testServer()
    for (let i = 0; i < 16; i++) await joined(server, 'r')
    const extra = await connect(server)
    extra.send({ type: 'join', room: 'r' })
    expect(await extra.nextOf('error')).toMatchObject({ code: ErrorCode.ROOM_FULL })
  })

  it('refuses a new room beyond maxRooms with TOO_MANY_ROOMS; an emptied room frees its slot', async () => {
    const server = await testServer({ maxRooms: 1 })
    const a = await joined(server, 'a')
    const b = await connect(server)
    b.send({ type: 'join', room: 'b', id: 'nb' })
    expect(await b.nextOf('error')).toMatchObject({ code: ErrorCode.TOO_MANY_ROOMS, ref: 'nb' })
    a.client.send({ type: 'leave' })
    a.client.send({ type: 'join', room: 'b' })
    expect(await a.client.next((m) => m.type === 'welcome' || m.type === 'error')).toMatchObject({
      type: 'welcome',
      room: 'b',
    })
  })

  it('closes connections beyond maxConnections with 1013', async () => {
    const server = await testServer({ maxConnections: 2 })
    await connect(server)
    await connect(server)
    const third = await connect(server)
    expect((await third.waitClosed()).code).toBe(CloseCode.TRY_AGAIN_LATER)
  })
})

describe('origin check', () => {
  it('refuses a disallowed Origin with 403 and accepts listed, same-origin and Origin-less clients', async () => {
    const server = await testServer({ allowedOrigins: ['https://app.example'] })
    const refused = await connect(server, { origin: 'https://evil.example' }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(UpgradeRefused)
    expect((refused as UpgradeRefused).status).toBe(403)
    await expect(connect(server, { origin: 'https://app.example' })).resolves.toBeTruthy()
    await expect(connect(server, { origin: server.url })).resolves.toBeTruthy()
    await expect(connect(server)).resolves.toBeTruthy()
  })
})

describe('hostile frames', () => {
  it('closes a connection sending invalid UTF-8 with 1007 and keeps serving others', async () => {
    const server = await testServer()
    const a = await joined(server, 'r')
    const b = await joined(server, 'r')
    a.client.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false })
    expect((await a.client.waitClosed()).code).toBe(1007)
    const c = await joined(server, 'r')
    c.client.send({ type: 'signal', to: b.welcome.peerId, data: { ok: 1 } })
    expect((await b.client.nextOf('signal')).data).toEqual({ ok: 1 })
  })
})
