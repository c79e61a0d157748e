type PageEvents = Pick<EventTarget, 'addEventListener' | 'removeEventListener'>

/** The window in browsers (for `pagehide`), undefined elsewhere. */
function pageEvents(): PageEvents | undefined {
  const g = globalThis as { addEventListener?: unknown; document?: unknown }
  return typeof g.addEventListener === 'function' && g.document !== undefined
    ? (globalThis as unknown as PageEvents)
    : undefined
}

/**
 * Calls `handler` on `pagehide` (the page is going away: tab closed, navigation, reload) in
 * browsers; does nothing elsewhere. Returns a function that stops listening.
 */
export function onPageHide(handler: () => void): () => void {
  pageEvents()?.addEventListener('pagehide', handler)
  return () => pageEvents()?.removeEventListener('pagehide', handler)
}
