import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseAppMessage, type WhiteboardWire } from '../src/messages/appMessages.js'
import { MAX_BOARD_STROKES, MAX_LIVE_STROKES, WhiteboardStore } from '../src/whiteboard/WhiteboardStore.js'

interface Packet {
  from: string
  to: string
  reliable: boolean
  message: WhiteboardWire
}

/** Peers wired through a test network: reliable links are FIFO per pair, live packets may be dropped. */
class Net {
  readonly peers = new Map<string, WhiteboardStore>()
  readonly queue: Packet[] = []
  readonly timers: (() => void)[] = []

  add(id: string): WhiteboardStore {
    const push = (to: string, reliable: boolean, message: WhiteboardWire) =>
      // every message crosses a JSON boundary and the validator, as it does in the app
      this.queue.push({
        from: id,
        to,
        reliable,
        message: parseAppMessage(JSON.parse(JSON.stringify(message))) as WhiteboardWire,
      })
    const others = () => [...this.peers.keys()].filter((p) => p !== id)
    const store = new WhiteboardStore(
      {
        broadcastLive: (m) => {
          for (const p of others()) push(p, false, m)
        },
        broadcastReliable: (m) => {
          for (const p of others()) push(p, true, m)
        },
        sendTo: (p, m) => push(p, true, m),
      },
      () => id,
      (fn) => this.timers.push(fn),
    )
    this.peers.set(id, store)
    return store
  }

  /** Delivers the packet at `index`, or the oldest reliable one on the same link if it is not first. */
  deliver(index: number, drop: boolean): void {
    const chosen = this.queue[index % this.queue.length]
    if (!chosen) return
    const i = chosen.reliable
      ? this.queue.findIndex((p) => p.reliable && p.from === chosen.from && p.to === chosen.to)
      : this.queue.indexOf(chosen)
    const [packet] = this.queue.splice(i, 1)
    if (!packet || (drop && !packet.reliable)) return
    this.peers.get(packet.to)?.receive(packet.from, packet.message)
  }

  drain(): void {
    while (this.queue.length > 0) this.deliver(0, false)
  }

  runTimers(): void {
    for (const t of this.timers.splice(0)) t()
  }
}

const view = (s: WhiteboardStore) => JSON.stringify(s.strokes())

type Action =
  | { kind: 'draw'; peer: number; points: [number, number][] }
  | { kind: 'clear'; peer: number }
  | { kind: 'deliver'; index: number; drop: boolean }

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('draw' as const),
      peer: fc.nat(2),
      points: fc.array(fc.tuple(fc.integer({ min: -10, max: 1700 }), fc.integer({ min: -10, max: 1000 })), {
        minLength: 1,
        maxLength: 6,
      }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const), peer: fc.nat(2) }) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('deliver' as const), index: fc.nat(), drop: fc.boolean() }),
  },
)

describe('WhiteboardStore', () => {
  it('draw sends live parts on the unreliable channel and the finished stroke on the reliable one', () => {
    const net = new Net()
    const a = net.add('a')
    const b = net.add('b')
    a.begin(10, 10, '#ffffff', 4)
    a.extend(20, 20)
    net.runTimers()
    net.drain()
    expect(b.strokes()).toMatchObject([{ id: 'a:0', points: [10, 10, 20, 20] }])
    a.extend(30, 30)
    net.runTimers()
    a.end()
    expect(net.queue.map((p) => `${p.message.type}:${p.reliable}`)).toEqual([
      'wb-live:false',
      'wb-stroke:true',
    ])
    net.deliver(1, false)
    net.deliver(0, false)
    expect(b.strokes()).toEqual(a.strokes())
    expect(b.strokes()[0]?.points).toEqual([10, 10, 20, 20, 30, 30])
  })

  it('clear removes strokes made before it on every peer', () => {
    const net = new Net()
    const a = net.add('a')
    const b = net.add('b')
    a.begin(1, 1, '#ffffff', 2)
    a.end()
    net.drain()
    b.clear()
    net.drain()
    expect(a.strokes()).toEqual([])
    expect(b.strokes()).toEqual([])
  })

  it('a late joiner that asks an existing peer gets the same board, clears included', () => {
    const net = new Net()
    const a = net.add('a')
    a.begin(1, 1, '#ffffff', 2)
    a.end()
    a.clear()
    a.begin(5, 5, '#ff0000', 2)
    a.extend(6, 6)
    a.end()
    net.drain()
    const late = net.add('late')
    late.peerConnected('a')
    a.peerConnected('late')
    net.drain()
    expect(view(late)).toBe(view(a))
    expect(late.strokes()).toHaveLength(1)
  })

  it('a sync that brings nothing new does not change the version (no false activity badge)', () => {
    const net = new Net()
    const a = net.add('a')
    const b = net.add('b')
    a.peerConnected('b')
    b.peerConnected('a')
    net.drain()
    expect(a.get().version).toBe(0)
    expect(b.get().version).toBe(0)
    a.begin(1, 1, '#ffffff', 2)
    a.end()
    net.drain()
    const before = b.get().version
    a.peerConnected('b')
    net.drain()
    expect(b.get().version).toBe(before)
  })

  it('a peer flooding strokes cannot grow the board past its bounds; the oldest strokes go first', () => {
    const net = new Net()
    const b = net.add('b')
    const stroke = (n: number) => ({ id: `x:${n}`, clock: n + 1, color: '#000000', width: 2, points: [1, 1] })
    for (let n = 0; n < MAX_BOARD_STROKES + 10; n++) b.receive('x', { type: 'wb-stroke', stroke: stroke(n) })
    for (let n = 0; n < MAX_LIVE_STROKES + 10; n++)
      b.receive('x', { type: 'wb-live', stroke: stroke(100_000 + n) })
    const all = b.strokes()
    expect(all).toHaveLength(MAX_BOARD_STROKES + MAX_LIVE_STROKES)
    expect(all[0]?.id).toBe('x:10')
  })

  it('peerLeft drops the unfinished strokes of that peer only', () => {
    const net = new Net()
    const a = net.add('a')
    const b = net.add('b')
    a.begin(1, 1, '#ffffff', 2)
    net.runTimers()
    net.drain()
    expect(b.strokes()).toHaveLength(1)
    b.peerLeft('a')
    expect(b.strokes()).toHaveLength(0)
  })

  it('converges on every peer and on a late joiner whatever the delivery order and live losses', () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 40 }), (actions) => {
        const net = new Net()
        const peers = [net.add('p0'), net.add('p1'), net.add('p2')]
        for (const act of actions) {
          if (act.kind === 'deliver') net.deliver(act.index, act.drop)
          else if (act.kind === 'clear') peers[act.peer]?.clear()
          else {
            const peer = peers[act.peer]
            const [first, ...rest] = act.points
            if (!peer || !first) continue
            peer.begin(first[0], first[1], '#00ff00', 3)
            for (const [x, y] of rest) peer.extend(x, y)
            net.runTimers()
            peer.end()
          }
        }
        net.drain()
        const late = net.add('late')
        for (const id of ['p0', 'p1', 'p2']) {
          late.peerConnected(id)
          net.peers.get(id)?.peerConnected('late')
        }
        net.drain()
        const expected = view(peers[0] as WhiteboardStore)
        for (const s of [...peers, late]) expect(view(s)).toBe(expected)
      }),
      { numRuns: 300 },
    )
  })
})
