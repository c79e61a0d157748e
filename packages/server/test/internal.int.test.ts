import { ErrorCode } from '@parley/protocol'
import { describe, expect, it } from 'vitest'
import { MemoryDirectory } from '../src/index.js'
import { joined, testServer } from './support/server.js'

class FaultyDirectory extends MemoryDirectory {
  override route(room: string, to: string, frame: Buffer): boolean {
    if (to === 'explode') throw new Error('directory failure')
    return super.route(room, to, frame)
  }
}

describe('internal errors', () => {
  it('answers INTERNAL with the ref when routing fails, and the connection keeps working', async () => {
    const server = await testServer({ directory: new FaultyDirectory() })
    const a = await joined(server, 'r')
    const b = await joined(server, 'r')
    a.client.send({ type: 'signal', to: 'explode', data: {}, id: 'boom' })
    expect(await a.client.nextOf('error')).toMatchObject({ code: ErrorCode.INTERNAL, ref: 'boom' })
    a.client.send({ type: 'signal', to: b.welcome.peerId, data: { still: 'fine' } })
    expect((await b.client.nextOf('signal')).data).toEqual({ still: 'fine' })
  })
})
