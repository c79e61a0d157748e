import { ParleyError } from '../errors.js'

/** Where a {@link WriteGatherer} writes. */
export interface GatherTarget {
  /** A buffer of the gatherer's `stageBytes` to gather into (e.g. from a BufferPool). */
  take(): Uint8Array<ArrayBuffer>
  /**
   * Writes `bytes` at offset `at` of the file. `gathered`: `bytes` is a view, from its start, of a
   * buffer the gatherer filled (from `take()` or made for a file's end), which is the target's
   * from then on (to transfer, or to give back to its pool once written); otherwise `bytes` is a
   * chunk the caller gave up, possibly a view of a larger buffer that is not the target's.
   */
  put(at: number, bytes: Uint8Array<ArrayBuffer>, gathered: boolean): Promise<void>
}

export interface WriteGathererOptions {
  /** Bytes gathered before one write (the size of the buffers `take()` gives). */
  readonly stageBytes: number
  /** Writes pending before write() waits. */
  readonly maxInFlight: number
  /** The sink's error for a failed write (e.g. DISK_FULL for a quota error). */
  readonly toError: (error: unknown) => ParleyError
}

/**
 * Gathers a sink's chunks into writes of `stageBytes`, with up to `maxInFlight` writes pending.
 * A browser's file APIs cost about the same per call whatever its size (a postMessage to a worker,
 * a write to a FileSystemWritableFileStream), and browsers send 64 KiB messages: 16 calls per MiB
 * where one does. Chunks are copied into the buffer being filled; a chunk of `stageBytes` or more
 * with nothing gathered is written as it is. write() resolves at once while fewer than
 * `maxInFlight` writes are pending (a round trip per write would bound the rate by the latency).
 * A failed write rejects the next write() or drain(). Not for concurrent callers (a sink's writes
 * are sequential).
 */
export class WriteGatherer {
  readonly #target: GatherTarget
  readonly #options: WriteGathererOptions
  /** The offset after the last byte written or gathered. */
  #position = 0
  /** The file's size: the last buffer gathers no more than the file has left. */
  #size = 0
  /** Bytes gathered for the next write: [position - staged, position). */
  #stage: Uint8Array<ArrayBuffer> | undefined
  #staged = 0
  readonly #inFlight = new Set<Promise<void>>()
  #failure: ParleyError | undefined

  constructor(target: GatherTarget, options: WriteGathererOptions) {
    if (!Number.isSafeInteger(options.stageBytes) || options.stageBytes <= 0) {
      throw new ParleyError(
        'INVALID_ARGUMENT',
        `stageBytes must be a positive integer, got ${options.stageBytes}`,
      )
    }
    if (!Number.isSafeInteger(options.maxInFlight) || options.maxInFlight <= 0) {
      throw new ParleyError(
        'INVALID_ARGUMENT',
        `maxInFlight must be a positive integer, got ${options.maxInFlight}`,
      )
    }
    this.#target = target
    this.#options = options
  }

  /** The offset after the last byte written or gathered. */
  get position(): number {
    return this.#position
  }

  /** Bytes gathered and not yet handed to the target. */
  get staged(): number {
    return this.#staged
  }

  /** Writes handed to the target and not settled. */
  get pending(): number {
    return this.#inFlight.size
  }

  /** Starts at `position` of a file of `size` bytes (drops anything gathered). */
  reset(position: number, size: number): void {
    this.drop()
    this.#position = position
    this.#size = size
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.#failure) throw this.#failure
    const { stageBytes, maxInFlight } = this.#options
    if (this.#staged === 0 && chunk.byteLength >= stageBytes) {
      this.#position += chunk.byteLength
      this.#put(this.#position - chunk.byteLength, chunk as Uint8Array<ArrayBuffer>, false)
    } else {
      for (let at = 0; at < chunk.byteLength; ) {
        this.#stage ??= this.#newStage(chunk.byteLength - at)
        const n = Math.min(this.#stage.byteLength - this.#staged, chunk.byteLength - at)
        this.#stage.set(chunk.subarray(at, at + n), this.#staged)
        this.#staged += n
        this.#position += n
        at += n
        if (this.#staged === this.#stage.byteLength) this.flush()
      }
    }
    while (this.#inFlight.size >= maxInFlight) await Promise.race(this.#inFlight)
    if (this.#failure) throw this.#failure
  }

  /** Hands what is gathered to the target (without waiting for it). */
  flush(): void {
    if (!this.#stage || this.#staged === 0) return
    const bytes = this.#stage.subarray(0, this.#staged)
    const at = this.#position - this.#staged
    this.#stage = undefined
    this.#staged = 0
    this.#put(at, bytes, true)
  }

  /** Writes what is gathered and waits for every pending write; rejects with the first failure. */
  async drain(): Promise<void> {
    this.flush()
    await Promise.all(this.#inFlight)
    if (this.#failure) throw this.#failure
  }

  /** Forgets what is gathered (never written: it lies past the caller's last drain). */
  drop(): void {
    this.#position -= this.#staged
    this.#stage = undefined
    this.#staged = 0
  }

  /** Waits for the pending writes without writing what is gathered or throwing. */
  async settle(): Promise<void> {
    await Promise.all(this.#inFlight)
  }

  /**
   * A buffer for the next write: `stageBytes`, or what is left of the file when less (a small
   * file, or a file's end, gathers no more than it needs); `coming` bytes at least when a caller
   * writes past the size (the transfer engine refuses such data before any sink).
   */
  #newStage(coming: number): Uint8Array<ArrayBuffer> {
    const { stageBytes } = this.#options
    const size = Math.min(stageBytes, Math.max(this.#size - this.#position, coming))
    return size === stageBytes ? this.#target.take() : new Uint8Array(size)
  }

  #put(at: number, bytes: Uint8Array<ArrayBuffer>, gathered: boolean): void {
    let written: Promise<void>
    try {
      written = this.#target.put(at, bytes, gathered)
    } catch (error) {
      written = Promise.reject(error)
    }
    const done: Promise<void> = written
      .then(
        () => undefined,
        (error: unknown) => {
          this.#failure ??= this.#options.toError(error)
        },
      )
      .finally(() => this.#inFlight.delete(done))
    this.#inFlight.add(done)
  }
}
