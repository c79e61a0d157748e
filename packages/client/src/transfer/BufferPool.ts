/**
 * Buffers of one size that a worker handed back (transferred) once it was done with them, kept for
 * the next use: a thread that fills one such buffer per MiB then allocates none, and the worker,
 * whose heap is mostly idle and collected late, does not hold them as garbage. At most `max` are
 * kept; others are dropped.
 */
export class BufferPool {
  readonly #free: ArrayBuffer[] = []
  constructor(
    readonly bytes: number,
    readonly max = 4,
  ) {}

  /** A buffer of `bytes` (its bytes are whatever its last use left). */
  take(): Uint8Array<ArrayBuffer> {
    const free = this.#free.pop()
    return free ? new Uint8Array(free) : new Uint8Array(this.bytes)
  }

  /** Hands a buffer back; nobody else may hold it. Others (a wrong size, detached) are dropped. */
  give(buffer: ArrayBuffer): void {
    if (buffer.byteLength === this.bytes && this.#free.length < this.max) this.#free.push(buffer)
  }

  get size(): number {
    return this.#free.length
  }
}
