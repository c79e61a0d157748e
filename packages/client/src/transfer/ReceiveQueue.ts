import { InFlight } from './concurrency.js'
import { Yielder } from './yielder.js'

/** How many files' ends are stored at once, behind the writes of the next files. */
const MAX_FINISHING = 8

/** What a receiver queues for one of its files `R`, in the order the sender said it. */
export type ReceiveItem<R> =
  /** A file's bytes begin (its `file` message). */
  | { readonly k: 'start'; readonly r: R }
  | { readonly k: 'data'; readonly r: R; readonly bytes: Uint8Array }
  /** Every byte of the file came (its `file-end`, with the sender's digest). */
  | { readonly k: 'end'; readonly r: R; readonly sha256: string }

export interface ReceiveQueueHandlers<R> {
  /** The writer got to a file's start (before its first byte). */
  start(r: R): void
  /** Writes bytes of a file; awaited, so a sink sees its writes one after the other. */
  data(r: R, bytes: Uint8Array): Promise<void>
  /** Stores a file's end (digest compared, sink completed); may run behind later files' writes. */
  end(r: R, sha256: string): Promise<void>
  /** A handler threw: the receiver fails (the queue stops at the next item). */
  failed(error: unknown): void
  /** True once the receiver ended: the queue stops. */
  stopped(): boolean
}

/**
 * The one writer of a receiver: items in order, each file's bytes written one call after the
 * other. A file's end (digest, rename, time stamp: a few file-system calls) overlaps the writes of
 * the files after it, up to eight ends at once: thousands of small files are not stored one call at
 * a time. Yields to the event loop now and then (a long backlog must not starve the channel).
 */
export class ReceiveQueue<R> {
  readonly #handlers: ReceiveQueueHandlers<R>
  readonly #items: ReceiveItem<R>[] = []
  readonly #ends = new InFlight(MAX_FINISHING)
  #writer: Promise<void> | undefined

  constructor(handlers: ReceiveQueueHandlers<R>) {
    this.#handlers = handlers
  }

  push(item: ReceiveItem<R>): void {
    this.#items.push(item)
    this.#writer ??= this.#write().finally(() => {
      this.#writer = undefined
    })
  }

  /** Drops what is not written yet (the receiver ended). */
  clear(): void {
    this.#items.length = 0
  }

  /** Resolves once everything queued is written and every file's end is stored (or failed). */
  async drained(): Promise<void> {
    while (this.#writer || this.#ends.size > 0) {
      await this.#writer
      await this.#ends.idle()
    }
  }

  async #write(): Promise<void> {
    const h = this.#handlers
    const yielder = new Yielder()
    try {
      for (let item = this.#items.shift(); item; item = this.#items.shift()) {
        const pause = yielder.maybeYield()
        if (pause) await pause
        if (h.stopped()) return
        if (item.k === 'data') await h.data(item.r, item.bytes)
        else if (item.k === 'start') h.start(item.r)
        else {
          this.#ends.add(h.end(item.r, item.sha256), (error) => h.failed(error))
          await this.#ends.room()
        }
      }
    } catch (error) {
      h.failed(error)
    }
  }
}
