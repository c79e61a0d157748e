import { describe, expect, it, vi } from 'vitest'
import {
  BitrateController,
  type BitrateInputs,
  type BitrateState,
  bitrateScale,
  DEFAULT_BITRATE_CONFIG,
  decideBitrate,
  floorToScaleStep,
  initialBitrateState,
  meshCeiling,
  targetChanged,
  type VideoSenderLike,
} from '../../src/media/BitrateController.js'
import type { QualitySample } from '../../src/stats/quality.js'

const CAMERA = { width: 640, height: 480, frameRate: 20 }
const calm: BitrateInputs = {
  lossPct: 0,
  rttMs: 20,
  limitation: 'none',
  sendBitrateBps: 500_000,
  meshSize: 2,
  content: 'camera',
  source: CAMERA,
}

function steps(state: BitrateState, inputs: BitrateInputs, n: number) {
  let s = state
  const reasons: string[] = []
  for (let i = 0; i < n; i++) {
    const d = decideBitrate(s, inputs)
    s = d.state
    reasons.push(d.reason)
  }
  return { state: s, reasons }
}

describe('meshCeiling', () => {
  it('gives 2 Mbit/s for 1:1, 600 kbit/s for 4 people and 300 kbit/s for 8, scaling resolution beyond 4', () => {
    expect(meshCeiling(2)).toEqual({ maxBitrateBps: 2_000_000, scaleResolutionDownBy: 1 })
    expect(meshCeiling(4)).toEqual({ maxBitrateBps: 600_000, scaleResolutionDownBy: 1 })
    expect(meshCeiling(5).scaleResolutionDownBy).toBeGreaterThan(1)
    expect(meshCeiling(8)).toEqual({ maxBitrateBps: 300_000, scaleResolutionDownBy: 2 })
  })

  it('never increases with the mesh size and stays above the floor for very large meshes', () => {
    let previous = Number.POSITIVE_INFINITY
    for (let n = 1; n <= 40; n++) {
      const c = meshCeiling(n).maxBitrateBps
      expect(c).toBeLessThanOrEqual(previous)
      expect(c).toBeGreaterThanOrEqual(DEFAULT_BITRATE_CONFIG.minBitrateBps)
      previous = c
    }
  })

  it('keeps the whole uplink of an 8-person mesh (7 copies) near 2.1 Mbit/s', () => {
    expect(7 * meshCeiling(8).maxBitrateBps).toBeLessThanOrEqual(2_400_000)
  })
})

describe('floorToScaleStep / bitrateScale', () => {
  it('rounds a scale down to the nearest step and clamps to [1, 4]', () => {
    expect(floorToScaleStep(0.5)).toBe(1)
    expect(floorToScaleStep(1.2)).toBe(1)
    expect(floorToScaleStep(1.7)).toBe(1.5)
    expect(floorToScaleStep(2.9)).toBe(2)
    expect(floorToScaleStep(9)).toBe(4)
  })

  it('scales 640x480@20 down only when the bitrate is too low for its pixel rate', () => {
    expect(bitrateScale(2_000_000, CAMERA, 0.08)).toBe(1)
    expect(bitrateScale(300_000, CAMERA, 0.08)).toBe(1)
    expect(bitrateScale(100_000, CAMERA, 0.08)).toBe(2)
    expect(bitrateScale(600_000, { width: 1280, height: 720, frameRate: 30 }, 0.08)).toBe(1.5)
    expect(bitrateScale(100_000, undefined, 0.08)).toBe(1)
  })
})

describe('decideBitrate', () => {
  it('decreases multiplicatively when the peer reports loss above 10 %', () => {
    const d = decideBitrate(initialBitrateState(2), { ...calm, lossPct: 20 })
    expect(d.reason).toBe('decrease-loss')
    expect(d.target.maxBitrateBps).toBe(1_700_000)
    const heavy = decideBitrate(initialBitrateState(2), { ...calm, lossPct: 60 })
    expect(heavy.target.maxBitrateBps).toBe(1_400_000)
  })

  it('holds while loss is between 2 and 10 %', () => {
    const state = { bitrateBps: 800_000, cpuStep: 0, calmSamples: 0 }
    const d = decideBitrate(state, { ...calm, lossPct: 5 })
    expect(d.reason).toBe('hold')
    expect(d.target.maxBitrateBps).toBe(800_000)
  })

  it('increases additively (8 % of the ceiling per sample) when all is calm, up to the ceiling', () => {
    const state = { bitrateBps: 500_000, cpuStep: 0, calmSamples: 0 }
    const d = decideBitrate(state, calm)
    expect(d.reason).toBe('increase')
    expect(d.target.maxBitrateBps).toBe(660_000)
    const { state: end, reasons } = steps(state, calm, 30)
    expect(end.bitrateBps).toBe(2_000_000)
    expect(reasons.at(-1)).toBe('ceiling')
  })

  it('decreases on bandwidth limitation only when sending well below the cap (the network limits)', () => {
    const state = { bitrateBps: 1_000_000, cpuStep: 0, calmSamples: 0 }
    const network = decideBitrate(state, { ...calm, limitation: 'bandwidth', sendBitrateBps: 400_000 })
    expect(network.reason).toBe('decrease-bandwidth')
    expect(network.target.maxBitrateBps).toBe(850_000)
    // sending at our own cap: the cap is what limits the encoder, do not spiral down
    const capped = decideBitrate(state, { ...calm, limitation: 'bandwidth', sendBitrateBps: 980_000 })
    expect(capped.reason).toBe('increase')
  })

  it('decreases when RTT reaches 400 ms', () => {
    const d = decideBitrate(initialBitrateState(2), { ...calm, rttMs: 450 })
    expect(d.reason).toBe('decrease-rtt')
    expect(d.target.maxBitrateBps).toBe(1_800_000)
  })

  it('never goes below the floor under sustained heavy loss', () => {
    const { state, reasons } = steps(initialBitrateState(2), { ...calm, lossPct: 50 }, 40)
    expect(state.bitrateBps).toBe(DEFAULT_BITRATE_CONFIG.minBitrateBps)
    expect(reasons.at(-1)).toBe('floor')
  })

  it('clamps at once to a lower ceiling when the mesh grows, and scales resolution beyond 4 people', () => {
    const d = decideBitrate(initialBitrateState(2), { ...calm, meshSize: 8 })
    expect(d.target).toEqual({ maxBitrateBps: 300_000, scaleResolutionDownBy: 2 })
    expect(d.reason).toBe('ceiling')
    expect(decideBitrate(initialBitrateState(4), { ...calm, meshSize: 4 }).target.scaleResolutionDownBy).toBe(
      1,
    )
  })

  it('recovers from a loss episode back to the ceiling once loss stops', () => {
    const lossy = steps(initialBitrateState(4), { ...calm, meshSize: 4, lossPct: 30 }, 5).state
    expect(lossy.bitrateBps).toBeLessThan(300_000)
    const healed = steps(lossy, { ...calm, meshSize: 4 }, 15).state
    expect(healed.bitrateBps).toBe(600_000)
  })

  it('steps the resolution down while the encoder is CPU-limited and back after 5 calm samples', () => {
    const cpu = steps(initialBitrateState(2), { ...calm, limitation: 'cpu' }, 2).state
    expect(decideBitrate(cpu, { ...calm, limitation: 'cpu' }).target.scaleResolutionDownBy).toBe(3)
    expect(decideBitrate(cpu, calm).target.scaleResolutionDownBy).toBe(2)
    const after4 = steps(cpu, calm, 4).state
    expect(after4.cpuStep).toBe(2)
    const after5 = steps(cpu, calm, 5).state
    expect(after5.cpuStep).toBe(1)
  })

  it('never scales screen content down, whatever the mesh size or CPU', () => {
    const d = decideBitrate(initialBitrateState(8), {
      ...calm,
      meshSize: 8,
      content: 'screen',
      limitation: 'cpu',
    })
    expect(d.target.scaleResolutionDownBy).toBe(1)
    expect(d.target.maxBitrateBps).toBe(300_000)
  })

  it('treats unknown loss and RTT as no trouble', () => {
    const state = { bitrateBps: 500_000, cpuStep: 0, calmSamples: 0 }
    expect(decideBitrate(state, { ...calm, lossPct: undefined, rttMs: undefined }).reason).toBe('increase')
  })
})

describe('targetChanged', () => {
  it('is true for the first target, a new scale or a bitrate change of at least 5 %', () => {
    const t = { maxBitrateBps: 1_000_000, scaleResolutionDownBy: 1 }
    expect(targetChanged(undefined, t)).toBe(true)
    expect(targetChanged(t, { ...t, maxBitrateBps: 1_040_000 })).toBe(false)
    expect(targetChanged(t, { ...t, maxBitrateBps: 1_050_000 })).toBe(true)
    expect(targetChanged(t, { ...t, scaleResolutionDownBy: 1.5 })).toBe(true)
  })
})

// ------------------------------------------------------------------ applier

function sample(
  over: Partial<QualitySample['outbound']> = {},
  rest: Partial<QualitySample> = {},
): QualitySample {
  return {
    level: 'excellent',
    timestamp: 0,
    rttMs: 20,
    limitation: 'none',
    path: { local: 'host', remote: 'host', protocol: 'udp' },
    inbound: {
      bitrateKbps: 0,
      packetsLostPct: 0,
      jitterMs: undefined,
      fps: undefined,
      width: undefined,
      height: undefined,
      transportKbps: 0,
    },
    outbound: {
      bitrateKbps: 500,
      packetsLostPct: 0,
      jitterMs: 1,
      fps: 20,
      width: 640,
      height: 480,
      transportKbps: 500,
      ...over,
    },
    ...rest,
  }
}

class FakeSender implements VideoSenderLike {
  track: { kind: string; contentHint: string; getSettings: () => MediaTrackSettings } | null = {
    kind: 'video',
    contentHint: '',
    getSettings: () => ({ width: 640, height: 480, frameRate: 20 }),
  }
  encodings: RTCRtpEncodingParameters[] = [{ active: true }]
  calls: RTCRtpEncodingParameters[] = []
  failNext: Error | undefined
  inFlight = 0
  maxInFlight = 0
  getParameters(): RTCRtpSendParameters {
    return {
      transactionId: 't',
      encodings: this.encodings.map((e) => ({ ...e })),
      codecs: [],
      headerExtensions: [],
      rtcp: {},
    }
  }
  async setParameters(p: RTCRtpSendParameters): Promise<void> {
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    await Promise.resolve()
    this.inFlight--
    if (this.failNext) {
      const e = this.failNext
      this.failNext = undefined
      throw e
    }
    this.encodings = p.encodings
    this.calls.push({ ...p.encodings[0] })
  }
}

const logger = () => ({ debug: vi.fn(), warn: vi.fn() })

describe('BitrateController', () => {
  it('applies the mesh ceiling on the first sample and calls setParameters only when the target changes', async () => {
    const sender = new FakeSender()
    const c = new BitrateController(sender, { meshSize: 4 })
    await c.update(sample({ bitrateKbps: 590 }))
    expect(sender.calls).toEqual([{ active: true, maxBitrate: 600_000, scaleResolutionDownBy: 1 }])
    await c.update(sample({ bitrateKbps: 590 }))
    await c.update(sample({ bitrateKbps: 590 }))
    expect(sender.calls).toHaveLength(1)
    expect(c.applied).toEqual({ maxBitrateBps: 600_000, scaleResolutionDownBy: 1 })
  })

  it('lowers maxBitrate when the peer reports heavy loss', async () => {
    const sender = new FakeSender()
    const c = new BitrateController(sender, { meshSize: 2 })
    await c.update(sample())
    await c.update(sample({ packetsLostPct: 25 }))
    expect(sender.encodings[0]?.maxBitrate).toBe(1_700_000)
  })

  it('re-scales at once when the mesh size changes', async () => {
    const sender = new FakeSender()
    const c = new BitrateController(sender, { meshSize: 2 })
    await c.update(sample())
    await c.setMeshSize(8)
    expect(sender.encodings[0]).toMatchObject({ maxBitrate: 300_000, scaleResolutionDownBy: 2 })
    expect(c.meshSize).toBe(8)
  })

  it('never throws out of update() when setParameters rejects, logs it and retries on the next sample', async () => {
    const sender = new FakeSender()
    const log = logger()
    const c = new BitrateController(sender, { logger: log })
    sender.failNext = new Error('InvalidModificationError')
    await expect(c.update(sample())).resolves.toBeUndefined()
    expect(log.warn).toHaveBeenCalledTimes(1)
    expect(c.applied).toBeUndefined()
    await c.update(sample())
    expect(c.applied?.maxBitrateBps).toBe(2_000_000)
  })

  it('never throws out of update() when getParameters throws', async () => {
    const sender = new FakeSender()
    sender.getParameters = () => {
      throw new Error('closed')
    }
    const c = new BitrateController(sender, { logger: logger() })
    await expect(c.update(sample())).resolves.toBeUndefined()
  })

  it('waits for encodings before negotiation instead of calling setParameters with none', async () => {
    const sender = new FakeSender()
    sender.encodings = []
    const c = new BitrateController(sender)
    await c.update(sample())
    expect(sender.calls).toEqual([])
    sender.encodings = [{}]
    await c.update(sample())
    expect(sender.calls).toHaveLength(1)
  })

  it('runs one setParameters at a time even when samples arrive back to back', async () => {
    const sender = new FakeSender()
    const c = new BitrateController(sender)
    await Promise.all([
      c.update(sample({ packetsLostPct: 30 })),
      c.update(sample({ packetsLostPct: 30 })),
      c.setMeshSize(6),
      c.update(sample({ packetsLostPct: 30 })),
    ])
    expect(sender.maxInFlight).toBe(1)
  })

  it('keeps screen content at full resolution after refresh() following a replaceTrack', async () => {
    const sender = new FakeSender()
    const c = new BitrateController(sender, { meshSize: 6 })
    await c.update(sample())
    expect(sender.encodings[0]?.scaleResolutionDownBy).toBe(1.5)
    sender.track = {
      kind: 'video',
      contentHint: 'detail',
      getSettings: () => ({ width: 1280, height: 720, frameRate: 15 }),
    }
    await c.refresh()
    expect(sender.encodings[0]?.scaleResolutionDownBy).toBe(1)
  })

  it('does nothing for a sender without a video track, and nothing after close()', async () => {
    const sender = new FakeSender()
    sender.track = null
    const c = new BitrateController(sender)
    await c.update(sample())
    expect(sender.calls).toEqual([])
    const other = new FakeSender()
    const closed = new BitrateController(other)
    closed.close()
    closed.close()
    expect(closed.state).toBe('closed')
    await closed.update(sample())
    await closed.setMeshSize(8)
    expect(other.calls).toEqual([])
  })
})
