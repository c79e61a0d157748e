import type { Participant } from '@parley/client'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { RouteReporter, type RouteReporterOptions, routeLine, routeOf } from '../src/route.js'

describe('routeOf / routeLine', () => {
  it('a relay candidate at either end is a relayed route, through that candidate’s address; otherwise direct', () => {
    expect(
      routeOf({ local: 'relay', remote: 'host', protocol: 'udp' }, '10.0.0.1:50000', '10.0.0.9:4000'),
    ).toEqual({
      kind: 'relay',
      relay: '10.0.0.1:50000',
    })
    expect(
      routeOf({ local: 'prflx', remote: 'relay', protocol: 'udp' }, '10.0.0.9:4000', '10.0.0.1:50002'),
    ).toEqual({
      kind: 'relay',
      relay: '10.0.0.1:50002',
    })
    for (const remote of ['host', 'srflx', 'prflx', undefined] as const) {
      expect(routeOf({ local: 'srflx', remote, protocol: 'udp' }).kind).toBe('direct')
    }
  })

  it('says it in one line, or nothing when unknown', () => {
    expect(routeLine({ kind: 'direct', relay: undefined })).toBe('Connected directly.\n')
    expect(routeLine({ kind: 'relay', relay: '10.0.0.1:50000' })).toBe(
      'Connected through a TURN relay (10.0.0.1:50000).\n',
    )
    expect(routeLine({ kind: 'relay', relay: undefined })).toBe('Connected through a TURN relay.\n')
    expect(routeLine(undefined)).toBe('')
  })
})

/** A stats report whose selected pair goes from a local candidate of `local` type to a host one. */
function reportWith(
  local: 'host' | 'relay',
  address = '10.0.0.1:50000',
): Map<string, Record<string, unknown>> {
  return new Map<string, Record<string, unknown>>([
    ['T', { id: 'T', type: 'transport', selectedCandidatePairId: 'P' }],
    [
      'P',
      { id: 'P', type: 'candidate-pair', localCandidateId: 'L', remoteCandidateId: 'R', state: 'succeeded' },
    ],
    [
      'L',
      { id: 'L', type: 'local-candidate', candidateType: local, address: address.split(':')[0], port: 50000 },
    ],
    ['R', { id: 'R', type: 'remote-candidate', candidateType: 'host', address: '10.0.0.9', port: 4000 }],
  ])
}

describe('RouteReporter', () => {
  afterEach(() => {
    vi.useRealTimers()
  })
  /** A participant whose selected pair is `now()` (undefined: no peer connection). */
  const peerWith = (now: () => Map<string, Record<string, unknown>> | undefined) =>
    ({
      get peerConnection() {
        const report = now()
        return report ? { getStats: async () => report } : undefined
      },
    }) as unknown as Participant

  /** A reporter of the peer `peerWith(now)`, and the lines it wrote. */
  const reporting = (
    now: () => Map<string, Record<string, unknown>> | undefined,
    options: RouteReporterOptions = {},
  ) => {
    const lines: string[] = []
    const reporter = new RouteReporter(peerWith(now), (l) => lines.push(l), options)
    return { lines, reporter }
  }

  it('a direct route is reported at once', async () => {
    vi.useFakeTimers()
    const { lines, reporter } = reporting(() => reportWith('host'))
    await vi.advanceTimersByTimeAsync(0)
    expect(lines).toEqual(['Connected directly.\n'])
    reporter.stop()
  })

  it('a relay that turns direct while settling (the ICE agent found the better pair) is reported as direct only', async () => {
    vi.useFakeTimers()
    let local: 'host' | 'relay' = 'relay'
    const { lines, reporter } = reporting(() => reportWith(local), { settleMs: 2000, pollMs: 100 })
    await vi.advanceTimersByTimeAsync(500)
    expect(lines).toEqual([])
    local = 'host'
    await vi.advanceTimersByTimeAsync(100)
    expect(lines).toEqual(['Connected directly.\n'])
    await vi.advanceTimersByTimeAsync(10_000)
    expect(lines).toHaveLength(1)
    reporter.stop()
  })

  it('a relay still selected after settleMs is reported with its address; a later change gets a line of its own', async () => {
    vi.useFakeTimers()
    let local: 'host' | 'relay' = 'relay'
    const { lines, reporter } = reporting(() => reportWith(local), {
      settleMs: 2000,
      pollMs: 100,
      watchMs: 1000,
    })
    await vi.advanceTimersByTimeAsync(2100)
    expect(lines).toEqual(['Connected through a TURN relay (10.0.0.1:50000).\n'])
    local = 'host'
    await vi.advanceTimersByTimeAsync(1000)
    expect(lines.at(-1)).toBe('The connection now goes directly.\n')
    reporter.stop()
    local = 'relay'
    await vi.advanceTimersByTimeAsync(5000)
    expect(lines).toHaveLength(2)
  })

  it('finish() before the route settled reports the route as it is (a short transfer), once', async () => {
    vi.useFakeTimers()
    const { lines, reporter } = reporting(() => reportWith('relay'))
    await vi.advanceTimersByTimeAsync(300)
    await reporter.finish()
    await reporter.finish()
    expect(lines).toEqual(['Connected through a TURN relay (10.0.0.1:50000).\n'])
  })

  it('no peer connection: nothing is reported', async () => {
    vi.useFakeTimers()
    const { lines, reporter } = reporting(() => undefined)
    await vi.advanceTimersByTimeAsync(5000)
    await reporter.finish()
    expect(lines).toEqual([])
  })
})
