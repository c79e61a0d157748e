import { useEffect, useState } from 'preact/hooks'
import type { Store } from './Store.js'

/** The current snapshot of a store; re-renders when it changes. */
export function useStore<T>(store: Store<T>): T {
  const [, force] = useState(0)
  useEffect(() => store.subscribe(() => force((n) => n + 1)), [store])
  return store.get()
}
