import { describe, expect, it } from 'vitest'
import { PEER_TRANSITIONS, type PeerState } from '../src/PeerSession.js'
import { ROOM_TRANSITIONS } from '../src/Room.js'
import { SIGNALING_TRANSITIONS } from '../src/SignalingClient.js'
import { StateMachine, type TransitionTable } from '../src/StateMachine.js'

function machine<S extends string>(table: TransitionTable<S>, initial: S) {
  const changes: [S, S][] = []
  const m = new StateMachine<S>({
    name: 't',
    initial,
    table,
    onChange: (next, prev) => changes.push([next, prev]),
  })
  return { m, changes }
}

describe('StateMachine', () => {
  it('moves along the table and notifies with the previous state', () => {
    const { m, changes } = machine(PEER_TRANSITIONS, 'new')
    expect(m.set('connecting')).toBe(true)
    expect(m.set('connected')).toBe(true)
    expect(m.set('reconnecting')).toBe(true)
    expect(m.set('connected')).toBe(true)
    expect(changes).toEqual([
      ['connecting', 'new'],
      ['connected', 'connecting'],
      ['reconnecting', 'connected'],
      ['connected', 'reconnecting'],
    ])
  })

  it('rejects an illegal transition: state unchanged, no notification, returns false', () => {
    const { m, changes } = machine(PEER_TRANSITIONS, 'new')
    expect(m.set('connected')).toBe(false)
    expect(m.state).toBe('new')
    expect(changes).toEqual([])
  })

  it('setting the current state again is a no-op that reports success without notifying', () => {
    const { m, changes } = machine(PEER_TRANSITIONS, 'connecting')
    expect(m.set('connecting')).toBe(true)
    expect(changes).toEqual([])
  })
})

describe('transition tables', () => {
  it('peer: closed is final, failed only goes to closed, and every state can close', () => {
    expect(PEER_TRANSITIONS.closed).toEqual([])
    expect(PEER_TRANSITIONS.failed).toEqual(['closed'])
    for (const s of Object.keys(PEER_TRANSITIONS) as PeerState[]) {
      if (s !== 'closed') expect(PEER_TRANSITIONS[s]).toContain('closed')
    }
    expect(PEER_TRANSITIONS.connected).toContain('reconnecting')
    expect(PEER_TRANSITIONS.reconnecting).toContain('connected')
  })

  it('signaling and room: closed/left are final and reconnecting returns to joined', () => {
    expect(SIGNALING_TRANSITIONS.closed).toEqual([])
    expect(SIGNALING_TRANSITIONS.reconnecting).toContain('joined')
    expect(SIGNALING_TRANSITIONS.connecting).not.toContain('reconnecting')
    expect(ROOM_TRANSITIONS.left).toEqual([])
    expect(ROOM_TRANSITIONS.reconnecting).toContain('joined')
  })
})
