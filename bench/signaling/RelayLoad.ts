/**
 * Closed-loop relay load: every pair keeps `inflight` signals bouncing between its two clients; each
 * delivery is timed (send stamp in the payload) and immediately answered with a fresh signal.
 */
import type { WebSocket } from 'ws'
import { LatencyHistogram } from '../support/LatencyHistogram.js'
import { cpuMicros, machineBusyMicros } from '../support/procStats.js'
import type { RunResult } from './loadgenMessages.js'
import { nowMicros, type PayloadTemplate, STAMP_DIGITS, STAMP_MARK, stampOf } from './payload.js'
import type { OpenPair } from './protocols.js'

interface Leg {
  readonly socket: WebSocket
  /** Frame text before the stamp, addressed to the other client. */
  readonly head: string
  /** Frame text after the stamp. */
  readonly tail: string
}

const MARK = Buffer.from(STAMP_MARK)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export class RelayLoad {
  readonly #legs: Array<readonly [Leg, Leg]> = []
  readonly #histogram = new LatencyHistogram()
  #running = false
  #measuring = false
  #inflight = 0
  #delivered = 0
  #errors = 0
  #firstError: string | undefined
  #drained: (() => void) | undefined

  constructor(
    readonly serverPid: number,
    readonly inflightPerPair: number,
  ) {}

  /** Takes over an open pair: its frames now go through the load loop. */
  add(pair: OpenPair, prefix: (to: string) => string, payload: PayloadTemplate): void {
    const toB: Leg = { socket: pair.a, head: prefix(pair.bId) + payload.head, tail: `${payload.tail}}` }
    const toA: Leg = { socket: pair.b, head: prefix(pair.aId) + payload.head, tail: `${payload.tail}}` }
    for (const inbox of pair.inboxes) inbox.detach()
    // What a receives is answered towards b, and the other way round.
    this.#wire(pair.a, toB)
    this.#wire(pair.b, toA)
    this.#legs.push([toB, toA])
  }

  get clients(): number {
    return this.#legs.length * 2
  }

  async run(warmupMs: number, windowMs: number): Promise<RunResult> {
    this.#running = true
    this.#errors = 0
    this.#firstError = undefined
    const now = nowMicros()
    for (const [toB, toA] of this.#legs) {
      for (let ball = 0; ball < this.inflightPerPair; ball++) {
        const leg = ball % 2 === 0 ? toB : toA
        leg.socket.send(leg.head + stampOf(now) + leg.tail)
        this.#inflight++
      }
    }
    await sleep(warmupMs)

    this.#histogram.reset()
    const delivered0 = this.#delivered
    const server0 = cpuMicros(this.serverPid)
    const self0 = process.cpuUsage()
    const machine0 = machineBusyMicros()
    const t0 = performance.now()
    this.#measuring = true
    await sleep(windowMs)
    this.#measuring = false
    const t1 = performance.now()
    const server1 = cpuMicros(this.serverPid)
    const self1 = process.cpuUsage(self0)
    const machine1 = machineBusyMicros()
    const delivered1 = this.#delivered

    await this.#drain()
    return {
      signals: delivered1 - delivered0,
      windowMs: t1 - t0,
      serverCpuUs: server1.user + server1.system - server0.user - server0.system,
      serverSystemCpuUs: server1.system - server0.system,
      loadgenCpuUs: self1.user + self1.system,
      machineCpuUs: machine1 - machine0,
      latency: this.#histogram.toJSON(),
      // Any error of the slice counts (ramp-up and drain included): a healthy relay has none.
      errors: this.#errors,
      ...(this.#firstError === undefined ? {} : { firstError: this.#firstError }),
    }
  }

  /** Stops answering and waits until every signal in flight has arrived. */
  async #drain(): Promise<void> {
    this.#running = false
    if (this.#inflight > 0) {
      const drained = new Promise<void>((resolve) => {
        this.#drained = resolve
      })
      await Promise.race([drained, sleep(10_000)])
      this.#drained = undefined
    }
    if (this.#inflight > 0) this.#error(`${this.#inflight} signals never arrived`)
    this.#inflight = 0
  }

  #wire(socket: WebSocket, reply: Leg): void {
    socket.on('message', (data: Buffer) => this.#receive(data, reply))
    socket.on('close', (code) => this.#error(`client closed with ${code}`))
    socket.on('error', (error) => this.#error(error.message))
  }

  #receive(data: Buffer, reply: Leg): void {
    const at = data.indexOf(MARK)
    if (at < 0) {
      // Not a relayed signal (an error reply): the signal it answers is lost.
      this.#error(data.toString('utf8', 0, 200))
      this.#landed()
      return
    }
    const start = at + MARK.length
    const sent = Number(data.toString('latin1', start, start + STAMP_DIGITS))
    const now = nowMicros()
    this.#delivered++
    if (this.#measuring) this.#histogram.record(now - sent)
    if (this.#running) reply.socket.send(reply.head + stampOf(now) + reply.tail)
    else this.#landed()
  }

  #landed(): void {
    this.#inflight--
    if (this.#inflight <= 0) this.#drained?.()
  }

  #error(message: string): void {
    this.#errors++
    this.#firstError ??= message
  }
}
