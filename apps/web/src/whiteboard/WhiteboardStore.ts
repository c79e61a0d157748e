import {
  BOARD_HEIGHT,
  BOARD_WIDTH,
  type ClearWire,
  MAX_STROKE_POINTS,
  MAX_SYNC_STROKES,
  type StrokeWire,
  type WhiteboardWire,
} from '../messages/appMessages.js'
import { Store } from '../state/Store.js'

/**
 * The shared whiteboard as a grow-only set of strokes plus a "cleared up to" mark.
 *
 * - While drawing, new points go out every ~40 ms on the unreliable channel (`wb-live`): low
 *   latency, may be lost. The finished stroke goes out on the reliable channel (`wb-stroke`) and
 *   replaces whatever live parts arrived, so every peer ends up with the same strokes.
 * - Strokes and clears carry a Lamport clock; a clear removes every stroke ordered before it
 *   (clock, then id), so peers converge whatever order messages arrive in.
 * - When a connection to a peer opens, both sides ask each other for their whole board
 *   (`wb-sync-request` → `wb-sync`) and merge it: a late joiner sees everything drawn before.
 */
export interface WhiteboardTransport {
  broadcastLive(message: WhiteboardWire): void
  broadcastReliable(message: WhiteboardWire): void
  sendTo(peerId: string, message: WhiteboardWire): void
}

export interface WhiteboardState {
  /** Bumped on every visible change; the canvas redraws from `strokes()`. */
  readonly version: number
  readonly strokeCount: number
}

const LIVE_FLUSH_MS = 40
/** Bounds against a peer that floods the board: oldest strokes (in the agreed order) go first. */
export const MAX_BOARD_STROKES = 10_000
export const MAX_LIVE_STROKES = 64

export class WhiteboardStore extends Store<WhiteboardState> {
  readonly #transport: WhiteboardTransport
  readonly #selfId: () => string
  readonly #schedule: (fn: () => void, ms: number) => unknown
  readonly #committed = new Map<string, StrokeWire>()
  readonly #live = new Map<string, { stroke: StrokeWire; points: number[] }>()
  #cleared: ClearWire | null = null
  #clock = 0
  #counter = 0
  /** The local stroke being drawn, and how many of its points were already sent live. */
  #drawing:
    | { id: string; clock: number; color: string; width: number; points: number[]; sent: number }
    | undefined
  #flushScheduled = false

  constructor(
    transport: WhiteboardTransport,
    selfId: () => string,
    schedule: (fn: () => void, ms: number) => unknown = (fn, ms) => setTimeout(fn, ms),
  ) {
    super({ version: 0, strokeCount: 0 })
    this.#transport = transport
    this.#selfId = selfId
    this.#schedule = schedule
  }

  /** Committed strokes in their agreed order, then strokes still being drawn. */
  strokes(): StrokeWire[] {
    const done = [...this.#committed.values()].sort(compareStrokes)
    const live = [...this.#live.values()].map((l) => ({ ...l.stroke, points: l.points }))
    const mine = this.#drawing
    if (mine)
      live.push({ id: mine.id, clock: mine.clock, color: mine.color, width: mine.width, points: mine.points })
    return [...done, ...live]
  }

  // ------------------------------------------------------------------ local drawing

  begin(x: number, y: number, color: string, width: number): void {
    if (this.#drawing) this.end()
    const id = `${this.#selfId()}:${(this.#counter++).toString(36)}`
    this.#drawing = { id, clock: ++this.#clock, color, width, points: [clampX(x), clampY(y)], sent: 0 }
    this.#changed()
    this.#scheduleFlush()
  }

  extend(x: number, y: number): void {
    const d = this.#drawing
    if (!d || d.points.length >= MAX_STROKE_POINTS * 2) return
    const px = clampX(x)
    const py = clampY(y)
    if (d.points.at(-2) === px && d.points.at(-1) === py) return
    d.points.push(px, py)
    this.#changed()
    this.#scheduleFlush()
  }

  end(): void {
    const d = this.#drawing
    if (!d) return
    this.#drawing = undefined
    const stroke: StrokeWire = { id: d.id, clock: d.clock, color: d.color, width: d.width, points: d.points }
    if (!this.#isCleared(stroke)) this.#committed.set(stroke.id, stroke)
    this.#transport.broadcastReliable({ type: 'wb-stroke', stroke })
    this.#changed()
  }

  clear(): void {
    if (this.#drawing) this.end()
    const clear: ClearWire = { clock: ++this.#clock, by: this.#selfId() }
    this.#applyClear(clear)
    this.#transport.broadcastReliable({ type: 'wb-clear', clear })
    this.#changed()
  }

  /** Sends pending live points now (called on a timer while drawing). */
  flushLive(): void {
    this.#flushScheduled = false
    const d = this.#drawing
    if (!d || d.sent * 2 >= d.points.length) return
    // Repeat the last point already sent so that consecutive live parts join up.
    const from = Math.max(0, d.sent * 2 - 2)
    const points = d.points.slice(from)
    d.sent = d.points.length / 2
    this.#transport.broadcastLive({
      type: 'wb-live',
      stroke: { id: d.id, clock: d.clock, color: d.color, width: d.width, points },
    })
  }

  // ------------------------------------------------------------------ remote

  /** A connection to `peerId` opened: ask it for its board (it asks for ours the same way). */
  peerConnected(peerId: string): void {
    this.#transport.sendTo(peerId, { type: 'wb-sync-request' })
  }

  /** Drops the unfinished strokes of a peer that left. */
  peerLeft(peerId: string): void {
    let changed = false
    for (const id of this.#live.keys()) {
      if (id.startsWith(`${peerId}:`)) {
        this.#live.delete(id)
        changed = true
      }
    }
    if (changed) this.#changed()
  }

  receive(fromPeerId: string, message: WhiteboardWire): void {
    let changed = false
    switch (message.type) {
      case 'wb-live':
        changed = this.#receiveLive(message.stroke)
        break
      case 'wb-stroke':
        this.#observe(message.stroke.clock)
        changed = this.#commit(message.stroke)
        break
      case 'wb-clear':
        this.#observe(message.clear.clock)
        changed = this.#applyClear(message.clear)
        break
      case 'wb-sync-request': {
        const strokes = [...this.#committed.values()].sort(compareStrokes).slice(-MAX_SYNC_STROKES)
        this.#transport.sendTo(fromPeerId, { type: 'wb-sync', strokes, cleared: this.#cleared })
        break
      }
      case 'wb-sync':
        if (message.cleared) {
          this.#observe(message.cleared.clock)
          changed = this.#applyClear(message.cleared)
        }
        for (const stroke of message.strokes) {
          this.#observe(stroke.clock)
          changed = this.#commit(stroke) || changed
        }
        break
    }
    if (changed) this.#changed()
  }

  /** Each of these returns whether the visible board changed. */
  #receiveLive(stroke: StrokeWire): boolean {
    this.#observe(stroke.clock)
    if (this.#committed.has(stroke.id) || this.#isCleared(stroke)) return false
    const live = this.#live.get(stroke.id)
    if (!live) {
      if (this.#live.size >= MAX_LIVE_STROKES) {
        const oldest = this.#live.keys().next().value
        if (oldest !== undefined) this.#live.delete(oldest)
      }
      this.#live.set(stroke.id, { stroke, points: [...stroke.points] })
      return true
    }
    if (live.points.length + stroke.points.length > MAX_STROKE_POINTS * 2) return false
    live.points.push(...stroke.points)
    return true
  }

  #commit(stroke: StrokeWire): boolean {
    const wasLive = this.#live.delete(stroke.id)
    if (this.#committed.has(stroke.id) || this.#isCleared(stroke)) return wasLive
    this.#committed.set(stroke.id, stroke)
    if (this.#committed.size > MAX_BOARD_STROKES) {
      let oldest: StrokeWire | undefined
      for (const s of this.#committed.values()) if (!oldest || compareStrokes(s, oldest) < 0) oldest = s
      if (oldest) this.#committed.delete(oldest.id)
    }
    return true
  }

  #applyClear(clear: ClearWire): boolean {
    if (this.#cleared && compareClears(clear, this.#cleared) <= 0) return false
    this.#cleared = clear
    let changed = false
    for (const [id, stroke] of this.#committed) {
      if (this.#isCleared(stroke)) changed = this.#committed.delete(id) || changed
    }
    for (const [id, live] of this.#live) {
      if (this.#isCleared(live.stroke)) changed = this.#live.delete(id) || changed
    }
    return changed
  }

  #isCleared(stroke: StrokeWire): boolean {
    const c = this.#cleared
    return c !== null && (stroke.clock < c.clock || (stroke.clock === c.clock && stroke.id < c.by))
  }

  #observe(clock: number): void {
    if (clock > this.#clock) this.#clock = clock
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return
    this.#flushScheduled = true
    this.#schedule(() => this.flushLive(), LIVE_FLUSH_MS)
  }

  #changed(): void {
    const s = this.get()
    this.set({ version: s.version + 1, strokeCount: this.#committed.size })
  }
}

function compareStrokes(a: StrokeWire, b: StrokeWire): number {
  return a.clock - b.clock || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

function compareClears(a: ClearWire, b: ClearWire): number {
  return a.clock - b.clock || (a.by < b.by ? -1 : a.by > b.by ? 1 : 0)
}

function clampX(x: number): number {
  return Math.round(Math.min(BOARD_WIDTH, Math.max(0, x)))
}

function clampY(y: number): number {
  return Math.round(Math.min(BOARD_HEIGHT, Math.max(0, y)))
}
