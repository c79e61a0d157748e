import { describe, expect, it } from 'vitest'
import { MAX_CHAT_LENGTH, parseAppMessage } from '../src/messages/appMessages.js'

const stroke = { id: 'p1:0', clock: 3, color: '#FFAA00', width: 4, points: [0, 0, 1600, 900] }

describe('parseAppMessage', () => {
  it('accepts a chat message and trims its text', () => {
    expect(parseAppMessage({ type: 'chat', id: 'a', text: ' hi ', sentAt: 5 })).toEqual({
      type: 'chat',
      id: 'a',
      text: 'hi',
      sentAt: 5,
    })
  })

  it('rejects empty, oversized or mistyped chat messages', () => {
    expect(parseAppMessage({ type: 'chat', id: 'a', text: '   ', sentAt: 5 })).toBeUndefined()
    expect(
      parseAppMessage({ type: 'chat', id: 'a', text: 'x'.repeat(MAX_CHAT_LENGTH + 1), sentAt: 5 }),
    ).toBeUndefined()
    expect(parseAppMessage({ type: 'chat', id: 7, text: 'x', sentAt: 5 })).toBeUndefined()
    expect(parseAppMessage({ type: 'chat', id: 'a', text: 'x', sentAt: Number.NaN })).toBeUndefined()
  })

  it('accepts strokes inside the board and normalises the colour', () => {
    expect(parseAppMessage({ type: 'wb-stroke', stroke })).toEqual({
      type: 'wb-stroke',
      stroke: { ...stroke, color: '#ffaa00' },
    })
  })

  it('rejects strokes with odd point counts, points off the board, bad colours or widths', () => {
    expect(parseAppMessage({ type: 'wb-live', stroke: { ...stroke, points: [1, 2, 3] } })).toBeUndefined()
    expect(parseAppMessage({ type: 'wb-live', stroke: { ...stroke, points: [1, 901] } })).toBeUndefined()
    expect(parseAppMessage({ type: 'wb-live', stroke: { ...stroke, color: 'red' } })).toBeUndefined()
    expect(parseAppMessage({ type: 'wb-live', stroke: { ...stroke, width: 0 } })).toBeUndefined()
    expect(parseAppMessage({ type: 'wb-live', stroke: { ...stroke, clock: -1 } })).toBeUndefined()
  })

  it('accepts a sync only when every stroke is valid', () => {
    expect(
      parseAppMessage({ type: 'wb-sync', strokes: [stroke], cleared: { clock: 1, by: 'p2' } }),
    ).toBeDefined()
    expect(
      parseAppMessage({ type: 'wb-sync', strokes: [stroke, { ...stroke, width: 'x' }], cleared: null }),
    ).toBeUndefined()
    expect(parseAppMessage({ type: 'wb-sync', strokes: [], cleared: { clock: 'x' } })).toBeUndefined()
  })

  it('returns undefined for unknown types, arrays, binary and primitives', () => {
    for (const input of [{ type: 'future' }, [1], new Uint8Array(2), 'chat', null, 3]) {
      expect(parseAppMessage(input)).toBeUndefined()
    }
  })
})
