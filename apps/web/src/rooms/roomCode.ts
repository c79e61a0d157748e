/**
 * Room codes: short, readable, pronounceable (`bafo-kuni-teza`), about 38 bits of randomness.
 * Any room name the signaling protocol accepts (`[A-Za-z0-9_-]{1,64}`) can be joined, so codes made
 * by other clients (the CLI) work too; codes are case-sensitive and never rewritten.
 */

/** Same rule as the signaling protocol's room names. */
export const ROOM_CODE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

const CONSONANTS = 'bdfghjklmnprstvz'
const VOWELS = 'aeiou'

/** Uniform integer in [0, n) from the platform CSPRNG (rejection sampling, no modulo bias). */
export function cryptoRandom(n: number): number {
  const limit = Math.floor(0x1_0000_0000 / n) * n
  const buf = new Uint32Array(1)
  for (;;) {
    crypto.getRandomValues(buf)
    const x = buf[0] ?? 0
    if (x < limit) return x % n
  }
}

/** A new code: three groups of two consonant-vowel syllables. */
export function createRoomCode(random: (n: number) => number = cryptoRandom): string {
  const groups: string[] = []
  for (let g = 0; g < 3; g++) {
    let group = ''
    for (let s = 0; s < 2; s++) {
      group += CONSONANTS[random(CONSONANTS.length)]
      group += VOWELS[random(VOWELS.length)]
    }
    groups.push(group)
  }
  return groups.join('-')
}

export function isRoomCode(value: string): boolean {
  return ROOM_CODE_PATTERN.test(value)
}

/**
 * What a person typed or pasted into "join": a code (`bafo-kuni-teza`), a path (`/r/bafo-kuni-teza`)
 * or a whole link (`https://host/r/bafo-kuni-teza?name=Ada`). Returns the room code, or undefined
 * when the input holds none.
 */
export function parseRoomInput(input: string): string | undefined {
  const text = input.trim()
  if (text === '') return undefined
  if (isRoomCode(text)) return text
  const match = /(?:^|\/)r\/([^/?#\s]+)/.exec(text)
  if (match?.[1] === undefined) return undefined
  let code: string
  try {
    code = decodeURIComponent(match[1])
  } catch {
    return undefined
  }
  return isRoomCode(code) ? code : undefined
}
