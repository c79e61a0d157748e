/** Event name → listener argument tuple. */
export type EventMap = { readonly [event: string]: readonly unknown[] }

type Listener<A extends readonly unknown[]> = (...args: A) => void

/**
 * A minimal typed event emitter. Listener storage is allocated on first `on`, so that objects that
 * exist by the ten thousand (connections, sessions) pay nothing when nobody listens.
 */
export class TypedEmitter<E extends EventMap> {
  #listeners: Map<keyof E, Listener<E[keyof E]>[]> | undefined

  on<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    this.#listeners ??= new Map()
    const list = this.#listeners.get(event)
    if (list) list.push(listener as Listener<E[keyof E]>)
    else this.#listeners.set(event, [listener as Listener<E[keyof E]>])
    return this
  }

  off<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    const list = this.#listeners?.get(event)
    if (!list) return this
    const i = list.indexOf(listener as Listener<E[keyof E]>)
    if (i >= 0) list.splice(i, 1)
    return this
  }

  protected emit<K extends keyof E>(event: K, ...args: E[K]): void {
    const list = this.#listeners?.get(event)
    if (!list) return
    for (const listener of [...list]) (listener as Listener<E[K]>)(...args)
  }
}
