import { describe, expect, it } from 'vitest'
import { SpeakerDetector } from '../src/call/SpeakerDetector.js'

function detector(levels: Record<string, number>) {
  return new SpeakerDetector(() =>
    Object.entries(levels).map(([id, _]) => ({ id, level: () => levels[id] ?? 0 })),
  )
}

describe('SpeakerDetector', () => {
  it('sample picks the loudest source above the threshold', () => {
    const levels = { a: 0.05, b: 0.2, c: 0.001 }
    const d = detector(levels)
    d.sample(0)
    expect(d.get().speaker).toBe('b')
  })

  it('nobody speaks below the threshold', () => {
    const d = detector({ a: 0.001, b: 0.002 })
    d.sample(0)
    expect(d.get().speaker).toBeUndefined()
  })

  it('keeps the speaker through a short pause, then clears it', () => {
    const levels = { a: 0.3 }
    const d = detector(levels)
    d.sample(0)
    levels.a = 0
    d.sample(500)
    expect(d.get().speaker).toBe('a')
    for (let t = 600; t <= 3000; t += 100) d.sample(t)
    expect(d.get().speaker).toBeUndefined()
  })

  it('a short peak between two samples still registers for the next samples (envelope)', () => {
    const levels = { a: 0, b: 0.02 }
    const d = detector(levels)
    levels.a = 0.3
    d.sample(0)
    levels.a = 0
    d.sample(100)
    expect(d.get().speaker).toBe('a')
  })
})
