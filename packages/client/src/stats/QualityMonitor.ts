/**
 * Connection quality and adaptive send quality for a whole room: one {@link StatsSampler} per
 * participant (its samples go to `room.reportQuality`, which emits the Room/Participant `quality`
 * events) and one {@link BitrateController} per video sender, scaled to the mesh size.
 *
 * It follows the room by itself (participant-joined / participant-left; a participant is sampled
 * from SAMPLING_START_DELAY_MS after its first `connected` connection-state on) and follows each
 * participant's current RTCPeerConnection: when the SDK replaces a connection, the sampler starts
 * a new baseline and the controller moves to the new video sender.
 * States `active → closed`; `close()` is idempotent and stops every sampler and controller.
 */
import type { Logger } from '../Logger.js'
import { type BitrateConfig, BitrateController } from '../media/BitrateController.js'
import { StateMachine, type TransitionTable } from '../StateMachine.js'
import type { QualitySample, QualityThresholds } from './quality.js'
import { StatsSampler, type StatsSource } from './StatsSampler.js'

/** What the monitor needs of a participant (the SDK's Participant satisfies it). */
export interface MonitoredParticipant {
  readonly peerId: string
  readonly peerConnection: RTCPeerConnection | undefined
  /** The peer session's state (`connected` once the connection is up). */
  readonly state: string
}

/** What the monitor needs of a room (the SDK's Room satisfies it). */
export interface MonitoredRoom {
  readonly participants: ReadonlyMap<string, MonitoredParticipant>
  on(event: 'participant-joined', fn: (participant: MonitoredParticipant) => void): () => void
  on(event: 'participant-left', fn: (participant: MonitoredParticipant) => void): () => void
  on(event: 'connection-state', fn: (participant: MonitoredParticipant, state: string) => void): () => void
  reportQuality(peerId: string, sample: QualitySample): void
}

export interface QualityMonitorOptions {
  /** Stats interval per participant (default 2000 ms). */
  intervalMs?: number
  thresholds?: Partial<QualityThresholds>
  /** Adaptive bitrate settings, or false to leave the browser's defaults alone. */
  bitrate?: Partial<BitrateConfig> | false
  /** 'ms' when the WebRTC stack is node-datachannel's polyfill. */
  pairRttUnit?: 's' | 'ms'
  logger?: Logger
}

export type QualityMonitorState = 'active' | 'closed'

const TABLE: TransitionTable<QualityMonitorState> = { active: ['closed'], closed: [] }

interface Entry {
  readonly participant: MonitoredParticipant
  readonly sampler: StatsSampler
  pc: RTCPeerConnection | undefined
  sender: RTCRtpSender | undefined
  controller: BitrateController | undefined
  /** Pending start of the sampler, a moment after the connection came up. */
  startTimer: ReturnType<typeof setTimeout> | undefined
}

/**
 * How long after a participant's connection comes up its first (baseline) getStats is taken: not
 * in the same moment as the connection's first messages (a connecting or just connected peer
 * connection has no rates to measure yet anyway).
 */
export const SAMPLING_START_DELAY_MS = 250

/** The sender of the first video transceiver that sends (its track may be null: camera off). */
export function videoSender(pc: RTCPeerConnection): RTCRtpSender | undefined {
  try {
    if (typeof pc.getTransceivers === 'function') {
      for (const t of pc.getTransceivers()) {
        const direction = t.currentDirection ?? t.direction
        if (t.receiver.track?.kind === 'video' && (direction === 'sendrecv' || direction === 'sendonly')) {
          return t.sender
        }
      }
    }
    return pc.getSenders?.().find((s) => s.track?.kind === 'video')
  } catch {
    return undefined // closed connection, or a stack without media
  }
}

export class QualityMonitor {
  readonly #room: MonitoredRoom
  readonly #options: QualityMonitorOptions
  readonly #logger: Logger | undefined
  readonly #machine: StateMachine<QualityMonitorState>
  readonly #entries = new Map<string, Entry>()
  readonly #unsubscribe: (() => void)[]

  constructor(room: MonitoredRoom, options: QualityMonitorOptions = {}) {
    this.#room = room
    this.#options = options
    this.#logger = options.logger
    this.#machine = new StateMachine({
      name: 'QualityMonitor',
      initial: 'active',
      table: TABLE,
      onChange: () => undefined,
      ...(options.logger ? { logger: options.logger } : {}),
    })
    this.#unsubscribe = [
      room.on('participant-joined', (p) => this.#add(p)),
      room.on('participant-left', (p) => this.#remove(p.peerId)),
      // sampling starts a moment after the connection is up: a connecting one has no rates to
      // measure, and its getStats calls would only slow the connection down
      room.on('connection-state', (p, state) => {
        const entry = this.#entries.get(p.peerId)
        if (state !== 'connected' || !entry || entry.startTimer || entry.sampler.state !== 'idle') return
        entry.startTimer = setTimeout(() => {
          entry.startTimer = undefined
          entry.sampler.start()
        }, SAMPLING_START_DELAY_MS)
      }),
    ]
    for (const p of room.participants.values()) this.#add(p)
  }

  get state(): QualityMonitorState {
    return this.#machine.state
  }

  /** Participants in the room, the local one included. */
  get meshSize(): number {
    return this.#room.participants.size + 1
  }

  /** The bitrate controller currently driving `peerId`'s video sender (diagnostics). */
  controller(peerId: string): BitrateController | undefined {
    return this.#entries.get(peerId)?.controller
  }

  /** Stops every sampler and controller and stops following the room. Idempotent. */
  close(): void {
    if (this.state === 'closed') return
    this.#machine.set('closed')
    for (const off of this.#unsubscribe) off()
    for (const peerId of [...this.#entries.keys()]) this.#remove(peerId)
  }

  #add(participant: MonitoredParticipant): void {
    if (this.state === 'closed' || this.#entries.has(participant.peerId)) return
    const source: StatsSource = {
      getStats: () => {
        const pc = participant.peerConnection
        if (pc !== entry.pc) this.#connectionReplaced(entry, pc)
        return pc ? pc.getStats() : Promise.reject(new Error('no peer connection yet'))
      },
      get connectionState() {
        return participant.peerConnection?.connectionState
      },
      get iceConnectionState() {
        return participant.peerConnection?.iceConnectionState
      },
    }
    const sampler = new StatsSampler(source, {
      ...(this.#options.intervalMs !== undefined ? { intervalMs: this.#options.intervalMs } : {}),
      ...(this.#options.thresholds ? { thresholds: this.#options.thresholds } : {}),
      ...(this.#options.pairRttUnit ? { pairRttUnit: this.#options.pairRttUnit } : {}),
      ...(this.#logger ? { logger: this.#logger } : {}),
    })
    const entry: Entry = {
      participant,
      sampler,
      pc: undefined,
      sender: undefined,
      controller: undefined,
      startTimer: undefined,
    }
    this.#entries.set(participant.peerId, entry)
    sampler.on('sample', (sample) => this.#onSample(entry, sample))
    if (participant.state === 'connected') sampler.start()
    this.#rescale()
  }

  #remove(peerId: string): void {
    const entry = this.#entries.get(peerId)
    if (!entry) return
    this.#entries.delete(peerId)
    if (entry.startTimer) clearTimeout(entry.startTimer)
    entry.sampler.stop()
    entry.controller?.close()
    this.#rescale()
  }

  #connectionReplaced(entry: Entry, pc: RTCPeerConnection | undefined): void {
    entry.pc = pc
    entry.sampler.resetBaseline()
    entry.controller?.close()
    entry.controller = undefined
    entry.sender = undefined
  }

  #onSample(entry: Entry, sample: QualitySample): void {
    if (this.state === 'closed') return
    this.#room.reportQuality(entry.participant.peerId, sample)
    if (this.#options.bitrate === false || !entry.pc) return
    const sender = videoSender(entry.pc)
    if (sender !== entry.sender) {
      entry.controller?.close()
      entry.sender = sender
      entry.controller = sender
        ? new BitrateController(sender, {
            meshSize: this.meshSize,
            ...(this.#options.bitrate ? { config: this.#options.bitrate } : {}),
            ...(this.#logger ? { logger: this.#logger } : {}),
          })
        : undefined
    }
    void entry.controller?.update(sample)
  }

  #rescale(): void {
    const size = this.meshSize
    for (const entry of this.#entries.values()) void entry.controller?.setMeshSize(size)
  }
}
