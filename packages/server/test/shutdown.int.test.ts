import { CloseCode } from '@parley/protocol'
import { describe, expect, it } from 'vitest'
import { RawClient } from './support/rawClient.js'
import { joined, testServer } from './support/server.js'

describe('ParleyServer.close', () => {
  it('graceful: closes every client with 1012, stops accepting, and is idempotent', async () => {
    const server = await testServer()
    const a = await joined(server, 'r')
    const b = await joined(server, 'r')
    const first = server.close()
    const second = server.close()
    expect(second).toBe(first)
    const [ca, cb] = await Promise.all([a.client.waitClosed(), b.client.waitClosed()])
    expect(ca.code).toBe(CloseCode.SERVICE_RESTART)
    expect(cb.code).toBe(CloseCode.SERVICE_RESTART)
    await first
    await expect(RawClient.connect(server.wsUrl)).rejects.toThrow()
  })

  it('not graceful: drops every socket at once', async () => {
    const server = await testServer()
    const a = await joined(server, 'r')
    await server.close({ graceful: false })
    expect((await a.client.waitClosed()).code).toBe(1006)
  })
})
