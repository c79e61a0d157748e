import { describe, expect, it } from 'vitest'
import {
  classifyQuality,
  computeSample,
  counterDelta,
  DEFAULT_THRESHOLDS,
  inboundLossPct,
  inboundStats,
  initialQualityState,
  kbps,
  outboundStats,
  type QualityState,
  rttMs,
  snapshotFromReport,
} from '../../src/stats/quality.js'
import { type CallCounters, callReport, report } from './fixtures.js'

const snap = (c: CallCounters) => snapshotFromReport(callReport(c))

describe('counterDelta / kbps / inboundLossPct', () => {
  it('counterDelta returns current - previous, and 0 for a counter that went backwards or is missing', () => {
    expect(counterDelta(100, 250)).toBe(150)
    expect(counterDelta(250, 100)).toBe(0)
    expect(counterDelta(undefined, 100)).toBe(0)
  })

  it('kbps converts a byte delta over a millisecond delta, 0 for an empty or reversed interval', () => {
    expect(kbps(125_000, 1000)).toBe(1000)
    expect(kbps(125_000, 0)).toBe(0)
    expect(kbps(125_000, -5)).toBe(0)
  })

  it('inboundLossPct is lost / (lost + received) and never negative', () => {
    expect(inboundLossPct(5, 95)).toBe(5)
    expect(inboundLossPct(-3, 100)).toBe(0)
    expect(inboundLossPct(0, 0)).toBe(0)
  })
})

describe('snapshotFromReport', () => {
  it('reads the selected pair named by transport.selectedCandidatePairId with its candidate types and protocol', () => {
    const s = snap({ t: 1000, localType: 'srflx', remoteType: 'relay', protocol: 'tcp', pairRtt: 0.012 })
    expect(s.pair?.id).toBe('CP1')
    expect(s.pair?.path).toEqual({ local: 'srflx', remote: 'relay', protocol: 'tcp' })
    expect(s.pair?.currentRoundTripTime).toBe(0.012)
    expect(s.outbound.map((o) => o.kind).sort()).toEqual(['audio', 'video'])
    expect(s.inbound).toHaveLength(1)
  })

  it('falls back to the pair flagged selected (Firefox) when no transport names one', () => {
    const s = snapshotFromReport(
      report(
        { id: 'A', type: 'candidate-pair', timestamp: 1, localCandidateId: 'L', remoteCandidateId: 'R' },
        {
          id: 'B',
          type: 'candidate-pair',
          timestamp: 1,
          selected: true,
          localCandidateId: 'L',
          remoteCandidateId: 'R',
        },
        {
          id: 'L',
          type: 'local-candidate',
          timestamp: 1,
          candidateType: 'relay',
          protocol: 'udp',
          relayProtocol: 'tls',
        },
        { id: 'R', type: 'remote-candidate', timestamp: 1, candidateType: 'prflx', protocol: 'udp' },
      ),
    )
    expect(s.pair?.id).toBe('B')
    expect(s.pair?.path).toEqual({ local: 'relay', remote: 'prflx', protocol: 'udp', relayProtocol: 'tls' })
  })

  it('ignores entries that are not objects and stats of unknown kinds without throwing', () => {
    const weird = new Map<string, unknown>([
      ['x', null],
      ['y', 42],
      ['z', { id: 'z', type: 'outbound-rtp', kind: 'data', timestamp: 5 }],
    ])
    const s = snapshotFromReport(weird)
    expect(s.outbound).toEqual([])
    expect(s.pair).toBeUndefined()
  })
})

describe('node-datachannel polyfill reports', () => {
  // Shape of node-datachannel 0.33's getStats: new random ids on every call, RTT in milliseconds,
  // no ICE consent counters, no RTP stats.
  let n = 0
  const ndc = (t: number, bytesSent: number, bytesReceived: number, rttMs: number) => {
    const l = `RTCIceCandidate_${++n}`
    const r = `RTCIceCandidate_${++n}`
    const pair = `RTCIceCandidatePair_${l}_${r}`
    return report(
      { id: l, type: 'local-candidate', timestamp: t, candidateType: 'host', ip: '10.0.0.1', port: 5000 },
      { id: r, type: 'remote-candidate', timestamp: t, candidateType: 'prflx', ip: '10.0.0.2', port: 6000 },
      {
        id: pair,
        type: 'candidate-pair',
        timestamp: t,
        localCandidateId: l,
        remoteCandidateId: r,
        state: 'succeeded',
        nominated: true,
        bytesSent,
        bytesReceived,
        currentRoundTripTime: rttMs,
      },
      { id: 'RTCTransport_0_1', type: 'transport', timestamp: t, selectedCandidatePairId: pair },
    )
  }

  it('follows the selected pair across reports by candidate addresses although its id changes', () => {
    const a = snapshotFromReport(ndc(0, 0, 0, 4))
    const b = snapshotFromReport(ndc(1000, 125_000, 12_500, 4))
    expect(a.pair?.id).not.toBe(b.pair?.id)
    expect(outboundStats(a, b).stats.transportKbps).toBe(1000)
    expect(inboundStats(a, b).stats.transportKbps).toBe(100)
  })

  it("reads the pair RTT as milliseconds when told to (pairRttUnit: 'ms')", () => {
    expect(rttMs(snapshotFromReport(ndc(0, 0, 0, 4), { pairRttUnit: 'ms' }))).toBe(4)
    expect(rttMs(snapshotFromReport(ndc(0, 0, 0, 0.004)))).toBe(4)
  })

  it("never declares an idle connection 'lost' by silence when the stack reports no consent counters", () => {
    let state: QualityState = initialQualityState()
    const levels: string[] = []
    for (const t of [0, 3000, 6000, 9000]) {
      const step = computeSample(state, snapshotFromReport(ndc(t, 10, 10, 4), { pairRttUnit: 'ms' }), true)
      state = step.state
      levels.push(step.sample.level)
    }
    expect(levels).toEqual(['excellent', 'excellent', 'excellent', 'excellent'])
    const down = computeSample(state, snapshotFromReport(ndc(10_000, 10, 10, 4)), false)
    expect(down.sample.level).toBe('lost')
  })
})

describe('inboundStats / outboundStats', () => {
  it('computes bitrate from byte deltas over timestamp deltas, not bytes*8/timestamp', () => {
    // 1 MB already received by t=100 s, then 125 kB in the next 2 s → 500 kbit/s
    const a = snap({ t: 100_000, vRecvBytes: 1_000_000, vSentBytes: 2_000_000, aSentBytes: 50_000 })
    const b = snap({ t: 102_000, vRecvBytes: 1_125_000, vSentBytes: 2_250_000, aSentBytes: 58_000 })
    expect(inboundStats(a, b).stats.bitrateKbps).toBe(500)
    // outbound sums audio and video: (250 000 + 8 000) * 8 / 2000 ms
    expect(outboundStats(a, b).stats.bitrateKbps).toBe(1032)
  })

  it('reports 0 bitrate on the first snapshot and after a counter reset, never a negative one', () => {
    const a = snap({ t: 1000, vRecvBytes: 900_000 })
    expect(inboundStats(undefined, a).stats.bitrateKbps).toBe(0)
    const reset = snap({ t: 2000, vRecvBytes: 1000 })
    expect(inboundStats(a, reset).stats.bitrateKbps).toBe(0)
  })

  it('computes transport-level kbit/s from the selected pair (covers data channels too)', () => {
    const a = snap({ t: 0, pairRecv: 0, pairSent: 0 })
    const b = snap({ t: 1000, pairRecv: 12_500, pairSent: 25_000 })
    expect(inboundStats(a, b).stats.transportKbps).toBe(100)
    expect(outboundStats(a, b).stats.transportKbps).toBe(200)
  })

  it('computes inbound loss % from deltas of packetsLost vs packetsReceived', () => {
    // 1000 lost long ago must not count; in this interval 5 lost, 95 received
    const a = snap({ t: 0, vRecvPackets: 10_000, vRecvLost: 1000 })
    const b = snap({ t: 1000, vRecvPackets: 10_095, vRecvLost: 1005 })
    expect(inboundStats(a, b).stats.packetsLostPct).toBe(5)
  })

  it('computes outbound loss % from remote-inbound-rtp packetsLost deltas vs packetsSent deltas', () => {
    const a = snap({ t: 0, vSentPackets: 1000, riLost: 40, riRtt: 0.05 })
    const b = snap({ t: 1000, vSentPackets: 1200, riLost: 50, riRtt: 0.05 })
    expect(outboundStats(a, b).stats.packetsLostPct).toBe(5)
  })

  it("uses the peer's last fractionLost for outbound loss when nothing was sent in the interval", () => {
    const a = snap({ t: 0, vSentPackets: 1000, riLost: 40, riFraction: 0.25 })
    const b = snap({ t: 1000, vSentPackets: 1000, riLost: 40, riFraction: 0.25 })
    expect(outboundStats(a, b).stats.packetsLostPct).toBe(25)
  })

  it('reports jitter in ms: inbound measured here, outbound as the peer reports it', () => {
    const a = snap({ t: 0, vRecvJitter: 0.004, riJitter: 0.012, riLost: 0 })
    const b = snap({ t: 1000, vRecvJitter: 0.0065, riJitter: 0.02, riLost: 0 })
    expect(inboundStats(a, b).stats.jitterMs).toBe(6.5)
    expect(outboundStats(a, b).stats.jitterMs).toBe(20)
  })

  it('takes fps from framesPerSecond, or from frame-count deltas when the browser omits it', () => {
    const a = snap({ t: 0, vFramesEncoded: 100, vFps: 20, vFramesDecoded: 100 })
    const b = snap({ t: 2000, vFramesEncoded: 140, vFps: 20, vFramesDecoded: 130 })
    expect(outboundStats(a, b).stats.fps).toBe(20)
    expect(inboundStats(a, b).stats.fps).toBe(15)
    expect(inboundStats(a, b).stats).toMatchObject({ width: 320, height: 240 })
    expect(outboundStats(a, b).stats).toMatchObject({ width: 640, height: 480 })
  })
})

describe('rttMs', () => {
  it('prefers the media RTT of remote-inbound-rtp over the ICE RTT of the candidate pair', () => {
    expect(rttMs(snap({ t: 0, riRtt: 0.08, pairRtt: 0.002 }))).toBe(80)
  })

  it('falls back to candidate-pair currentRoundTripTime without receiver reports (data-only peers)', () => {
    expect(rttMs(snap({ t: 0, pairRtt: 0.0234 }))).toBe(23.4)
    expect(rttMs(snap({ t: 0 }))).toBeUndefined()
  })
})

describe('classifyQuality (thresholds of docs/quality.md)', () => {
  const base = { lossPct: 0, rttMs: 20, jitterMs: 5, silentForMs: 0, connected: true }
  it.each([
    [{}, 'excellent'],
    [{ lossPct: 1.99 }, 'excellent'],
    [{ lossPct: 2 }, 'good'],
    [{ lossPct: 7.99 }, 'good'],
    [{ lossPct: 8 }, 'poor'],
    [{ rttMs: 149 }, 'excellent'],
    [{ rttMs: 150 }, 'good'],
    [{ rttMs: 400 }, 'poor'],
    [{ jitterMs: 30 }, 'good'],
    [{ jitterMs: 100 }, 'poor'],
    [{ lossPct: undefined, rttMs: undefined, jitterMs: undefined }, 'excellent'],
    [{ silentForMs: 4999 }, 'excellent'],
    [{ silentForMs: 5000 }, 'lost'],
    [{ connected: false }, 'lost'],
  ] as const)('%o → %s', (override, level) => {
    expect(classifyQuality({ ...base, ...override })).toBe(level)
  })

  it('takes the worst of the per-metric levels', () => {
    expect(classifyQuality({ ...base, lossPct: 3, rttMs: 500 })).toBe('poor')
  })
})

describe('computeSample', () => {
  function run(steps: { c: CallCounters; connected?: boolean }[]) {
    let state: QualityState = initialQualityState()
    return steps.map(({ c, connected = true }) => {
      const r = computeSample(state, snap(c), connected)
      state = r.state
      return r.sample
    })
  }

  it('produces a full sample: bitrate, loss, RTT, path, fps, resolution, limitation and level', () => {
    const [first, second] = run([
      { c: { t: 0, vSentBytes: 0, vSentPackets: 0, vRecvBytes: 0, vRecvPackets: 0, riLost: 0, riRtt: 0.01 } },
      {
        c: {
          t: 1000,
          vSentBytes: 100_000,
          vSentPackets: 100,
          vRecvBytes: 50_000,
          vRecvPackets: 50,
          vFps: 20,
          vRecvFps: 20,
          riLost: 0,
          riRtt: 0.01,
          vLimitation: 'bandwidth',
          consent: 2,
        },
      },
    ])
    expect(first?.level).toBe('excellent')
    expect(first?.outbound.bitrateKbps).toBe(0)
    expect(second).toMatchObject({
      level: 'excellent',
      timestamp: 1000,
      rttMs: 10,
      path: { local: 'host', remote: 'host', protocol: 'udp' },
      limitation: 'bandwidth',
      outbound: { bitrateKbps: 800, packetsLostPct: 0, fps: 20, width: 640, height: 480 },
      inbound: { bitrateKbps: 400, packetsLostPct: 0, fps: 20 },
    })
  })

  it('judges loss only over intervals with enough packets', () => {
    const [, few, many] = run([
      { c: { t: 0 } },
      { c: { t: 1000, vRecvPackets: 3, vRecvLost: 1, consent: 1 } },
      { c: { t: 2000, vRecvPackets: 93, vRecvLost: 11, consent: 2 } },
    ])
    expect(few?.inbound.packetsLostPct).toBeCloseTo(25)
    expect(few?.level).toBe('excellent')
    expect(many?.inbound.packetsLostPct).toBe(10)
    expect(many?.level).toBe('poor')
  })

  it("is 'lost' once nothing (no media, no data, no ICE consent) arrives for lostAfterMs while connected", () => {
    const samples = run([
      { c: { t: 0, vRecvBytes: 10, consent: 1 } },
      { c: { t: 2000, vRecvBytes: 20, consent: 1 } },
      { c: { t: 4000, vRecvBytes: 20, consent: 1 } },
      { c: { t: 6999, vRecvBytes: 20, consent: 1 } },
      { c: { t: 7000, vRecvBytes: 20, consent: 1 } },
      { c: { t: 8000, vRecvBytes: 30, consent: 1 } },
    ])
    expect(samples.map((s) => s.level)).toEqual([
      'excellent',
      'excellent',
      'excellent',
      'excellent',
      'lost',
      'excellent',
    ])
  })

  it('keeps an idle data-only connection alive through ICE consent traffic alone', () => {
    const samples = run([
      { c: { t: 0, consent: 1 } },
      { c: { t: 3000, consent: 2 } },
      { c: { t: 6000, consent: 3 } },
      { c: { t: 9000, consent: 4 } },
    ])
    expect(samples.every((s) => s.level === 'excellent')).toBe(true)
  })

  it("is 'lost' at once while not connected, and restarts the silence clock on reconnection", () => {
    const samples = run([
      { c: { t: 0, consent: 1 } },
      { c: { t: 1000, consent: 1 }, connected: false },
      { c: { t: 9000, consent: 1 }, connected: false },
      { c: { t: 10_000, consent: 1 } },
    ])
    expect(samples.map((s) => s.level)).toEqual(['excellent', 'lost', 'lost', 'excellent'])
  })

  it('honours custom thresholds (lostAfterMs)', () => {
    let state = initialQualityState()
    state = computeSample(state, snap({ t: 0, consent: 1 }), true).state
    const thresholds = { ...DEFAULT_THRESHOLDS, lostAfterMs: 1000 }
    expect(computeSample(state, snap({ t: 1000, consent: 1 }), true, thresholds).sample.level).toBe('lost')
  })
})
