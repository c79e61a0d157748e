import { describe, expect, it } from 'vitest'
import type { DirectoryMember } from '../src/index.js'
import { MemoryDirectory } from '../src/index.js'
import { TokenBucket } from '../src/TokenBucket.js'
import { turnCredentials } from '../src/turn.js'

describe('TokenBucket', () => {
  it('allows a burst of capacity, then refills at the rate', () => {
    const bucket = new TokenBucket(10, 3, 0)
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([
      true,
      true,
      true,
      false,
    ])
    expect(bucket.take(50)).toBe(false) // half a token
    expect(bucket.take(100)).toBe(true) // one token after 100 ms at 10/s
    expect(bucket.take(10_000)).toBe(true)
    expect([bucket.take(10_000), bucket.take(10_000), bucket.take(10_000)]).toEqual([true, true, false])
  })
})

function member(peerId: string, log: string[]): DirectoryMember {
  return {
    peerId,
    name: peerId.toUpperCase(),
    deliver: (frame) => log.push(`${peerId} got ${frame.toString()}`),
    peerJoined: (p) => log.push(`${peerId} saw join ${p.peerId}`),
    peerLeft: (id) => log.push(`${peerId} saw leave ${id}`),
  }
}

describe('MemoryDirectory', () => {
  it('announces joins and leaves to the others, routes only within a room, and enforces limits', () => {
    const log: string[] = []
    const dir = new MemoryDirectory({ maxPeersPerRoom: 2, maxRooms: 2 })
    expect(dir.join('r', member('a', log))).toEqual({ ok: true, peers: [] })
    expect(dir.join('r', member('b', log))).toEqual({ ok: true, peers: [{ peerId: 'a', name: 'A' }] })
    expect(dir.join('r', member('c', log))).toEqual({ ok: false, code: 'ROOM_FULL' })
    expect(dir.join('s', member('d', log))).toMatchObject({ ok: true })
    expect(dir.join('t', member('e', log))).toEqual({ ok: false, code: 'TOO_MANY_ROOMS' })
    const F = Buffer.from('F')
    expect(dir.route('r', 'b', F)).toBe(true)
    expect(dir.route('r', 'd', F)).toBe(false)
    expect(dir.route('s', 'b', F)).toBe(false)
    dir.leave('r', 'a')
    dir.leave('r', 'a')
    expect(log).toEqual(['a saw join b', 'b got F', 'b saw leave a'])
    expect(dir.peers('r')).toEqual([{ peerId: 'b', name: 'B' }])
    expect(dir.stats()).toEqual({ rooms: 2, peers: 2 })
    dir.leave('r', 'b')
    expect(dir.stats()).toEqual({ rooms: 1, peers: 1 })
  })
})

describe('turnCredentials', () => {
  it('follows the TURN REST scheme', () => {
    const c = turnCredentials('secret', 'peer1', 3_600_000, 1_000_000_000_000)
    expect(c.username).toBe('1000003600:peer1')
    expect(c.credential).toBe('QN6G+ptqEdDWNPfRXcbI3/2InUM=')
  })
})
