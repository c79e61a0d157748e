import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { AwayPeers, MAX_AWAY_MS } from '../src/AwayPeers.js'

describe('AwayPeers', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('mark(): the peer expires when its grace ends, once', async () => {
    const expired: string[] = []
    const away = new AwayPeers<string>((p) => expired.push(p))
    away.mark('bo', 1000)
    expect(away.has('bo')).toBe(true)
    await vi.advanceTimersByTimeAsync(999)
    expect(expired).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(expired).toEqual(['bo'])
    expect(away.has('bo')).toBe(false)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(expired).toEqual(['bo'])
  })

  it('back() before the grace ends: the peer never expires', async () => {
    const expired: string[] = []
    const away = new AwayPeers<string>((p) => expired.push(p))
    away.mark('bo', 1000)
    expect(away.back('bo')).toBe(true)
    expect(away.back('bo')).toBe(false)
    await vi.advanceTimersByTimeAsync(5000)
    expect(expired).toEqual([])
  })

  it('a grace beyond MAX_AWAY_MS, negative or not a number is clamped', async () => {
    const expired: string[] = []
    const away = new AwayPeers<string>((p) => expired.push(p))
    away.mark('long', 10 * MAX_AWAY_MS)
    away.mark('negative', -5)
    away.mark('nan', Number.NaN)
    await vi.advanceTimersByTimeAsync(0)
    expect(expired.sort()).toEqual(['nan', 'negative'])
    await vi.advanceTimersByTimeAsync(MAX_AWAY_MS)
    expect(expired).toContain('long')
  })

  it('close() clears every grace and ignores later marks', async () => {
    const expired: string[] = []
    const away = new AwayPeers<string>((p) => expired.push(p))
    away.mark('bo', 100)
    away.close()
    away.close()
    away.mark('cy', 100)
    await vi.advanceTimersByTimeAsync(1000)
    expect(expired).toEqual([])
  })
})
