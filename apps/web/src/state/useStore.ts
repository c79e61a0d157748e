import { useEffect, useState } from 'preact/hooks'

/** Anything with a snapshot and change notifications (Store and its look-alikes). */
export interface Observable<T> {
  get(): T
  subscribe(listener: () => void): () => void
}

/** The current snapshot of a store; re-renders when it changes. */
export function useStore<T>(store: Observable<T>): T {
  const [, force] = useState(0)
  useEffect(() => store.subscribe(() => force((n) => n + 1)), [store])
  return store.get()
}
