import { describe, expect, it } from 'vitest'
import { decodeClientFrame, decodeServerFrame, ErrorCode, parsePeerSignal } from '../src/index.js'

describe('decodeClientFrame', () => {
  it('accepts a join with room, name, token and resume', () => {
    const r = decodeClientFrame(JSON.stringify({ type: 'join', room: 'my-room_1', name: 'Ada', id: 'x' }))
    expect(r.ok).toBe(true)
    if (r.ok) expect(r.value).toMatchObject({ type: 'join', room: 'my-room_1', name: 'Ada', id: 'x' })
  })

  it('rejects a room name outside ^[A-Za-z0-9_-]{1,64}$ with BAD_MESSAGE and echoes the id as ref', () => {
    for (const room of ['', 'a b', 'x'.repeat(65), 'é', '../etc']) {
      const r = decodeClientFrame(JSON.stringify({ type: 'join', room, id: 'q1' }))
      expect(r).toMatchObject({ ok: false, code: ErrorCode.BAD_MESSAGE, ref: 'q1' })
    }
  })

  it('rejects a name longer than 64 characters', () => {
    const r = decodeClientFrame(JSON.stringify({ type: 'join', room: 'r', name: 'n'.repeat(65) }))
    expect(r.ok).toBe(false)
  })

  it('rejects signal data that is not a JSON object', () => {
    for (const data of [null, [], 'text', 1]) {
      expect(decodeClientFrame(JSON.stringify({ type: 'signal', to: 'p', data })).ok).toBe(false)
    }
  })

  it('rejects invalid JSON, unknown types and non-objects with BAD_MESSAGE', () => {
    for (const text of ['{', 'null', '[]', '"join"', '{"type":"nope"}', '{}']) {
      expect(decodeClientFrame(text)).toMatchObject({ ok: false, code: ErrorCode.BAD_MESSAGE })
    }
  })

  it('drops unknown fields so the protocol can grow', () => {
    const r = decodeClientFrame('{"type":"leave","future":1}')
    expect(r).toEqual({ ok: true, value: { type: 'leave' } })
  })
})

describe('decodeServerFrame', () => {
  it('parses a welcome and an error with an unknown future code', () => {
    const welcome = {
      type: 'welcome',
      peerId: 'p1',
      room: 'r',
      peers: [{ peerId: 'p2', name: 'Bob' }],
      iceServers: [{ urls: 'stun:127.0.0.1:3478' }],
      resume: 'tok',
    }
    expect(decodeServerFrame(JSON.stringify(welcome)).ok).toBe(true)
    expect(decodeServerFrame('{"type":"error","code":"FUTURE","message":"m"}').ok).toBe(true)
  })
})

describe('parsePeerSignal', () => {
  it('accepts descriptions, candidates and end-of-candidates; rejects others', () => {
    expect(parsePeerSignal({ kind: 'description', description: { type: 'offer', sdp: 'v=0' } })).toBeDefined()
    expect(parsePeerSignal({ kind: 'candidate', candidate: null })).toBeDefined()
    expect(parsePeerSignal({ kind: 'candidate', candidate: { candidate: 'c', sdpMid: '0' } })).toBeDefined()
    expect(parsePeerSignal({ kind: 'description', description: { type: 'bogus' } })).toBeUndefined()
  })

  it('accepts the restart extension signal (extra fields ignored) and rejects unknown kinds', () => {
    expect(parsePeerSignal({ kind: 'restart' })).toEqual({ kind: 'restart' })
    expect(parsePeerSignal({ kind: 'restart', future: 1 })).toEqual({ kind: 'restart' })
    expect(parsePeerSignal({ kind: 'restart-all' })).toBeUndefined()
  })

  it('accepts the bye extension signal (extra fields ignored)', () => {
    expect(parsePeerSignal({ kind: 'bye' })).toEqual({ kind: 'bye' })
    expect(parsePeerSignal({ kind: 'bye', future: 1 })).toEqual({ kind: 'bye' })
  })

  it('accepts the away extension signal with a whole number of ms up to a day; rejects a missing, negative, fractional or larger grace', () => {
    expect(parsePeerSignal({ kind: 'away', ms: 10_000 })).toEqual({ kind: 'away', ms: 10_000 })
    expect(parsePeerSignal({ kind: 'away', ms: 0, future: 1 })).toEqual({ kind: 'away', ms: 0 })
    for (const ms of [undefined, -1, 1.5, 86_400_001, '10'])
      expect(parsePeerSignal({ kind: 'away', ms })).toBeUndefined()
  })
})
