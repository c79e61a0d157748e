/** Progress of a transfer as shown to users. */
export interface TransferProgress {
  /** Bytes moved so far (all files of the transfer, counting bytes resumed as already moved). */
  readonly bytes: number
  /** Bytes of every accepted file (of every offered file before the answer). */
  readonly totalBytes: number
  /** Bytes the receiver confirmed as stored. */
  readonly confirmedBytes: number
  /** Recent throughput in bytes per second (over the last ~2 s). */
  readonly bytesPerSecond: number
  /** Estimated seconds left, undefined while the rate is unknown. */
  readonly etaSeconds: number | undefined
  /** File being transferred, undefined before the first or after the last. */
  readonly fileId: string | undefined
}

/** Rate over a sliding window of (time, bytes) samples. */
export class RateMeter {
  readonly #windowMs: number
  readonly #samples: { t: number; bytes: number }[] = []

  constructor(windowMs = 2000) {
    this.#windowMs = windowMs
  }

  /** Records the running byte count at time `now` (ms). */
  sample(bytes: number, now: number): void {
    this.#samples.push({ t: now, bytes })
    while (this.#samples.length > 2 && now - this.#samples[1]!.t >= this.#windowMs) this.#samples.shift()
  }

  /** Bytes per second over the window; 0 with fewer than two samples. */
  rate(): number {
    const first = this.#samples[0]
    const last = this.#samples[this.#samples.length - 1]
    if (!first || !last || last.t <= first.t) return 0
    return ((last.bytes - first.bytes) * 1000) / (last.t - first.t)
  }

  reset(): void {
    this.#samples.length = 0
  }
}

export function eta(remaining: number, bytesPerSecond: number): number | undefined {
  if (remaining <= 0) return 0
  return bytesPerSecond > 0 ? remaining / bytesPerSecond : undefined
}
