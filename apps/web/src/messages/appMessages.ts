/**
 * Messages the web app exchanges with other participants over the SDK's data channels.
 * Everything received is untrusted: `parseAppMessage` validates it at the boundary and returns
 * undefined for anything malformed, oversized or unknown (newer apps may send more types).
 */

export const MAX_CHAT_LENGTH = 2000
/** Whiteboard logical canvas, in points. Coordinates are integers inside it. */
export const BOARD_WIDTH = 1600
export const BOARD_HEIGHT = 900
export const MAX_STROKE_POINTS = 4000
export const MAX_SYNC_STROKES = 5000
const MAX_ID = 100

export interface ChatMessageWire {
  readonly type: 'chat'
  readonly id: string
  readonly text: string
  readonly sentAt: number
}

export interface StrokeWire {
  readonly id: string
  /** Lamport clock when the stroke started: orders strokes and clears the same way everywhere. */
  readonly clock: number
  readonly color: string
  readonly width: number
  /** Flat [x0, y0, x1, y1, …] in board coordinates. */
  readonly points: readonly number[]
}

export interface ClearWire {
  readonly clock: number
  readonly by: string
}

export type WhiteboardWire =
  /** Live part of a stroke being drawn (unreliable channel: may be lost or late). */
  | { readonly type: 'wb-live'; readonly stroke: StrokeWire }
  /** A finished stroke (reliable channel): the authoritative copy. */
  | { readonly type: 'wb-stroke'; readonly stroke: StrokeWire }
  | { readonly type: 'wb-clear'; readonly clear: ClearWire }
  | { readonly type: 'wb-sync-request' }
  | { readonly type: 'wb-sync'; readonly strokes: readonly StrokeWire[]; readonly cleared: ClearWire | null }

export type AppMessage = ChatMessageWire | WhiteboardWire

type Obj = Record<string, unknown>

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_ID
const isClock = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0
const isColor = (v: unknown): v is string => typeof v === 'string' && /^#[0-9a-f]{6}$/i.test(v)

export function parseStroke(v: unknown): StrokeWire | undefined {
  if (!isObj(v) || !isId(v.id) || !isClock(v.clock) || !isColor(v.color)) return undefined
  if (typeof v.width !== 'number' || !(v.width >= 1 && v.width <= 64)) return undefined
  const points = v.points
  if (!Array.isArray(points) || points.length % 2 !== 0 || points.length > MAX_STROKE_POINTS * 2)
    return undefined
  for (let i = 0; i < points.length; i += 2) {
    const x = points[i] as unknown
    const y = points[i + 1] as unknown
    if (typeof x !== 'number' || typeof y !== 'number') return undefined
    if (!(x >= 0 && x <= BOARD_WIDTH && y >= 0 && y <= BOARD_HEIGHT)) return undefined
  }
  return {
    id: v.id,
    clock: v.clock,
    color: v.color.toLowerCase(),
    width: v.width,
    points: points as number[],
  }
}

function parseClear(v: unknown): ClearWire | undefined {
  if (!isObj(v) || !isClock(v.clock) || !isId(v.by)) return undefined
  return { clock: v.clock, by: v.by }
}

export function parseAppMessage(data: unknown): AppMessage | undefined {
  if (!isObj(data)) return undefined
  switch (data.type) {
    case 'chat': {
      const { id, text, sentAt } = data
      if (!isId(id) || typeof text !== 'string' || typeof sentAt !== 'number' || !Number.isFinite(sentAt)) {
        return undefined
      }
      const trimmed = text.trim()
      if (trimmed === '' || text.length > MAX_CHAT_LENGTH) return undefined
      return { type: 'chat', id, text: trimmed, sentAt }
    }
    case 'wb-live':
    case 'wb-stroke': {
      const stroke = parseStroke(data.stroke)
      return stroke ? { type: data.type, stroke } : undefined
    }
    case 'wb-clear': {
      const clear = parseClear(data.clear)
      return clear ? { type: 'wb-clear', clear } : undefined
    }
    case 'wb-sync-request':
      return { type: 'wb-sync-request' }
    case 'wb-sync': {
      if (!Array.isArray(data.strokes) || data.strokes.length > MAX_SYNC_STROKES) return undefined
      const strokes: StrokeWire[] = []
      for (const s of data.strokes) {
        const stroke = parseStroke(s)
        if (!stroke) return undefined
        strokes.push(stroke)
      }
      const cleared = data.cleared === null ? null : parseClear(data.cleared)
      if (cleared === undefined) return undefined
      return { type: 'wb-sync', strokes, cleared }
    }
    default:
      return undefined
  }
}
