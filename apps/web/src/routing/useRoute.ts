import { useEffect, useState } from 'preact/hooks'
import { parseRoute, type Route } from './route.js'

const NAVIGATE_EVENT = 'parley:navigate'

/** Client-side navigation (history API); the server serves index.html for every /r/<code>. */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', path)
  else history.pushState(null, '', path)
  dispatchEvent(new Event(NAVIGATE_EVENT))
}

function current(): Route {
  return parseRoute(location.pathname, location.search)
}

/** The current route, updated on navigate() and on back/forward. */
export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(current)
  useEffect(() => {
    const update = () => setRoute(current())
    addEventListener('popstate', update)
    addEventListener(NAVIGATE_EVENT, update)
    return () => {
      removeEventListener('popstate', update)
      removeEventListener(NAVIGATE_EVENT, update)
    }
  }, [])
  return route
}
