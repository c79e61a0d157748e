/**
 * Explicit state with a transition table: `to` rejects transitions the table does not list, so
 * an impossible sequence of events shows up as an error instead of a silently wrong screen.
 */
export type TransitionTable<S extends string> = { readonly [K in S]: readonly S[] }

export class IllegalTransitionError extends Error {
  readonly code = 'ILLEGAL_TRANSITION'
  constructor(from: string, to: string) {
    super(`illegal state transition ${from} → ${to}`)
  }
}

export function assertTransition<S extends string>(table: TransitionTable<S>, from: S, to: S): void {
  if (from !== to && !table[from].includes(to)) throw new IllegalTransitionError(from, to)
}
