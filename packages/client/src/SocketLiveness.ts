/**
 * What the `ws` package's client socket (Node) adds to the W3C WebSocket interface: the server's
 * ping frames as events, and `terminate()`, which drops the connection without a closing handshake.
 */
export interface PingingSocket {
  on(event: 'ping', listener: () => void): unknown
  terminate(): void
}

/** True for a socket that reports the server's pings (Node's `ws`; a browser's WebSocket does not). */
export function isPingingSocket(socket: unknown): socket is PingingSocket {
  const s = socket as Partial<PingingSocket> | null
  return typeof s?.on === 'function' && typeof s.terminate === 'function'
}

export interface SocketLivenessOptions {
  /** Never judged dead sooner than this much silence, ms (default 15 s). */
  readonly minSilenceMs?: number
  /** Dead after this many times the longest gap seen between two pings (default 3). */
  readonly gapFactor?: number
  /** How often the silence is checked, ms (default 1 s). */
  readonly checkEveryMs?: number
  readonly now?: () => number
}

/**
 * Tells when a signaling socket is dead although it still reads open: after a network outage the
 * server has dropped the connection (its pings went unanswered), but its close never reached this
 * side, and a client that sends nothing learns it only from a TCP retransmission, minutes later.
 * The server pings every few seconds; once two pings gave their rhythm, a silence of `gapFactor`
 * times the longest gap between pings (and at least `minSilenceMs`) calls `onDead` once. Messages
 * count as signs of life too. Before two pings there is no verdict: the server's rhythm is unknown.
 */
export class SocketLiveness {
  readonly #onDead: (silentMs: number) => void
  readonly #minSilenceMs: number
  readonly #gapFactor: number
  readonly #now: () => number
  #last: number
  #lastPing: number | undefined
  #longestGap = 0
  #timer: ReturnType<typeof setInterval> | undefined

  constructor(onDead: (silentMs: number) => void, options: SocketLivenessOptions = {}) {
    this.#onDead = onDead
    this.#minSilenceMs = options.minSilenceMs ?? 15_000
    this.#gapFactor = options.gapFactor ?? 3
    this.#now = options.now ?? Date.now
    this.#last = this.#now()
    this.#timer = setInterval(() => this.check(), options.checkEveryMs ?? 1000)
    ;(this.#timer as { unref?: () => void }).unref?.()
  }

  /** A ping came from the server. */
  ping(): void {
    const now = this.#now()
    if (this.#lastPing !== undefined) this.#longestGap = Math.max(this.#longestGap, now - this.#lastPing)
    this.#lastPing = now
    this.#last = now
  }

  /** A message came from the server. */
  message(): void {
    this.#last = this.#now()
  }

  /** Calls `onDead` (then stops) when the silence is too long; runs on its own timer too. */
  check(): void {
    if (!this.#timer || this.#longestGap === 0) return
    const silent = this.#now() - this.#last
    if (silent <= Math.max(this.#minSilenceMs, this.#gapFactor * this.#longestGap)) return
    this.stop()
    this.#onDead(silent)
  }

  /** Stops watching. Idempotent. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = undefined
  }
}
