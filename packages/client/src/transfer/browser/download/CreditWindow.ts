import { ParleyError } from '../../../errors.js'

interface Waiter {
  readonly bytes: number
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

/**
 * The page side of a download's flow control: bytes sent to the service worker and not yet
 * acknowledged (handed to the browser) may not exceed the window. `acquire()` waits for room;
 * `release()` returns it as acknowledgements arrive. A chunk larger than the whole window goes
 * alone (when nothing is in flight). Waiters are served in order.
 */
export class CreditWindow {
  readonly #size: number
  readonly #waiters: Waiter[] = []
  #inFlight = 0
  #failure: { readonly error: unknown } | undefined

  constructor(sizeBytes: number) {
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) {
      throw new ParleyError('INVALID_ARGUMENT', `window must be a positive integer, got ${sizeBytes}`)
    }
    this.#size = sizeBytes
  }

  /** Bytes sent and not acknowledged. */
  get inFlight(): number {
    return this.#inFlight
  }

  /** Writers waiting for room. */
  get waiting(): number {
    return this.#waiters.length
  }

  /** Resolves once `bytes` fit in the window (and counts them in flight); rejects after fail(). */
  acquire(bytes: number): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure.error)
    if (this.#waiters.length === 0 && this.#fits(bytes)) {
      this.#inFlight += bytes
      return Promise.resolve()
    }
    return new Promise((resolve, reject) => this.#waiters.push({ bytes, resolve, reject }))
  }

  /** The worker acknowledged `bytes`. More than is in flight is a protocol error. */
  release(bytes: number): void {
    if (this.#failure) return
    if (!Number.isSafeInteger(bytes) || bytes < 0 || bytes > this.#inFlight) {
      throw new ParleyError('BAD_MESSAGE', `acknowledged ${bytes} bytes with ${this.#inFlight} in flight`)
    }
    this.#inFlight -= bytes
    for (let next = this.#waiters[0]; next && this.#fits(next.bytes); next = this.#waiters[0]) {
      this.#waiters.shift()
      this.#inFlight += next.bytes
      next.resolve()
    }
  }

  /** Rejects every waiting and later acquire() with `error`. Idempotent (the first error stays). */
  fail(error: unknown): void {
    if (this.#failure) return
    this.#failure = { error }
    for (const w of this.#waiters.splice(0)) w.reject(error)
  }

  #fits(bytes: number): boolean {
    return this.#inFlight === 0 || this.#inFlight + bytes <= this.#size
  }
}
