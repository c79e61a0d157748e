import { ERROR_CODES, type ErrorCode } from '@parley/protocol'
import {
  Counter,
  collectDefaultMetrics,
  Gauge,
  Histogram,
  type MetricObject,
  type MetricObjectWithValues,
  type MetricValueWithName,
  Registry,
} from 'prom-client'

/** Client message types counted by `parley_messages_total{type}`; `invalid` = not a valid message. */
export const MESSAGE_TYPES = ['join', 'signal', 'leave', 'invalid'] as const
export type CountedMessageType = (typeof MESSAGE_TYPES)[number]

/** Upper bounds (seconds) of the relay latency histogram. */
export const RELAY_LATENCY_BUCKETS = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
] as const

/**
 * A histogram whose `record` is a few arithmetic operations (no label hashing, no closure), exported
 * through prom-client like any other histogram.
 */
class FastHistogram extends Histogram<string> {
  static readonly NAME = 'parley_relay_latency_seconds'
  private readonly boundsMs = Float64Array.from(RELAY_LATENCY_BUCKETS, (s) => s * 1000)
  /** Non-cumulative counts per bucket; the last slot is +Inf. */
  private readonly counts = new Float64Array(RELAY_LATENCY_BUCKETS.length + 1)
  private sumMs = 0
  private total = 0

  recordMs(ms: number): void {
    const bounds = this.boundsMs
    let i = 0
    while (i < bounds.length && ms > bounds[i]!) i++
    this.counts[i]! += 1
    this.sumMs += ms
    this.total++
  }

  override async get(): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
    // Metadata as prom-client's constructor stored it (its own get() would call back into ours).
    const { name, help, type, aggregator, collect } = this as unknown as MetricObject
    const values: MetricValueWithName<string>[] = []
    let cumulative = 0
    RELAY_LATENCY_BUCKETS.forEach((le, i) => {
      cumulative += this.counts[i]!
      values.push({ metricName: `${FastHistogram.NAME}_bucket`, labels: { le }, value: cumulative })
    })
    values.push({ metricName: `${FastHistogram.NAME}_bucket`, labels: { le: '+Inf' }, value: this.total })
    values.push({ metricName: `${FastHistogram.NAME}_sum`, labels: {}, value: this.sumMs / 1000 })
    values.push({ metricName: `${FastHistogram.NAME}_count`, labels: {}, value: this.total })
    return { name, help, type, aggregator, collect, values }
  }

  /** prom-client's registry prefers this method when formatting text. */
  getForPromString(): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
    return this.get()
  }
}

export interface MetricSources {
  connections(): number
  rooms(): number
  peers(): number
}

/**
 * The server's Prometheus metrics, in a registry of its own. Hot-path counters are plain numbers
 * synced into prom-client when scraped, so that counting a relayed message costs an increment.
 */
export class Metrics {
  readonly registry = new Registry()
  /** Client messages by type; incremented directly by connections. */
  readonly messages: Record<CountedMessageType, number> = { join: 0, signal: 0, leave: 0, invalid: 0 }
  private readonly errors = new Map<string, number>(ERROR_CODES.map((c) => [c, 0]))
  private readonly relay: FastHistogram

  constructor(sources: MetricSources) {
    const registers = [this.registry]
    collectDefaultMetrics({ register: this.registry })
    new Gauge({
      name: 'parley_connections',
      help: 'Open WebSocket connections',
      registers,
      collect() {
        this.set(sources.connections())
      },
    })
    new Gauge({
      name: 'parley_rooms',
      help: 'Rooms with at least one peer',
      registers,
      collect() {
        this.set(sources.rooms())
      },
    })
    new Gauge({
      name: 'parley_peers',
      help: 'Peers in rooms, including dropped sessions awaiting resume',
      registers,
      collect() {
        this.set(sources.peers())
      },
    })
    const messages = this.messages
    const syncedMessages: Record<string, number> = { join: 0, signal: 0, leave: 0, invalid: 0 }
    new Counter({
      name: 'parley_messages_total',
      help: 'Client messages received, by type (invalid = not a valid protocol message)',
      labelNames: ['type'],
      registers,
      collect() {
        for (const type of MESSAGE_TYPES) {
          this.inc({ type }, messages[type] - (syncedMessages[type] ?? 0))
          syncedMessages[type] = messages[type]
        }
      },
    })
    const errors = this.errors
    const syncedErrors = new Map<string, number>()
    new Counter({
      name: 'parley_errors_total',
      help: 'Error messages sent to clients, by code',
      labelNames: ['code'],
      registers,
      collect() {
        for (const [code, n] of errors) {
          this.inc({ code }, n - (syncedErrors.get(code) ?? 0))
          syncedErrors.set(code, n)
        }
      },
    })
    this.relay = new FastHistogram({
      name: FastHistogram.NAME,
      help: 'Time from receiving a signal frame to handing the relayed frame to the socket',
      buckets: [...RELAY_LATENCY_BUCKETS],
      registers,
    })
  }

  countError(code: ErrorCode): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1)
  }

  /** Records one relay that took `ms` milliseconds. */
  observeRelayMs(ms: number): void {
    this.relay.recordMs(ms)
  }

  /** Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }
}
