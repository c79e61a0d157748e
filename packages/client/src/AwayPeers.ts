/** Longest grace an `away` message may ask for, ms (a peer cannot keep a ghost in the room longer). */
export const MAX_AWAY_MS = 120_000

/**
 * Participants that said they are going away but may come back under the same peer id (a page
 * being reloaded sends the `away` control message before it unloads). Each one is given up —
 * `onExpired`, which removes it from the room — when its grace ends, unless it came back first
 * ({@link back}: its new instance announced itself with a `restart` signal, or it left for good).
 */
export class AwayPeers<P> {
  readonly #timers = new Map<P, ReturnType<typeof setTimeout>>()
  readonly #onExpired: (peer: P) => void
  #closed = false

  constructor(onExpired: (peer: P) => void) {
    this.#onExpired = onExpired
  }

  /** `peer` is away for at most `ms` (clamped to 0…MAX_AWAY_MS); a later mark replaces the grace. */
  mark(peer: P, ms: number): void {
    if (this.#closed) return
    this.back(peer)
    const grace = Number.isFinite(ms) ? Math.min(Math.max(0, ms), MAX_AWAY_MS) : 0
    this.#timers.set(
      peer,
      setTimeout(() => {
        this.#timers.delete(peer)
        this.#onExpired(peer)
      }, grace),
    )
  }

  /** True while `peer` is away. */
  has(peer: P): boolean {
    return this.#timers.has(peer)
  }

  /** `peer` is back (or gone for good): forget its grace. Returns whether it was away. */
  back(peer: P): boolean {
    const timer = this.#timers.get(peer)
    if (timer === undefined) return false
    clearTimeout(timer)
    this.#timers.delete(peer)
    return true
  }

  /** Clears every grace; nothing expires afterwards. Idempotent. */
  close(): void {
    this.#closed = true
    for (const timer of this.#timers.values()) clearTimeout(timer)
    this.#timers.clear()
  }
}
