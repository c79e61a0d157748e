import type { PeerInfo, PeerSignal } from '@parley/protocol'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Participant } from '../src/Participant.js'
import { Roster } from '../src/Roster.js'

const participant = (peerId: string): Participant => ({ peerId }) as Participant
const signal: PeerSignal = { kind: 'candidate', candidate: null }

function roster() {
  const created: [PeerInfo, PeerSignal[]][] = []
  const claimed: [string, PeerInfo, PeerSignal[]][] = []
  const r = new Roster({
    routeGraceMs: 1000,
    onNewPeer: (peer, signals) => created.push([peer, signals]),
    onClaimed: (p, peer, signals) => claimed.push([p.peerId, peer, signals]),
  })
  return { r, created, claimed }
}

describe('Roster', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('finds participants by stable id and by signaling id; removal forgets both', () => {
    const { r } = roster()
    const p = participant('x1')
    r.add(p)
    expect(r.get('x1')).toBe(p)
    expect(r.lookup('x1')).toBe(p)
    expect(r.signalingIdOf(p)).toBe('x1')
    r.remove(p)
    expect(r.get('x1')).toBeUndefined()
    expect(r.size).toBe(0)
  })

  it('after our re-join, a participant that tells us its new id is reached there; its stable id stays', () => {
    const { r } = roster()
    const p = participant('old')
    r.add(p)
    r.unrouteExcept(new Set())
    expect(r.awaitingRoutes).toBe(true)
    expect(r.signalingIdOf(p)).toBeUndefined()
    expect(r.route(p, 'new')).toBe(true)
    expect(r.lookup('new')).toBe(p)
    expect(r.lookup('old')).toBeUndefined()
    expect(r.get('old')).toBe(p)
    expect(r.awaitingRoutes).toBe(false)
  })

  it('routes to ids the new server still lists survive our re-join', () => {
    const { r } = roster()
    const early = participant('e')
    const late = participant('l')
    r.add(early)
    r.add(late)
    r.route(early, 'e2') // re-joined before us and told us
    r.unrouteExcept(new Set(['e2']))
    expect(r.signalingIdOf(early)).toBe('e2')
    expect(r.signalingIdOf(late)).toBeUndefined()
  })

  it('an unknown id is held with its signals while routes are awaited; a claim delivers them', () => {
    const { r, created, claimed } = roster()
    const p = participant('old')
    r.add(p)
    r.unrouteExcept(new Set())
    r.defer({ peerId: 'new', name: '' }, signal)
    r.defer({ peerId: 'new', name: 'Bob' })
    expect(r.isPending('new')).toBe(true)
    r.route(p, 'new')
    expect(claimed).toEqual([['old', { peerId: 'new', name: 'Bob' }, [signal]]])
    expect(created).toEqual([])
  })

  it('an unknown id nobody claims within the grace period becomes a new peer', async () => {
    const { r, created } = roster()
    r.add(participant('old'))
    r.unrouteExcept(new Set())
    r.defer({ peerId: 'stranger', name: 'Eve' }, signal)
    await vi.advanceTimersByTimeAsync(999)
    expect(created).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(created).toEqual([[{ peerId: 'stranger', name: 'Eve' }, [signal]]])
  })

  it('once nobody is left to claim them, pending ids become new peers at once', () => {
    const { r, created } = roster()
    const p = participant('old')
    r.add(p)
    r.unrouteExcept(new Set())
    r.defer({ peerId: 'stranger', name: '' })
    r.remove(p)
    expect(created.map(([peer]) => peer.peerId)).toEqual(['stranger'])
  })

  it('refuses a route to an id another participant holds', () => {
    const { r } = roster()
    const a = participant('a')
    const b = participant('b')
    r.add(a)
    r.add(b)
    expect(r.route(a, 'b')).toBe(false)
    expect(r.lookup('b')).toBe(b)
  })
})
