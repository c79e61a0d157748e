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

/** The route in words: "directly", "through a TURN relay (10.0.0.1:50000)". */
function phrase(route: Route): string {
  return route.kind === 'direct'
    ? 'directly'
    : `through a TURN relay${route.relay ? ` (${route.relay})` : ''}`
}

/** The first route's line ("Connected directly."), or '' when unknown. */
export function routeLine(route: Route | undefined): string {
  return route ? `Connected ${phrase(route)}.\n` : ''
}

export interface RouteReporterOptions {
  /** How long a relayed route may still turn direct before it is reported (default 2 s). */
  readonly settleMs?: number
  /** How often the route is read until it is first reported (default 100 ms). */
  readonly pollMs?: number
  /** How often it is read after that, for changes (default 2 s). */
  readonly watchMs?: number
}

/**
 * Tells the terminal's user how the bytes to `peer` travel, once the route settled, then each
 * change (an ICE restart after a network change may move it to a relay, or back).
 *
 * Settling: the ICE agent (libjuice) selects the first candidate pair that works and moves to a
 * better one as more checks succeed; between two machines with a direct path and a TURN server,
 * the relay pair often works first and the direct one 20–70 ms later (measured in the network
 * lab). A direct route is final at once (a relay ranks below it); a relayed one is reported when it
 * has not turned direct within `settleMs`, or at `finish()` (a short transfer).
 */
export class RouteReporter {
  readonly #peer: Participant
  readonly #write: (line: string) => void
  readonly #settleMs: number
  readonly #pollMs: number
  readonly #watchMs: number
  readonly #started = Date.now()
  #reported: Route | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  #stopped = false

  constructor(peer: Participant, write: (line: string) => void, options: RouteReporterOptions = {}) {
    this.#peer = peer
    this.#write = write
    this.#settleMs = options.settleMs ?? 2000
    this.#pollMs = options.pollMs ?? 100
    this.#watchMs = options.watchMs ?? 2000
    void this.#poll()
  }

  /** Reports the route if it was not yet (a relay still settling), then stops. Idempotent. */
  async finish(): Promise<void> {
    if (this.#stopped) return
    this.stop()
    if (this.#reported) return
    const route = await currentRoute(this.#peer)
    if (route) this.#report(route)
  }

  /** Stops reading the route, reporting nothing more. Idempotent. */
  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
  }

  async #poll(): Promise<void> {
    const route = await currentRoute(this.#peer)
    if (this.#stopped) return
    const settled = this.#reported !== undefined || Date.now() - this.#started >= this.#settleMs
    if (route && (route.kind === 'direct' || settled)) this.#report(route)
    this.#timer = setTimeout(() => void this.#poll(), this.#reported ? this.#watchMs : this.#pollMs)
    this.#timer.unref?.()
  }

  #report(route: Route): void {
    const last = this.#reported
    if (last && last.kind === route.kind && last.relay === route.relay) return
    this.#reported = route
    this.#write(last ? `The connection now goes ${phrase(route)}.\n` : routeLine(route))
  }
}
