import { describe, expect, it } from 'vitest'
import { connect, joined, testServer } from './support/server.js'

describe('heartbeat', () => {
  it('drops a client that stops answering pings and announces peer-left; answering clients stay', async () => {
    const server = await testServer({ heartbeatIntervalMs: 100, resumeGraceMs: 100 })
    const observer = await joined(server, 'r')
    const silent = await connect(server, { autoPong: false })
    silent.send({ type: 'join', room: 'r' })
    const welcome = await silent.nextOf('welcome')
    expect(await observer.client.nextOf('peer-left', undefined, 5_000)).toEqual({
      type: 'peer-left',
      peerId: welcome.peerId,
    })
    expect((await silent.waitClosed()).code).toBe(1006)
    // the observer answered every ping meanwhile and is still served
    const late = await joined(server, 'r')
    expect(late.welcome.peers).toEqual([{ peerId: observer.welcome.peerId, name: '' }])
  })
})
