import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ErrorCode, type JoinMessage, joinFromQuery, joinQuery } from '../src/index.js'

describe('joinFromQuery', () => {
  it('returns undefined for a URL without a join parameter (a plain connection)', () => {
    expect(joinFromQuery('')).toBeUndefined()
    expect(joinFromQuery('?room=r&name=Ada')).toBeUndefined()
  })

  it('reads join, room, name, token and resume into a join message', () => {
    const r = joinFromQuery('?join=j1&room=my-room_1&name=Ada%20L.&token=t.k&resume=abc')
    expect(r).toEqual({
      ok: true,
      value: { type: 'join', id: 'j1', room: 'my-room_1', name: 'Ada L.', token: 't.k', resume: 'abc' },
    })
  })

  it('rejects a room outside the room pattern with BAD_MESSAGE naming the field and echoing join as ref', () => {
    for (const room of ['', 'a b', 'x'.repeat(65), 'é', '../etc']) {
      const r = joinFromQuery(`join=q1&room=${encodeURIComponent(room)}`)
      expect(r).toMatchObject({ ok: false, code: ErrorCode.BAD_MESSAGE, ref: 'q1' })
      if (r && !r.ok) expect(r.message).toMatch(/^room: /)
    }
  })

  it('rejects a missing room and a name over 64 characters', () => {
    expect(joinFromQuery('join=a')).toMatchObject({ ok: false, code: ErrorCode.BAD_MESSAGE, ref: 'a' })
    expect(joinFromQuery(`join=a&room=r&name=${'n'.repeat(65)}`)).toMatchObject({ ok: false, ref: 'a' })
  })

  it('rejects a parameter given twice instead of picking one', () => {
    expect(joinFromQuery('join=a&room=r&room=s')).toMatchObject({ ok: false, code: ErrorCode.BAD_MESSAGE })
  })

  it('rejects an over-long join id without echoing it', () => {
    const r = joinFromQuery(`join=${'i'.repeat(200)}&room=r`)
    expect(r?.ok).toBe(false)
    expect(r && !r.ok ? r.ref : 'x').toBeUndefined()
  })
})

describe('joinQuery', () => {
  it('round-trips every valid join message through joinFromQuery', () => {
    const printable = fc.string({ maxLength: 64, unit: 'binary-ascii' })
    const join = fc.record(
      {
        id: fc.string({ maxLength: 32, unit: 'grapheme' }),
        room: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
        name: printable,
        token: fc.string({ maxLength: 300 }),
        resume: fc.string({ maxLength: 300 }),
      },
      { requiredKeys: ['id', 'room'] },
    )
    fc.assert(
      fc.property(join, (fields) => {
        const message: JoinMessage = { type: 'join', ...fields }
        expect(joinFromQuery(joinQuery(message))).toEqual({ ok: true, value: message })
      }),
    )
  })
})
