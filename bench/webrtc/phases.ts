/**
 * Splits one connect run into phases from the marks of both pages (bench/webrtc/instrument.ts):
 * who offered, how long each side took to make its description, how long the signaling server took
 * to relay it, ICE + DTLS, and the channel open. Times in ms.
 */
import type { Mark } from './instrument.js'

export interface PageMarks {
  /** performance.timeOrigin of the page: wall clock = origin + mark.t */
  readonly origin: number
  readonly marks: readonly Mark[]
}

interface WallMark extends Mark {
  readonly side: 'A' | 'B'
  readonly wall: number
}

export const PHASES = [
  'startToSocket',
  'socketOpen',
  'joined',
  'offerMade',
  'offerRelayed',
  'answerMade',
  'answerRelayed',
  'iceDtls',
  'channelOpen',
] as const
export type Phase = (typeof PHASES)[number]

/** The phases of a run that started at `start` (wall clock, page B) and opened at `open`; undefined if a step is missing. */
export function phasesOf(
  a: PageMarks,
  b: PageMarks,
  start: number,
  open: number,
): { phases: Record<Phase, number>; offerer: 'A' | 'B' } | undefined {
  const all: WallMark[] = [
    ...a.marks.map((m) => ({ ...m, side: 'A' as const, wall: a.origin + m.t })),
    ...b.marks.map((m) => ({ ...m, side: 'B' as const, wall: b.origin + m.t })),
  ]
    .filter((m) => m.wall >= start - 1)
    .sort((x, y) => x.wall - y.wall)
  const find = (test: (m: WallMark) => boolean, after = start - 1) =>
    all.find((m) => m.wall >= after && test(m))?.wall
  const offer = all.find((m) => m.kind === 'ws-send' && m.sdp === 'offer')
  if (!offer) return undefined
  const offerer = offer.side
  const answerer = offerer === 'A' ? 'B' : 'A'
  const socketNew = find((m) => m.side === 'B' && m.kind === 'ws-new')
  const socketOpen = find((m) => m.side === 'B' && m.kind === 'ws-open')
  const joined = find((m) => m.side === 'B' && m.kind === 'ws-recv', socketOpen)
  // what made the offerer start: the last message it received before sending its offer (its
  // connection may have been made before that message: the SDK prepares one while joining)
  const trigger = [...all]
    .reverse()
    .find((m) => m.side === offerer && m.kind === 'ws-recv' && m.wall <= offer.wall)?.wall
  const offerRecv = find((m) => m.side === answerer && m.kind === 'ws-recv' && m.sdp === 'offer')
  const answerSend = find((m) => m.side === answerer && m.kind === 'ws-send' && m.sdp === 'answer')
  const answerRecv = find((m) => m.side === offerer && m.kind === 'ws-recv' && m.sdp === 'answer')
  const connected = find((m) => m.side === 'B' && m.kind === 'pc-connected')
  const steps = [socketNew, socketOpen, joined, trigger, offerRecv, answerSend, answerRecv, connected]
  if (steps.some((t) => t === undefined)) return undefined
  const t = steps as number[]
  return {
    offerer,
    phases: {
      startToSocket: t[0]! - start,
      socketOpen: t[1]! - t[0]!,
      joined: t[2]! - t[1]!,
      offerMade: offer.wall - t[3]!,
      offerRelayed: t[4]! - offer.wall,
      answerMade: t[5]! - t[4]!,
      answerRelayed: t[6]! - t[5]!,
      iceDtls: t[7]! - t[6]!,
      channelOpen: open - t[7]!,
    },
  }
}
