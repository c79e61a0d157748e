/**
 * Bounded concurrency for the file-system work of many files (a receiver opening and finishing
 * thousands of small files): each call is a round trip to a thread pool, and one at a time leaves
 * the pool idle.
 */

/**
 * Runs `task` on every item, in order of start, at most `limit` at once. After a task fails, or once
 * `stop()` is true, no other starts. Resolves once every started task has settled; rejects with the
 * first failure then (so that whatever the started tasks made exists before the caller cleans up).
 */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
  stop: () => boolean = () => false,
): Promise<void> {
  let next = 0
  let failed = false
  const runner = async (): Promise<void> => {
    try {
      while (next < items.length && !failed && !stop()) await task(items[next++]!)
    } catch (error) {
      failed = true
      throw error
    }
  }
  const runners = Array.from({ length: Math.min(Math.max(1, limit), items.length) }, runner)
  const failure = (await Promise.allSettled(runners)).find((r) => r.status === 'rejected')
  if (failure) throw failure.reason
}

/** Background tasks, at most `limit` at once: `add` one, then wait for `room()` before the next. */
export class InFlight {
  readonly #limit: number
  readonly #tasks = new Set<Promise<void>>()

  constructor(limit: number) {
    this.#limit = Math.max(1, limit)
  }

  get size(): number {
    return this.#tasks.size
  }

  /** Runs `task` in the background; a failure goes to `onError` (never to the caller). */
  add(task: Promise<void>, onError: (error: unknown) => void): void {
    const tracked: Promise<void> = task.then(
      () => {
        this.#tasks.delete(tracked)
      },
      (error: unknown) => {
        this.#tasks.delete(tracked)
        onError(error)
      },
    )
    this.#tasks.add(tracked)
  }

  /** Resolves when fewer than `limit` tasks run. */
  async room(): Promise<void> {
    while (this.#tasks.size >= this.#limit) await Promise.race(this.#tasks)
  }

  /** Resolves when no task runs (including tasks added meanwhile). */
  async idle(): Promise<void> {
    while (this.#tasks.size > 0) await Promise.all(this.#tasks)
  }
}
