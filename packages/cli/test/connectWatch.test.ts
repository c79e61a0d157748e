import { type PeerState, TypedEmitter } from '@parley/client'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { NO_PATH_REASON, type WatchedPeer, watchConnecting } from '../src/connectWatch.js'
import type { Io } from '../src/ui.js'

class FakePeer implements WatchedPeer {
  constructor(
    readonly name: string,
    public state: PeerState,
  ) {}
}

interface FakeRoomEvents {
  'participant-joined': (peer: FakePeer) => void
  'participant-left': (peer: FakePeer) => void
  'connection-state': (peer: FakePeer, state: PeerState) => void
}

class FakeRoom extends TypedEmitter<FakeRoomEvents> {
  readonly participants = new Map<string, FakePeer>()
  join(peer: FakePeer): void {
    this.participants.set(peer.name, peer)
    this.emit('participant-joined', peer)
  }
  set(peer: FakePeer, state: PeerState): void {
    peer.state = state
    this.emit('connection-state', peer, state)
  }
}

const terminal = () => {
  let text = ''
  const io = {
    stderr: { write: (s: string) => (text += s) },
    stdout: { write: (s: string) => (text += s) },
  } as unknown as Io
  return { io, text: () => text }
}

describe('watchConnecting', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('a peer still connecting after hintAfterMs gets one line naming it; one that connects in time gets none', () => {
    vi.useFakeTimers()
    const room = new FakeRoom()
    const out = terminal()
    const stop = watchConnecting(room, out.io, { role: 'the receiver', hintAfterMs: 1000 })
    const slow = new FakePeer('Bo', 'connecting')
    const quick = new FakePeer('Cy', 'connecting')
    room.join(slow)
    room.join(quick)
    room.set(quick, 'connected')
    vi.advanceTimersByTime(999)
    expect(out.text()).toBe('')
    vi.advanceTimersByTime(1)
    expect(out.text()).toMatch(/^Still trying to connect to the receiver \(Bo\): no path found yet\./)
    expect(out.text()).not.toContain('Cy')
    vi.advanceTimersByTime(60_000)
    expect(out.text().split('\n').filter(Boolean)).toHaveLength(1)
    stop()
  })

  it('peers already in the room at the start are watched too', () => {
    vi.useFakeTimers()
    const room = new FakeRoom()
    room.participants.set('Ada', new FakePeer('Ada', 'connecting'))
    const out = terminal()
    watchConnecting(room, out.io, { role: 'the sender', hintAfterMs: 10 })
    vi.advanceTimersByTime(10)
    expect(out.text()).toContain('Still trying to connect to the sender (Ada)')
  })

  it('a peer that fails without ever connecting: the reason is written and onFailed called; one that fails after being connected: neither', () => {
    const room = new FakeRoom()
    const out = terminal()
    const failed: string[] = []
    watchConnecting(room, out.io, { role: 'the sender', onFailed: (p) => failed.push(p.name) })
    const never = new FakePeer('Ada', 'connecting')
    const lost = new FakePeer('Bo', 'connecting')
    room.join(never)
    room.join(lost)
    room.set(lost, 'connected')
    room.set(lost, 'reconnecting')
    room.set(lost, 'failed')
    expect(failed).toEqual([])
    room.set(never, 'failed')
    expect(failed).toEqual(['Ada'])
    expect(out.text()).toBe(`Could not connect to the sender: ${NO_PATH_REASON}.\n`)
  })

  it('after stop(), nothing more is written (and stop() may be called again)', () => {
    vi.useFakeTimers()
    const room = new FakeRoom()
    const out = terminal()
    const stop = watchConnecting(room, out.io, { role: 'the receiver', hintAfterMs: 10 })
    const peer = new FakePeer('Bo', 'connecting')
    room.join(peer)
    stop()
    stop()
    vi.advanceTimersByTime(100)
    room.set(peer, 'failed')
    expect(out.text()).toBe('')
  })
})
