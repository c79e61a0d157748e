import type { SendDepthOptions } from './SendDepth.js'
import type { TransferChannel } from './TransferChannel.js'

/**
 * When a sender may send: not while the receiver asked it to pause (its storage is slower than the
 * network) until it says continue, nor while the channel's buffer is full. A paused wait also ends
 * after a second, for the sender to look again, and at once on {@link wake}.
 */
export class SendPause {
  #paused = false
  #wake: (() => void) | undefined

  /** True while the receiver asked to pause. */
  get paused(): boolean {
    return this.#paused
  }

  /** The receiver asked to pause. */
  pause(): void {
    this.#paused = true
  }

  /** The receiver said continue (or a new channel starts afresh): a paused wait ends. */
  resume(): void {
    this.#paused = false
    this.wake()
  }

  /** Waits for continue (a second at most) while paused, else for `link`'s buffer to drain. */
  wait(link: TransferChannel): Promise<void> {
    if (!this.#paused) return link.whenDrained()
    return new Promise((resolve) => {
      const timer = setTimeout(done, 1000)
      function done() {
        clearTimeout(timer)
        resolve()
      }
      this.#wake = done
    })
  }

  /** Ends a paused wait now (the channel closed, the transfer ended). */
  wake(): void {
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }
}

/**
 * Chunk size used in Node when the connection allows it (measured best of 16/64/256 KiB, see the
 * doc); browsers send 64 KiB chunks ({@link defaultSendSettings}).
 */
export const DEFAULT_CHUNK_SIZE = 256 * 1024

/** How a sender queues its chunks when its options do not say: chunk size and water marks, bytes. */
export interface SendSettings {
  readonly chunkSize: number
  /** Fixed water marks: those given in the options, or these (the one not given from here). */
  readonly high: number
  readonly low: number
  /** When no water mark is given: a queue depth that follows the sending thread (browsers). */
  readonly depth?: SendDepthOptions
}

/**
 * The sender's defaults. Node (node-datachannel): 256 KiB chunks, water marks 8 / 4 MiB, where
 * every setting measured alike. Browsers: 64 KiB chunks and a queue of 64 KiB to 4 MiB that
 * follows the sending thread ({@link SendDepth}, starting at 256 KiB): with 64 KiB queued, the
 * sending page's worst lag was 15–33 ms in 8 of 8 transfers on this 2-core machine, against
 * 36–115 ms (7 of 8 over 50 ms) with 256 KiB chunks and 1 / 0.25 MiB water marks (sessions 12–14),
 * at about the same throughput; but the web app's page, which also plays a call, came back too late
 * to keep 64 KiB queued and moved a third less (docs/file-transfer.md, fifteenth session). When one
 * water mark is given, the other comes from `high` / `low` here (browsers: 1 MiB / 256 KiB).
 */
export function defaultSendSettings(): SendSettings {
  const node = (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node
  return typeof node === 'string'
    ? { chunkSize: DEFAULT_CHUNK_SIZE, high: 8 * 1024 * 1024, low: 4 * 1024 * 1024 }
    : {
        chunkSize: 64 * 1024,
        high: 1024 * 1024,
        low: 256 * 1024,
        depth: { min: 64 * 1024, max: 4 * 1024 * 1024, initial: 256 * 1024 },
      }
}
