/**
 * Keeps long loops from blocking the main thread: `maybeYield()` resolves at once until `budgetMs`
 * of work has passed since the last yield, then yields to the event loop with a macrotask (so that
 * rendering, input and network events run). Awaiting an already settled promise is not enough:
 * microtasks run before anything else, so a loop over ready chunks would be one long task.
 */
export class Yielder {
  readonly #budgetMs: number
  #since = now()

  constructor(budgetMs = 8) {
    this.#budgetMs = budgetMs
  }

  maybeYield(): Promise<void> | undefined {
    if (now() - this.#since < this.#budgetMs) return undefined
    return macrotask().then(() => {
      this.#since = now()
    })
  }
}

function now(): number {
  return globalThis.performance?.now() ?? Date.now()
}

type SetImmediate = (fn: () => void) => unknown

/** A macrotask without setTimeout's 4 ms clamp: setImmediate in Node, a MessageChannel elsewhere. */
function macrotask(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: SetImmediate }).setImmediate
  if (typeof immediate === 'function') return new Promise((resolve) => immediate(resolve))
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new MessageChannel()
      channel.port1.onmessage = () => {
        channel.port1.close()
        resolve()
      }
      channel.port2.postMessage(null)
    })
  }
  return new Promise((resolve) => setTimeout(resolve, 0))
}
