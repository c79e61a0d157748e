import { type CandidatePath, type Participant, snapshotFromReport } from '@parley/client'

/** How the bytes to a peer travel: straight between the two machines, or through a TURN server. */
export interface Route {
  readonly kind: 'direct' | 'relay'
  /** For a relay: the TURN server's relayed `address:port` the bytes go through. */
  readonly relay: string | undefined
}

/**
 * The route of a selected candidate pair: `relay` when either end is a relay candidate (ICE
 * chooses one only when no direct pair works, or when a policy forces it), `direct` otherwise.
 */
export function routeOf(path: CandidatePath, localAddress?: string, remoteAddress?: string): Route {
  if (path.local === 'relay') return { kind: 'relay', relay: localAddress }
  if (path.remote === 'relay') return { kind: 'relay', relay: remoteAddress }
  return { kind: 'direct', relay: undefined }
}

/** The route to `peer` now, from its peer connection's stats; undefined when unknown. */
export async function currentRoute(peer: Participant | undefined): Promise<Route | undefined> {
  const pc = peer?.peerConnection
  if (!pc) return undefined
  try {
    const pair = snapshotFromReport(await pc.getStats()).pair
    return pair ? routeOf(pair.path, pair.localAddress, pair.remoteAddress) : undefined
  } catch {
    // stats are best effort: a connection closing meanwhile has none
    return undefined
  }
}

/** The route in a line of the terminal's log ("Connected directly."), or '' when unknown. */
export function routeLine(route: Route | undefined): string {
  if (!route) return ''
  if (route.kind === 'direct') return 'Connected directly.\n'
  return `Connected through a TURN relay${route.relay ? ` (${route.relay})` : ''}.\n`
}
