import type { Logger } from './Logger.js'

/** For each state, the states it may move to. */
export type TransitionTable<S extends string> = { readonly [K in S]: readonly S[] }

/**
 * An explicit state with ONE setter that checks a transition table. An illegal transition is
 * rejected: the state does not change, `set` returns false and the attempt is logged.
 */
export class StateMachine<S extends string> {
  #state: S
  readonly #table: TransitionTable<S>
  readonly #onChange: (next: S, previous: S) => void
  readonly #logger: Logger | undefined
  readonly #name: string

  constructor(options: {
    name: string
    initial: S
    table: TransitionTable<S>
    onChange: (next: S, previous: S) => void
    logger?: Logger
  }) {
    this.#name = options.name
    this.#state = options.initial
    this.#table = options.table
    this.#onChange = options.onChange
    this.#logger = options.logger
  }

  get state(): S {
    return this.#state
  }

  /** Whether moving from the current state to `next` is allowed. */
  can(next: S): boolean {
    return this.#table[this.#state].includes(next)
  }

  /** Moves to `next` and notifies; returns false (and changes nothing) if the table forbids it. */
  set(next: S): boolean {
    const previous = this.#state
    if (previous === next) return true
    if (!this.can(next)) {
      this.#logger?.debug(
        { machine: this.#name, from: previous, to: next },
        'illegal state transition rejected',
      )
      return false
    }
    this.#state = next
    this.#onChange(next, previous)
    return true
  }
}
