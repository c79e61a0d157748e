export interface BackoffOptions {
  /** First delay, in ms (default 250). */
  initialDelayMs?: number
  /** Upper bound of any delay, in ms (default 10 000). */
  maxDelayMs?: number
  /** Growth per attempt (default 2). */
  factor?: number
  /** Fraction of each delay that is randomized, 0..1 (default 0.5: delay ∈ [d/2, d]). */
  jitter?: number
  /** Attempts before giving up (default Infinity). */
  maxAttempts?: number
  /** Random source in [0, 1) (injectable for tests). */
  random?: () => number
}

/**
 * Exponential backoff with jitter: attempt n waits min(max, initial · factor^n) scaled down by a
 * random fraction of up to `jitter`. `reset()` after a success starts again from the initial delay.
 */
export class Backoff {
  readonly initialDelayMs: number
  readonly maxDelayMs: number
  readonly factor: number
  readonly jitter: number
  readonly maxAttempts: number
  readonly #random: () => number
  #attempt = 0

  constructor(options: BackoffOptions = {}) {
    this.initialDelayMs = Math.max(0, options.initialDelayMs ?? 250)
    this.maxDelayMs = Math.max(this.initialDelayMs, options.maxDelayMs ?? 10_000)
    this.factor = Math.max(1, options.factor ?? 2)
    this.jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5))
    this.maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY
    this.#random = options.random ?? Math.random
  }

  /** Attempts made since the last reset. */
  get attempts(): number {
    return this.#attempt
  }

  /** True when no attempt is left. */
  get exhausted(): boolean {
    return this.#attempt >= this.maxAttempts
  }

  /** Delay before the next attempt (and counts that attempt). */
  next(): number {
    const base = Math.min(this.maxDelayMs, this.initialDelayMs * this.factor ** this.#attempt)
    this.#attempt++
    return Math.round(base * (1 - this.jitter * this.#random()))
  }

  reset(): void {
    this.#attempt = 0
  }
}
