import type { FileHandle } from 'node:fs/promises'

/** Sequential writes to one file behind their caller (see WriteBehind, DirectWriteBehind). */
export interface SequentialWriter {
  /** End of the bytes queued so far (what the file will hold once drained). */
  readonly position: number
  /** Takes `chunk` after the previous ones; resolves once there is room for more. */
  write(chunk: Uint8Array): Promise<void>
  /** Resolves once everything taken is stored; rejects with the first failure. */
  drain(): Promise<void>
  /** Like drain() but never rejects (before closing or removing the file). */
  settle(): Promise<void>
  /** settle(), then releases what the writer opened itself (never the caller's handle). */
  close(): Promise<void>
}

/** Buffers at most handed to one writev call (Linux's IOV_MAX is 1024). */
const MAX_BUFFERS_PER_CALL = 1024

/**
 * Sequential positioned writes to one file, handed off without waiting for the disk: `write()`
 * queues the chunk and resolves at once while at most `maxBytes` are queued or being written; a
 * single loop writes whatever is queued with one `writev` call. A write then costs the event loop a
 * queue push instead of a round trip to libuv's thread pool per chunk, and a disk (or a thread pool
 * thread) that stalls for a moment is caught up with one large write instead of a backlog of small
 * ones. The chunks are kept, not copied: callers must not reuse them.
 *
 * The first failure is kept: every later `write()` and `drain()` rejects with it (mapped by
 * `toError`).
 */
export class WriteBehind implements SequentialWriter {
  readonly #handle: FileHandle
  readonly #maxBytes: number
  readonly #toError: (cause: unknown) => Error
  readonly #queue: Uint8Array[] = []
  #queuedBytes = 0
  /** Bytes queued or being written. */
  #pendingBytes = 0
  /** Where the next queued chunk goes. */
  #position: number
  #loop: Promise<void> | undefined
  #failure: Error | undefined
  /** Writers waiting for room, and drainers waiting for an empty queue. */
  readonly #waiters: (() => void)[] = []

  constructor(handle: FileHandle, position: number, toError: (cause: unknown) => Error, maxBytes = 8 << 20) {
    this.#handle = handle
    this.#position = position
    this.#toError = toError
    this.#maxBytes = maxBytes
  }

  /** End of the bytes queued so far (what the file will hold once drained). */
  get position(): number {
    return this.#position
  }

  /** Queues `chunk` after the previous ones; resolves once there is room for more. */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.#failure) throw this.#failure
    if (chunk.byteLength === 0) return
    this.#queue.push(chunk)
    this.#queuedBytes += chunk.byteLength
    this.#pendingBytes += chunk.byteLength
    this.#position += chunk.byteLength
    this.#loop ??= this.#run()
    while (this.#pendingBytes > this.#maxBytes && !this.#failure) await this.#changed()
    if (this.#failure) throw this.#failure
  }

  /** Resolves once everything queued is written; rejects with the first failure. */
  async drain(): Promise<void> {
    while (this.#loop) await this.#loop
    if (this.#failure) throw this.#failure
  }

  /** Like drain() but never rejects (before closing or removing the file). */
  async settle(): Promise<void> {
    while (this.#loop) await this.#loop
  }

  close(): Promise<void> {
    return this.settle()
  }

  #changed(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  async #run(): Promise<void> {
    // the file position of the first queued byte
    let at = this.#position - this.#queuedBytes
    try {
      while (this.#queue.length > 0) {
        const buffers = this.#queue.splice(0, MAX_BUFFERS_PER_CALL)
        const length = buffers.reduce((sum, b) => sum + b.byteLength, 0)
        this.#queuedBytes -= length
        await this.#writeAll(buffers, length, at)
        at += length
        this.#pendingBytes -= length
        this.#wakeWaiters()
      }
    } catch (cause) {
      this.#failure = this.#toError(cause)
      this.#queue.length = 0
      this.#queuedBytes = 0
      this.#pendingBytes = 0
    } finally {
      this.#loop = undefined
      this.#wakeWaiters()
    }
  }

  /** writev until every byte is written (a call may write fewer bytes than asked). */
  async #writeAll(buffers: Uint8Array[], length: number, at: number): Promise<void> {
    let rest = buffers
    for (let done = 0; done < length; ) {
      const { bytesWritten } = await this.#handle.writev(rest, at + done)
      if (bytesWritten <= 0) throw new Error('writev wrote nothing')
      done += bytesWritten
      if (done < length) rest = skip(rest, bytesWritten)
    }
  }

  #wakeWaiters(): void {
    for (const wake of this.#waiters.splice(0)) wake()
  }
}

/** `buffers` without their first `bytes` bytes (views, no copy). */
function skip(buffers: readonly Uint8Array[], bytes: number): Uint8Array[] {
  const out: Uint8Array[] = []
  let left = bytes
  for (const b of buffers) {
    if (left >= b.byteLength) {
      left -= b.byteLength
      continue
    }
    out.push(left > 0 ? b.subarray(left) : b)
    left = 0
  }
  return out
}
