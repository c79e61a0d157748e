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
  /**
   * Stores a file's end (digest compared, sink completed); runs behind later files' writes. Resolves
   * with the file's digest.
   */
  store(r: R, sha256: string): Promise<string>
  /**
   * A file's end is stored: called in file order (after every earlier file's `stored`), never after
   * an earlier end failed or once the receiver stopped (the file is then whole on disk, unreported).
   */
  stored(r: R, digest: string): void
  /** A handler threw: the receiver fails (the queue stops at the next item). */
  failed(error: unknown): void
  /** True once the receiver ended: the queue stops. */
  stopped(): boolean
}

/**
 * The one writer of a receiver: items in order, each file's bytes written one call after the
 * other. A file's end (digest, rename, time stamp: a few file-system calls) overlaps the writes of
 * the files after it, up to eight ends at once, and is reported in file order all the same:
 * thousands of small files are not stored one call at a time. Yields to the event loop now and then (a long backlog must not starve the channel).
 */
export class ReceiveQueue<R> {
  readonly #handlers: ReceiveQueueHandlers<R>
  readonly #items: ReceiveItem<R>[] = []
  readonly #ends = new InFlight(MAX_FINISHING)
  /** Resolves when the latest end queued settled: true if it and every end before it were reported. */
  #lastEnd: Promise<boolean> = Promise.resolve(true)
  #writer: Promise<void> = Promise.resolve()
  #running = false

  constructor(handlers: ReceiveQueueHandlers<R>) {
    this.#handlers = handlers
  }

  push(item: ReceiveItem<R>): void {
    this.#items.push(item)
    // `running` drops in the writer's own last step: an item pushed right after (even in the same
    // task, as a `start` handled without an await) starts a new writer instead of waiting for none
    if (!this.#running) this.#writer = this.#write()
  }

  /** Drops what is not written yet (the receiver ended). */
  clear(): void {
    this.#items.length = 0
  }

  /** Resolves once everything queued is written and every file's end is stored (or failed). */
  async drained(): Promise<void> {
    while (this.#running || this.#ends.size > 0) {
      await this.#writer
      await this.#ends.idle()
    }
  }

  /** One file's end: stored at once, reported after the ends before it, unless one of them failed. */
  async #end(r: R, sha256: string): Promise<void> {
    const h = this.#handlers
    const previous = this.#lastEnd
    let settled: (reported: boolean) => void = () => {}
    this.#lastEnd = new Promise<boolean>((resolve) => {
      settled = resolve
    })
    let reported = false
    try {
      const digest = await h.store(r, sha256)
      if ((await previous) && !h.stopped()) {
        h.stored(r, digest)
        reported = true
      }
    } finally {
      settled(reported) // a failure here: nothing after it is reported
    }
  }

  async #write(): Promise<void> {
    this.#running = true
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
          this.#ends.add(this.#end(item.r, item.sha256), (error) => h.failed(error))
          await this.#ends.room()
        }
      }
    } catch (error) {
      h.failed(error)
    } finally {
      this.#running = false
    }
  }
}
