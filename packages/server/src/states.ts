import { IllegalTransitionError } from './errors.js'

/** For each state, the states it may move to. */
export type TransitionTable<S extends string> = { readonly [K in S]: readonly S[] }

/** Throws {@link IllegalTransitionError} unless `table` allows `from → to`. */
export function assertTransition<S extends string>(
  table: TransitionTable<S>,
  what: string,
  from: S,
  to: S,
): void {
  if (!table[from].includes(to)) throw new IllegalTransitionError(what, from, to)
}
