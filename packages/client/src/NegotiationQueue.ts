import { ParleyError } from './errors.js'

/**
 * Runs asynchronous steps one at a time, in submission order. Every negotiation step of a peer
 * connection (apply a description, create an answer, add a candidate, restart ICE) goes through
 * one queue so that no two steps ever interleave. A failing step does not stop the queue.
 * After `close()`, queued steps are skipped and new ones reject with code CLOSED.
 */
export class NegotiationQueue {
  #tail: Promise<unknown> = Promise.resolve()
  #pending = 0
  #closed = false

  /** Steps queued or running. */
  get pending(): number {
    return this.#pending
  }

  get closed(): boolean {
    return this.#closed
  }

  run<T>(step: () => Promise<T> | T): Promise<T> {
    if (this.#closed) return Promise.reject(new ParleyError('CLOSED', 'negotiation queue is closed'))
    this.#pending++
    const result = this.#tail.then(() => {
      if (this.#closed) throw new ParleyError('CLOSED', 'negotiation queue is closed')
      return step()
    })
    const settled = result.then(
      () => {
        this.#pending--
      },
      () => {
        this.#pending--
      },
    )
    this.#tail = settled
    return result
  }

  /** Resolves once every step queued so far has settled. */
  idle(): Promise<void> {
    return this.#tail.then(() => undefined)
  }

  close(): void {
    this.#closed = true
  }
}
