/**
 * Samples one RTCPeerConnection's getStats() every `intervalMs` (default 2 s) and emits a
 * {@link QualitySample} computed from the deltas between successive reports (see quality.ts and
 * docs/quality.md).
 *
 * States `idle → running → stopped` (and `idle → stopped`), one transition-checked setter.
 * Sampling never overlaps (the next tick is scheduled once a getStats call settles); a failed
 * getStats is logged and skipped. `stop()` is idempotent and clears the timer.
 */
import type { Logger } from '../Logger.js'
import { StateMachine, type TransitionTable } from '../StateMachine.js'
import { TypedEmitter } from '../TypedEmitter.js'
import {
  computeSample,
  DEFAULT_THRESHOLDS,
  initialQualityState,
  type QualitySample,
  type QualityState,
  type QualityThresholds,
  type StatsReportLike,
  snapshotFromReport,
} from './quality.js'

/** What is sampled: an RTCPeerConnection (or anything with the same getStats and states). */
export interface StatsSource {
  getStats(): Promise<StatsReportLike>
  readonly connectionState?: string | undefined
  readonly iceConnectionState?: string | undefined
}

export type StatsSamplerState = 'idle' | 'running' | 'stopped'

export type StatsSamplerEvents = {
  sample: (sample: QualitySample) => void
  state: (state: StatsSamplerState) => void
}

export interface StatsSamplerOptions {
  /** default 2000 ms */
  intervalMs?: number
  thresholds?: Partial<QualityThresholds>
  /** Whether the connection counts as connected; default: connectionState (or ICE state) connected. */
  isConnected?: () => boolean
  /** Unit of candidate-pair RTTs: 'ms' for node-datachannel's polyfill (see quality.ts). */
  pairRttUnit?: 's' | 'ms'
  logger?: Logger
}

const TABLE: TransitionTable<StatsSamplerState> = {
  idle: ['running', 'stopped'],
  running: ['stopped'],
  stopped: [],
}

export function isSourceConnected(source: StatsSource): boolean {
  const state = source.connectionState ?? source.iceConnectionState
  return state === 'connected' || state === 'completed'
}

export class StatsSampler extends TypedEmitter<StatsSamplerEvents> {
  readonly #source: StatsSource
  readonly #intervalMs: number
  readonly #thresholds: QualityThresholds
  readonly #isConnected: () => boolean
  readonly #logger: Logger | undefined
  readonly #pairRttUnit: 's' | 'ms'
  readonly #machine: StateMachine<StatsSamplerState>
  #quality: QualityState = initialQualityState()
  #latest: QualitySample | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  #inFlight: Promise<QualitySample | undefined> | undefined

  constructor(source: StatsSource, options: StatsSamplerOptions = {}) {
    super()
    this.#source = source
    this.#intervalMs = Math.max(100, options.intervalMs ?? 2000)
    this.#thresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds }
    this.#isConnected = options.isConnected ?? (() => isSourceConnected(source))
    this.#logger = options.logger
    this.#pairRttUnit = options.pairRttUnit ?? 's'
    this.#machine = new StateMachine({
      name: 'StatsSampler',
      initial: 'idle',
      table: TABLE,
      onChange: (s) => this.emit('state', s),
      ...(options.logger ? { logger: options.logger } : {}),
    })
  }

  get state(): StatsSamplerState {
    return this.#machine.state
  }

  /** The last sample emitted. */
  get latest(): QualitySample | undefined {
    return this.#latest
  }

  get intervalMs(): number {
    return this.#intervalMs
  }

  /** Takes a baseline snapshot at once, then emits a sample every intervalMs. Idempotent. */
  start(): void {
    if (!this.#machine.can('running')) return
    this.#machine.set('running')
    void this.sampleNow().finally(() => this.#schedule())
  }

  /**
   * Samples now (outside the schedule, e.g. for a diagnostics button); emits and resolves with the
   * sample. Concurrent calls share one getStats. The very first report is only a baseline (rates
   * need an interval): it is not emitted and resolves undefined.
   */
  sampleNow(): Promise<QualitySample | undefined> {
    if (this.state === 'stopped') return Promise.resolve(undefined)
    this.#inFlight ??= this.#sample().finally(() => {
      this.#inFlight = undefined
    })
    return this.#inFlight
  }

  /**
   * Forgets the previous report: the next one is a new baseline. For a source whose counters
   * restart (e.g. the peer connection was replaced).
   */
  resetBaseline(): void {
    this.#quality = initialQualityState()
  }

  /** Stops sampling. Idempotent. */
  stop(): void {
    if (this.state === 'stopped') return
    this.#machine.set('stopped')
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #schedule(): void {
    if (this.state !== 'running') return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      void this.sampleNow().finally(() => this.#schedule())
    }, this.#intervalMs)
  }

  async #sample(): Promise<QualitySample | undefined> {
    let report: StatsReportLike
    try {
      report = await this.#source.getStats()
    } catch (error) {
      this.#logger?.debug({ err: error }, 'getStats failed; sample skipped')
      return undefined
    }
    if (this.state === 'stopped') return undefined
    const baseline = this.#quality.previous === undefined
    const step = computeSample(
      this.#quality,
      snapshotFromReport(report, { pairRttUnit: this.#pairRttUnit }),
      this.#isConnected(),
      this.#thresholds,
    )
    this.#quality = step.state
    if (baseline) return undefined
    this.#latest = step.sample
    this.emit('sample', step.sample)
    return step.sample
  }
}
