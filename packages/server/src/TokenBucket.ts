/**
 * A token bucket: `capacity` tokens, refilled continuously at `ratePerSecond`. Time is passed in
 * (milliseconds, any monotonic origin) so that the hot path reads the clock once per message.
 */
export class TokenBucket {
  private tokens: number
  private last: number
  private readonly perMs: number

  constructor(
    ratePerSecond: number,
    private readonly capacity: number,
    now: number,
  ) {
    this.perMs = ratePerSecond / 1000
    this.tokens = capacity
    this.last = now
  }

  /** Takes one token if there is one; false when the bucket is empty. */
  take(now: number): boolean {
    let tokens = this.tokens + (now - this.last) * this.perMs
    if (tokens > this.capacity) tokens = this.capacity
    this.last = now
    if (tokens < 1) {
      this.tokens = tokens
      return false
    }
    this.tokens = tokens - 1
    return true
  }
}
