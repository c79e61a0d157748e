import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  type MonitoredParticipant,
  type MonitoredRoom,
  QualityMonitor,
  SAMPLING_START_DELAY_MS,
  videoSender,
} from '../../src/stats/QualityMonitor.js'
import type { QualitySample } from '../../src/stats/quality.js'
import { callReport } from './fixtures.js'

class FakeSender {
  track: { kind: string; contentHint: string; getSettings: () => MediaTrackSettings } | null = {
    kind: 'video',
    contentHint: '',
    getSettings: () => ({ width: 640, height: 480, frameRate: 20 }),
  }
  encodings: RTCRtpEncodingParameters[] = [{}]
  getParameters() {
    return { transactionId: 'x', encodings: this.encodings.map((e) => ({ ...e })) } as RTCRtpSendParameters
  }
  async setParameters(p: RTCRtpSendParameters) {
    this.encodings = p.encodings
  }
}

class FakePc {
  connectionState = 'connected'
  iceConnectionState = 'connected'
  readonly sender = new FakeSender()
  readonly started = Date.now()
  getStats = vi.fn(async () => {
    const t = Date.now()
    const ms = t - this.started
    return callReport({ t, vRecvBytes: ms * 100, vSentBytes: ms * 50, vSentPackets: ms, consent: ms })
  })
  getTransceivers() {
    return [
      {
        receiver: { track: { kind: 'audio' } },
        direction: 'sendrecv',
        currentDirection: 'sendrecv',
        sender: {},
      },
      {
        receiver: { track: { kind: 'video' } },
        direction: 'sendrecv',
        currentDirection: 'sendrecv',
        sender: this.sender,
      },
    ] as unknown as RTCRtpTransceiver[]
  }
  getSenders() {
    return [this.sender] as unknown as RTCRtpSender[]
  }
  asPc() {
    return this as unknown as RTCPeerConnection
  }
}

class FakeParticipant implements MonitoredParticipant {
  pc: FakePc | undefined = new FakePc()
  state = 'connected'
  constructor(readonly peerId: string) {}
  get peerConnection() {
    return this.pc?.asPc()
  }
}

class FakeRoom implements MonitoredRoom {
  readonly participants = new Map<string, FakeParticipant>()
  readonly reports: [string, QualitySample][] = []
  readonly #joined = new Set<(p: MonitoredParticipant) => void>()
  readonly #left = new Set<(p: MonitoredParticipant) => void>()
  readonly #state = new Set<(p: MonitoredParticipant, state: string) => void>()
  on(event: 'participant-joined' | 'participant-left', fn: (p: MonitoredParticipant) => void): () => void
  on(event: 'connection-state', fn: (p: MonitoredParticipant, state: string) => void): () => void
  on(
    event: 'participant-joined' | 'participant-left' | 'connection-state',
    fn: (p: MonitoredParticipant, state: string) => void,
  ): () => void {
    const set =
      event === 'participant-joined' ? this.#joined : event === 'participant-left' ? this.#left : this.#state
    set.add(fn)
    return () => set.delete(fn)
  }
  setState(p: FakeParticipant, state: string): void {
    p.state = state
    for (const fn of this.#state) fn(p, state)
  }
  reportQuality(peerId: string, sample: QualitySample): void {
    this.reports.push([peerId, sample])
  }
  join(peerId: string, state = 'connected'): FakeParticipant {
    const p = new FakeParticipant(peerId)
    p.state = state
    this.participants.set(peerId, p)
    for (const fn of this.#joined) fn(p)
    return p
  }
  leave(peerId: string): void {
    const p = this.participants.get(peerId)
    if (!p) return
    this.participants.delete(peerId)
    for (const fn of this.#left) fn(p)
  }
  get listenerCount() {
    return this.#joined.size + this.#left.size + this.#state.size
  }
}

describe('QualityMonitor', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 5_000_000 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('reports a quality sample per participant every interval, after a baseline', async () => {
    const room = new FakeRoom()
    const a = room.join('a')
    const monitor = new QualityMonitor(room, { intervalMs: 1000 })
    room.join('b')
    await vi.advanceTimersByTimeAsync(3000)
    const peers = room.reports.map(([id]) => id)
    expect(peers.filter((p) => p === 'a').length).toBe(3)
    expect(peers.filter((p) => p === 'b').length).toBe(3)
    expect(room.reports[0]?.[1].inbound.bitrateKbps).toBe(800)
    expect(a.pc?.getStats).toHaveBeenCalled()
    monitor.close()
  })

  it('samples a participant only once its connection is connected: no getStats while connecting', async () => {
    const room = new FakeRoom()
    const monitor = new QualityMonitor(room, { intervalMs: 1000 })
    const b = room.join('b', 'connecting')
    await vi.advanceTimersByTimeAsync(3000)
    expect(b.pc?.getStats).not.toHaveBeenCalled()
    expect(room.reports).toEqual([])
    room.setState(b, 'connected')
    // the baseline a moment later, not in the moment the connection comes up
    await vi.advanceTimersByTimeAsync(SAMPLING_START_DELAY_MS - 1)
    expect(b.pc?.getStats).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1 + 2000)
    expect(b.pc?.getStats).toHaveBeenCalledTimes(3)
    expect(room.reports.map(([id]) => id)).toEqual(['b', 'b'])
    // later state changes (reconnecting → connected) do not start a second schedule
    room.setState(b, 'reconnecting')
    room.setState(b, 'connected')
    await vi.advanceTimersByTimeAsync(1000)
    expect(b.pc?.getStats).toHaveBeenCalledTimes(4)
    monitor.close()
  })

  it('a participant that leaves before its sampling starts is never sampled', async () => {
    const room = new FakeRoom()
    const monitor = new QualityMonitor(room, { intervalMs: 1000 })
    const b = room.join('b', 'connecting')
    room.setState(b, 'connected')
    room.leave('b')
    await vi.advanceTimersByTimeAsync(3000)
    expect(b.pc?.getStats).not.toHaveBeenCalled()
    monitor.close()
  })

  it('drives each video sender with a BitrateController scaled to the mesh size, rescaling as people join and leave', async () => {
    const room = new FakeRoom()
    const a = room.join('a')
    const monitor = new QualityMonitor(room, { intervalMs: 1000 })
    await vi.advanceTimersByTimeAsync(1000)
    expect(monitor.controller('a')?.meshSize).toBe(2)
    expect(a.pc?.sender.encodings[0]?.maxBitrate).toBe(2_000_000)
    for (const id of ['b', 'c', 'd', 'e', 'f', 'g']) room.join(id)
    await vi.advanceTimersByTimeAsync(0)
    expect(monitor.meshSize).toBe(8)
    expect(a.pc?.sender.encodings[0]).toMatchObject({ maxBitrate: 300_000, scaleResolutionDownBy: 2 })
    for (const id of ['c', 'd', 'e', 'f', 'g']) room.leave(id)
    await vi.advanceTimersByTimeAsync(0)
    expect(monitor.controller('a')?.meshSize).toBe(3)
    expect(a.pc?.sender.encodings[0]?.scaleResolutionDownBy).toBe(1)
    monitor.close()
  })

  it('starts a new baseline and a new controller when the participant’s peer connection is replaced', async () => {
    const room = new FakeRoom()
    const a = room.join('a')
    const monitor = new QualityMonitor(room, { intervalMs: 1000 })
    await vi.advanceTimersByTimeAsync(2000)
    const first = monitor.controller('a')
    const before = room.reports.length
    a.pc = new FakePc() // counters restart from 0
    await vi.advanceTimersByTimeAsync(1000)
    expect(room.reports.length).toBe(before) // baseline of the new connection: nothing reported
    expect(first?.state).toBe('closed')
    await vi.advanceTimersByTimeAsync(1000)
    expect(room.reports.length).toBe(before + 1)
    expect(room.reports.at(-1)?.[1].inbound.bitrateKbps).toBe(800)
    expect(monitor.controller('a')).not.toBe(first)
    expect(a.pc.sender.encodings[0]?.maxBitrate).toBe(2_000_000)
    monitor.close()
  })

  it('reports nothing and does not throw while a participant has no peer connection yet', async () => {
    const room = new FakeRoom()
    const a = room.join('a')
    a.pc = undefined
    const monitor = new QualityMonitor(room, { intervalMs: 1000 })
    await vi.advanceTimersByTimeAsync(3000)
    expect(room.reports).toEqual([])
    monitor.close()
  })

  it('stops sampling a participant that left', async () => {
    const room = new FakeRoom()
    const a = room.join('a')
    room.join('b')
    const monitor = new QualityMonitor(room, { intervalMs: 1000 })
    await vi.advanceTimersByTimeAsync(1000)
    room.leave('a')
    const calls = a.pc?.getStats.mock.calls.length
    await vi.advanceTimersByTimeAsync(3000)
    expect(a.pc?.getStats.mock.calls.length).toBe(calls)
    expect(monitor.controller('a')).toBeUndefined()
    monitor.close()
  })

  it('leaves encodings alone with bitrate: false', async () => {
    const room = new FakeRoom()
    const a = room.join('a')
    const monitor = new QualityMonitor(room, { intervalMs: 1000, bitrate: false })
    await vi.advanceTimersByTimeAsync(3000)
    expect(room.reports.length).toBeGreaterThan(0)
    expect(monitor.controller('a')).toBeUndefined()
    expect(a.pc?.sender.encodings).toEqual([{}])
    monitor.close()
  })

  it('close() is idempotent, clears every timer and stops following the room', async () => {
    const room = new FakeRoom()
    room.join('a')
    const monitor = new QualityMonitor(room, { intervalMs: 1000 })
    await vi.advanceTimersByTimeAsync(1000)
    monitor.close()
    monitor.close()
    expect(monitor.state).toBe('closed')
    expect(vi.getTimerCount()).toBe(0)
    expect(room.listenerCount).toBe(0)
    const reports = room.reports.length
    room.join('b')
    await vi.advanceTimersByTimeAsync(3000)
    expect(room.reports.length).toBe(reports)
  })
})

describe('videoSender', () => {
  it('finds the sending video transceiver even when its track is null (camera off)', () => {
    const pc = new FakePc()
    pc.sender.track = null
    expect(videoSender(pc.asPc())).toBe(pc.sender)
  })

  it('returns undefined for a stack without media or a closed connection', () => {
    const throwing = {
      getTransceivers: () => {
        throw new Error('closed')
      },
    } as unknown as RTCPeerConnection
    expect(videoSender(throwing)).toBeUndefined()
    const none = { getTransceivers: () => [], getSenders: () => [] } as unknown as RTCPeerConnection
    expect(videoSender(none)).toBeUndefined()
  })
})
