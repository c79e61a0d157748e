/** Bounds and steps of a {@link SendDepth}, bytes and refills. */
export interface SendDepthOptions {
  /** The depth it never goes below (and starts at unless `initial` says). */
  readonly min: number
  /** The depth it never goes above. */
  readonly max: number
  /** The depth to start at (default: 4 × min, within the bounds). */
  readonly initial?: number
  /** Refills in a row that found half the depth still queued before it is halved (default 256). */
  readonly calmRefills?: number
}

/**
 * How much a browser sender keeps queued in its channel: its high and low water mark at once (one
 * or two chunks sent per `bufferedamountlow`). A deep queue made the sending page's main-thread
 * tasks take 50–115 ms of wall clock on a busy 2-core machine, a 64 KiB one 15–33 ms; but a page
 * whose thread is busy elsewhere (a call's video) did not come back before 64 KiB drained, and
 * its channel sat idle. So the depth follows the sending thread: a refill that finds less than a
 * quarter of it still queued (the thread came back late: the channel ran, or nearly ran, dry)
 * doubles it, and {@link SendDepthOptions.calmRefills} refills in a row that find at least half of
 * it still queued halve it again. What TCP does with its window, done with the queue.
 */
export class SendDepth {
  readonly #min: number
  readonly #max: number
  readonly #calmRefills: number
  #bytes: number
  #calm = 0
  #grown = 0

  constructor(options: SendDepthOptions) {
    this.#min = Math.max(1, options.min)
    this.#max = Math.max(this.#min, options.max)
    this.#calmRefills = Math.max(1, options.calmRefills ?? 256)
    this.#bytes = clamp(options.initial ?? 4 * this.#min, this.#min, this.#max)
  }

  /** The current depth, bytes: queue while the channel's buffer is at or below it. */
  get bytes(): number {
    return this.#bytes
  }

  /** How often the thread came back late and the depth grew (for logs and benchmarks). */
  get grown(): number {
    return this.#grown
  }

  /**
   * The sender woke to refill (the buffer fell to the depth) and found `buffered` bytes still
   * queued. Returns true when the depth changed (the channel's `bufferedAmountLowThreshold` must
   * follow).
   */
  refilled(buffered: number): boolean {
    if (buffered < this.#bytes / 4) {
      // the thread came back with less than a quarter left: the channel ran, or nearly ran, dry
      this.#calm = 0
      if (this.#bytes >= this.#max) return false
      this.#bytes = Math.min(this.#max, this.#bytes * 2)
      this.#grown++
      return true
    }
    if (buffered < this.#bytes / 2) {
      this.#calm = 0 // neither: not late enough to grow, not early enough to count as calm
      return false
    }
    if (++this.#calm < this.#calmRefills) return false
    this.#calm = 0
    if (this.#bytes <= this.#min) return false
    this.#bytes = Math.max(this.#min, Math.floor(this.#bytes / 2))
    return true
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value))
}
