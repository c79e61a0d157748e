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
