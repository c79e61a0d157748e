import type { TransferChannel } from './TransferChannel.js'

/** How often a channel that is opening is looked at, ms. */
const CHECK_INTERVAL_MS = 250

export interface OpenWatchOptions {
  /** Give up on a channel not open after this long, ms. */
  readonly timeoutMs: number
  /** False once the watch is moot (another channel was attached, the transfer ended, it was offered on). */
  readonly stillWanted: () => boolean
  /** The channel is open, whether or not its `open` event came. */
  readonly onOpen: () => void
  /** The channel did not open in time. */
  readonly onGiveUp: () => void
}

/**
 * Watches a channel that is still opening, so that a sender never waits on it for ever: a channel
 * whose `open` event never reaches the listener (its state says open) gets its offer all the same,
 * and one that neither opens nor closes (a connection torn down without a close event for it) is
 * given up after `timeoutMs`. Stops by itself once the channel opened, closed or is no longer
 * wanted. Returns a function that stops it.
 */
export function watchOpening(link: TransferChannel, options: OpenWatchOptions): () => void {
  const started = Date.now()
  const timer = setInterval(() => {
    if (!options.stillWanted() || link.isClosed) {
      clearInterval(timer)
    } else if (link.isOpen) {
      clearInterval(timer)
      options.onOpen()
    } else if (Date.now() - started >= options.timeoutMs) {
      clearInterval(timer)
      options.onGiveUp()
    }
  }, CHECK_INTERVAL_MS)
  return () => clearInterval(timer)
}
