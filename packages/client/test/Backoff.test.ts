import { describe, expect, it } from 'vitest'
import { Backoff } from '../src/Backoff.js'

describe('Backoff', () => {
  it('grows exponentially from initialDelayMs and is capped at maxDelayMs (no jitter)', () => {
    const b = new Backoff({ initialDelayMs: 100, maxDelayMs: 1000, jitter: 0 })
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ])
  })

  it('jitter keeps every delay within [d·(1−jitter), d]', () => {
    const low = new Backoff({ initialDelayMs: 1000, jitter: 0.5, random: () => 0.999999 })
    const high = new Backoff({ initialDelayMs: 1000, jitter: 0.5, random: () => 0 })
    expect(low.next()).toBe(500)
    expect(high.next()).toBe(1000)
    const real = new Backoff({ initialDelayMs: 1000, maxDelayMs: 1000, jitter: 0.5 })
    for (let i = 0; i < 100; i++) {
      const d = real.next()
      expect(d).toBeGreaterThanOrEqual(500)
      expect(d).toBeLessThanOrEqual(1000)
    }
  })

  it('reset() after a success starts again from the initial delay', () => {
    const b = new Backoff({ initialDelayMs: 10, jitter: 0 })
    b.next()
    b.next()
    b.next()
    expect(b.attempts).toBe(3)
    b.reset()
    expect(b.attempts).toBe(0)
    expect(b.next()).toBe(10)
  })

  it('is exhausted after maxAttempts', () => {
    const b = new Backoff({ maxAttempts: 2 })
    expect(b.exhausted).toBe(false)
    b.next()
    b.next()
    expect(b.exhausted).toBe(true)
  })
})
