/**
 * The download service worker's queue of one download: chunks the page sent, waiting for the
 * browser to read them. The page never has more unacknowledged bytes than its window, so the queue
 * stays within that window whatever the file size.
 */
export interface ChunkQueue {
  /** Bytes queued, not yet handed out by next(). */
  readonly bytes: number
  /** Queues a chunk (ignored after end() or fail()). */
  push(chunk: Uint8Array): void
  /** No chunk follows: next() resolves with null once the queue is empty. */
  end(): void
  /** Drops the queue: a waiting and every later next() rejects with `reason`. Idempotent. */
  fail(reason: unknown): void
  /** The next chunk (waits for one), or null after end(). One reader at a time. */
  next(): Promise<Uint8Array | null>
}

/**
 * Creates a {@link ChunkQueue}. Self-contained (no reference outside its body): the download
 * service worker embeds its source.
 */
export function createChunkQueue(): ChunkQueue {
  const chunks: Uint8Array[] = []
  let queued = 0
  let ended = false
  let failure: { readonly reason: unknown } | undefined
  let waiter:
    | { readonly resolve: (chunk: Uint8Array | null) => void; readonly reject: (reason: unknown) => void }
    | undefined
  return {
    get bytes() {
      return queued
    },
    push(chunk) {
      if (ended || failure) return
      const w = waiter
      if (w) {
        waiter = undefined
        w.resolve(chunk)
        return
      }
      chunks.push(chunk)
      queued += chunk.byteLength
    },
    end() {
      if (ended || failure) return
      ended = true
      const w = waiter
      if (w && chunks.length === 0) {
        waiter = undefined
        w.resolve(null)
      }
    },
    fail(reason) {
      if (failure) return
      failure = { reason }
      chunks.length = 0
      queued = 0
      const w = waiter
      waiter = undefined
      w?.reject(reason)
    },
    next() {
      if (failure) return Promise.reject(failure.reason)
      const chunk = chunks.shift()
      if (chunk) {
        queued -= chunk.byteLength
        return Promise.resolve(chunk)
      }
      if (ended) return Promise.resolve(null)
      if (waiter) return Promise.reject(new Error('the chunk queue has one reader at a time'))
      return new Promise((resolve, reject) => {
        waiter = { resolve, reject }
      })
    },
  }
}
