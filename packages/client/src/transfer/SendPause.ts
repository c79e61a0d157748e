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
 * The send buffer's water marks when none are given. Browsers: 1 / 0.25 MiB. With 8 / 4 MiB queued
 * (sessions 7–11), the sending page's longest main-thread tasks took 51–207 ms of wall clock for a
 * few ms of CPU on this 2-core machine; with 1 / 0.25 MiB, 40–53 ms, and the receiving page's were
 * shorter in most runs, at about the same throughput (alternated runs: docs/file-transfer.md). A
 * browser channel's bufferedAmount counts bytes not yet transmitted, not those in flight, so a
 * shallow buffer does not cap a long path's throughput. Node (node-datachannel): 8 / 4 MiB, where
 * both measured alike.
 */
export function defaultWaterMarks(): { readonly high: number; readonly low: number } {
  const node = (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node
  return typeof node === 'string'
    ? { high: 8 * 1024 * 1024, low: 4 * 1024 * 1024 }
    : { high: 1024 * 1024, low: 256 * 1024 }
}
