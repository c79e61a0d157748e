/**
 * Log-bucketed latency histogram: constant memory whatever the number of samples, about 1 % relative
 * precision, mergeable across processes (its buckets are plain JSON).
 */

/** Ratio between consecutive bucket bounds. */
const GROWTH = 1.01
const LOG_GROWTH = Math.log(GROWTH)
/** Samples are recorded in microseconds; bucket 0 holds everything below 1 µs. */
const BUCKETS = Math.ceil(Math.log(1e9) / LOG_GROWTH) + 1

export class LatencyHistogram {
  readonly #counts = new Uint32Array(BUCKETS)
  #total = 0

  get count(): number {
    return this.#total
  }

  /** Records one latency, in microseconds. */
  record(micros: number): void {
    const index = micros < 1 ? 0 : Math.min(BUCKETS - 1, 1 + Math.floor(Math.log(micros) / LOG_GROWTH))
    this.#counts[index] = (this.#counts[index] ?? 0) + 1
    this.#total++
  }

  reset(): void {
    this.#counts.fill(0)
    this.#total = 0
  }

  /** Non-empty buckets as `[index, count]` pairs, to send to another process. */
  toJSON(): Array<[number, number]> {
    const buckets: Array<[number, number]> = []
    this.#counts.forEach((count, index) => {
      if (count > 0) buckets.push([index, count])
    })
    return buckets
  }

  /** Adds the buckets of another histogram (from {@link toJSON}). */
  merge(buckets: ReadonlyArray<readonly [number, number]>): void {
    for (const [index, count] of buckets) {
      if (!Number.isInteger(index) || index < 0 || index >= BUCKETS)
        throw new RangeError(`bad bucket ${index}`)
      this.#counts[index] = (this.#counts[index] ?? 0) + count
      this.#total += count
    }
  }

  /** The q-quantile (0 < q ≤ 1) in microseconds, as the geometric middle of its bucket; NaN if empty. */
  quantile(q: number): number {
    if (this.#total === 0) return Number.NaN
    const rank = Math.max(1, Math.ceil(q * this.#total))
    let seen = 0
    for (let index = 0; index < BUCKETS; index++) {
      seen += this.#counts[index] ?? 0
      if (seen >= rank) return index === 0 ? 0.5 : GROWTH ** (index - 0.5)
    }
    return Number.NaN
  }
}
