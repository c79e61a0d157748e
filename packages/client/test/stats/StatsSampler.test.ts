import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { QualitySample } from '../../src/stats/quality.js'
import { StatsSampler, type StatsSource } from '../../src/stats/StatsSampler.js'
import { type CallCounters, callReport } from './fixtures.js'

/** A peer connection whose cumulative counters grow by `perSecond` of wall (fake) time. */
class FakePc implements StatsSource {
  connectionState = 'connected'
  calls = 0
  pending = 0
  maxPending = 0
  fail = false
  resolveDelayMs = 0
  counters: (t: number) => CallCounters = (t) => ({
    t,
    vRecvBytes: t * 125, // 1000 kbit/s
    vRecvPackets: Math.floor(t / 10),
    consent: Math.floor(t / 1000),
    vSentBytes: t * 62.5, // 500 kbit/s
    vSentPackets: Math.floor(t / 10),
    vFps: 20,
  })
  async getStats() {
    this.calls++
    this.pending++
    this.maxPending = Math.max(this.maxPending, this.pending)
    try {
      if (this.resolveDelayMs) await new Promise((r) => setTimeout(r, this.resolveDelayMs))
      if (this.fail) throw new Error('pc closed')
      return callReport(this.counters(Date.now()))
    } finally {
      this.pending--
    }
  }
}

describe('StatsSampler', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('emits a sample every intervalMs with rates from deltas after the baseline snapshot', async () => {
    const pc = new FakePc()
    const sampler = new StatsSampler(pc, { intervalMs: 2000 })
    const samples: QualitySample[] = []
    sampler.on('sample', (s) => samples.push(s))
    sampler.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(samples).toHaveLength(0) // baseline only
    await vi.advanceTimersByTimeAsync(6000)
    expect(samples).toHaveLength(3)
    expect(samples[0]?.inbound.bitrateKbps).toBe(1000)
    expect(samples[0]?.outbound.bitrateKbps).toBe(500)
    expect(samples[0]?.level).toBe('excellent')
    expect(sampler.latest).toBe(samples[2])
    sampler.stop()
  })

  it('never overlaps getStats calls even when getStats is slower than the interval', async () => {
    const pc = new FakePc()
    pc.resolveDelayMs = 3000
    const sampler = new StatsSampler(pc, { intervalMs: 1000 })
    sampler.start()
    void sampler.sampleNow()
    await vi.advanceTimersByTimeAsync(20_000)
    expect(pc.maxPending).toBe(1)
    sampler.stop()
  })

  it('skips a failed getStats and keeps sampling', async () => {
    const pc = new FakePc()
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() }
    const sampler = new StatsSampler(pc, { intervalMs: 1000, logger })
    const samples: QualitySample[] = []
    sampler.on('sample', (s) => samples.push(s))
    sampler.start()
    await vi.advanceTimersByTimeAsync(1000)
    pc.fail = true
    await vi.advanceTimersByTimeAsync(2000)
    pc.fail = false
    await vi.advanceTimersByTimeAsync(1000)
    expect(logger.debug).toHaveBeenCalled()
    expect(samples.length).toBeGreaterThanOrEqual(2)
    sampler.stop()
  })

  it("reports 'lost' when connected but nothing arrives for 5 s, and 'lost' at once when disconnected", async () => {
    const pc = new FakePc()
    let frozenAt: number | undefined
    const live = pc.counters
    pc.counters = (t) => ({ ...live(frozenAt ?? t), t }) // time goes on, counters stand still
    const sampler = new StatsSampler(pc, { intervalMs: 1000 })
    const levels: string[] = []
    sampler.on('sample', (s) => levels.push(s.level))
    sampler.start()
    await vi.advanceTimersByTimeAsync(2000)
    frozenAt = Date.now()
    await vi.advanceTimersByTimeAsync(6000)
    expect(levels.slice(0, 2)).toEqual(['excellent', 'excellent'])
    expect(levels.at(-1)).toBe('lost')
    frozenAt = undefined
    await vi.advanceTimersByTimeAsync(1000)
    expect(levels.at(-1)).toBe('excellent')
    pc.connectionState = 'disconnected'
    await vi.advanceTimersByTimeAsync(1000)
    expect(levels.at(-1)).toBe('lost')
    sampler.stop()
  })

  it('stop() is idempotent, clears its timer and emits nothing afterwards', async () => {
    const pc = new FakePc()
    const sampler = new StatsSampler(pc, { intervalMs: 1000 })
    const sample = vi.fn()
    const states: string[] = []
    sampler.on('sample', sample)
    sampler.on('state', (s) => states.push(s))
    sampler.start()
    sampler.start()
    await vi.advanceTimersByTimeAsync(1000)
    sampler.stop()
    sampler.stop()
    const calls = pc.calls
    await vi.advanceTimersByTimeAsync(10_000)
    expect(pc.calls).toBe(calls)
    expect(sample).toHaveBeenCalledTimes(1)
    expect(vi.getTimerCount()).toBe(0)
    expect(states).toEqual(['running', 'stopped'])
    expect(await sampler.sampleNow()).toBeUndefined()
  })

  it('does not emit a sample whose getStats resolves after stop()', async () => {
    const pc = new FakePc()
    const sampler = new StatsSampler(pc, { intervalMs: 1000 })
    await sampler.sampleNow()
    pc.resolveDelayMs = 500
    const sample = vi.fn()
    sampler.on('sample', sample)
    const pending = sampler.sampleNow()
    sampler.stop()
    await vi.advanceTimersByTimeAsync(500)
    expect(await pending).toBeUndefined()
    expect(sample).not.toHaveBeenCalled()
  })

  it('resetBaseline() makes the next report a baseline (no rates across a replaced connection)', async () => {
    const pc = new FakePc()
    const sampler = new StatsSampler(pc, { intervalMs: 1000 })
    const sample = vi.fn()
    sampler.on('sample', sample)
    await sampler.sampleNow()
    expect(await sampler.sampleNow()).toBeDefined()
    sampler.resetBaseline()
    expect(await sampler.sampleNow()).toBeUndefined()
    expect(await sampler.sampleNow()).toBeDefined()
    expect(sample).toHaveBeenCalledTimes(2)
  })

  it("reads candidate-pair RTTs as milliseconds with pairRttUnit 'ms' (node-datachannel)", async () => {
    const pc = new FakePc()
    pc.counters = (t) => ({ t, pairRtt: 4, consent: t })
    const sampler = new StatsSampler(pc, { pairRttUnit: 'ms' })
    await sampler.sampleNow()
    expect((await sampler.sampleNow())?.rttMs).toBe(4)
  })
})
