import { describe, expect, it } from 'vitest'
import { createRoomCode, isRoomCode, parseRoomInput } from '../src/rooms/roomCode.js'

describe('createRoomCode', () => {
  it('returns three readable consonant-vowel groups that are valid room names', () => {
    for (let i = 0; i < 200; i++) {
      const code = createRoomCode()
      expect(code).toMatch(/^([bdfghjklmnprstvz][aeiou]){2}(-([bdfghjklmnprstvz][aeiou]){2}){2}$/)
      expect(isRoomCode(code)).toBe(true)
    }
  })

  it('uses the given random source', () => {
    expect(createRoomCode(() => 0)).toBe('baba-baba-baba')
  })
})

describe('parseRoomInput', () => {
  it('accepts a bare code, a path and a whole link with a query', () => {
    expect(parseRoomInput('  bafo-kuni-teza ')).toBe('bafo-kuni-teza')
    expect(parseRoomInput('/r/bafo-kuni-teza')).toBe('bafo-kuni-teza')
    expect(parseRoomInput('https://parley.example:8443/r/Team_1?name=Ada#x')).toBe('Team_1')
  })

  it('returns undefined for empty input, spaces inside a code, or invalid characters', () => {
    expect(parseRoomInput('')).toBeUndefined()
    expect(parseRoomInput('two words')).toBeUndefined()
    expect(parseRoomInput('https://x/r/bad%20code')).toBeUndefined()
    expect(parseRoomInput('https://x/r/%E0%A4%A')).toBeUndefined()
    expect(parseRoomInput('a'.repeat(65))).toBeUndefined()
  })
})
