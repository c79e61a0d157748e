/** An event map: event name → listener signature. Interfaces are accepted (no index signature needed). */
export type EventMap<E> = { [K in keyof E]: (...args: never[]) => void }

/** Called when a listener throws; the emitter itself never throws because of a listener. */
export type ListenerErrorHandler = (error: unknown, event: string) => void

const rethrowLater: ListenerErrorHandler = (error) => {
  queueMicrotask(() => {
    throw error
  })
}

/**
 * A small typed event emitter: event names and listener signatures come from the event map `E`.
 * A listener that throws does not prevent the other listeners from running; its error goes to the
 * handler given to the constructor (by default it is re-thrown in a microtask, like DOM events).
 */
export class TypedEmitter<E extends EventMap<E>> {
  readonly #listeners = new Map<keyof E, Set<E[keyof E]>>()
  readonly #onListenerError: ListenerErrorHandler

  constructor(onListenerError: ListenerErrorHandler = rethrowLater) {
    this.#onListenerError = onListenerError
  }

  /** Subscribes to `event`; returns a function that unsubscribes. */
  on<K extends keyof E>(event: K, fn: E[K]): () => void {
    let set = this.#listeners.get(event)
    if (!set) {
      set = new Set()
      this.#listeners.set(event, set)
    }
    set.add(fn)
    return () => this.off(event, fn)
  }

  /** Subscribes to the next `event` only; returns a function that unsubscribes. */
  once<K extends keyof E>(event: K, fn: E[K]): () => void {
    const wrapper = ((...args: Parameters<E[K]>) => {
      this.off(event, wrapper)
      fn(...args)
    }) as E[K]
    return this.on(event, wrapper)
  }

  off<K extends keyof E>(event: K, fn: E[K]): void {
    const set = this.#listeners.get(event)
    if (!set) return
    set.delete(fn)
    if (set.size === 0) this.#listeners.delete(event)
  }

  /** Number of listeners of `event` (for tests and diagnostics). */
  listenerCount(event: keyof E): number {
    return this.#listeners.get(event)?.size ?? 0
  }

  /** Removes every listener. */
  protected removeAllListeners(): void {
    this.#listeners.clear()
  }

  protected emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    const set = this.#listeners.get(event)
    if (!set) return
    for (const fn of [...set]) {
      try {
        fn(...args)
      } catch (error) {
        this.#onListenerError(error, String(event))
      }
    }
  }
}
