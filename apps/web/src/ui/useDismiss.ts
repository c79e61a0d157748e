import type { RefObject } from 'preact'
import { useEffect } from 'preact/hooks'

/** While `active`, a pointer down outside `root` or the Escape key calls `dismiss`. */
export function useDismiss(active: boolean, root: RefObject<HTMLElement | null>, dismiss: () => void): void {
  useEffect(() => {
    if (!active) return
    const onDown = (e: PointerEvent) => {
      if (!root.current?.contains(e.target as Node)) dismiss()
    }
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') dismiss()
    }
    document.addEventListener('pointerdown', onDown)
    document.addEventListener('keydown', onKey)
    return () => {
      document.removeEventListener('pointerdown', onDown)
      document.removeEventListener('keydown', onKey)
    }
  }, [active, root, dismiss])
}
