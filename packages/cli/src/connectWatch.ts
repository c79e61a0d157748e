import type { PeerState } from '@parley/client'
import type { Io } from './ui.js'

/** Why two peers that meet on the server cannot connect, in the terminal's words. */
export const NO_PATH_REASON =
  'no direct path between the two machines, and no TURN relay from the server that works for both'

/**
 * How long a peer may take to connect before the terminal hears of it: the SDK's first attempt
 * gives up after 10 s (then restarts ICE or makes a new connection, up to 8 times).
 */
export const CONNECT_HINT_MS = 12_000

/** What the watch needs of a participant (a Participant). */
export interface WatchedPeer {
  readonly name: string
  readonly state: PeerState
}

/** What the watch needs of a room (a Room). */
export interface WatchedRoom<P extends WatchedPeer> {
  readonly participants: ReadonlyMap<string, P>
  on(event: 'participant-joined', listener: (peer: P) => void): () => void
  on(event: 'participant-left', listener: (peer: P) => void): () => void
  on(event: 'connection-state', listener: (peer: P, state: PeerState) => void): () => void
}

export interface ConnectWatchOptions<P extends WatchedPeer> {
  /** The other side in the terminal's words: 'the sender', 'the receiver'. */
  readonly role: string
  /** Default {@link CONNECT_HINT_MS}. */
  readonly hintAfterMs?: number
  /** A peer that never connected failed for good (every attempt failed), after its line was written. */
  readonly onFailed?: (peer: P) => void
}

/**
 * Tells the terminal's user about peers that meet on the server but do not connect to each other:
 * a line when one is still not connected `hintAfterMs` after it was seen (instead of silence, or a
 * wrong guess), and a line when it fails for good without ever connecting (a connection lost later
 * is the transfer's news). Peers present at the start are watched too.
 * Returns the function that stops watching (idempotent).
 */
export function watchConnecting<P extends WatchedPeer>(
  room: WatchedRoom<P>,
  io: Io,
  options: ConnectWatchOptions<P>,
): () => void {
  const { role, hintAfterMs = CONNECT_HINT_MS, onFailed } = options
  const timers = new Map<P, ReturnType<typeof setTimeout>>()
  const connectedOnce = new WeakSet<P>()
  const forget = (peer: P): void => {
    clearTimeout(timers.get(peer))
    timers.delete(peer)
  }
  const watch = (peer: P): void => {
    if (peer.state === 'connected' || peer.state === 'reconnecting') connectedOnce.add(peer)
    if (timers.has(peer) || (peer.state !== 'new' && peer.state !== 'connecting')) return
    const timer = setTimeout(() => {
      if (peer.state !== 'new' && peer.state !== 'connecting') return
      io.stderr.write(
        `Still trying to connect to ${role}${peer.name ? ` (${peer.name})` : ''}: no path found yet. ` +
          'Firewalls or NATs may block a direct connection, and the server may offer no TURN relay.\n',
      )
    }, hintAfterMs)
    timer.unref?.()
    timers.set(peer, timer)
  }
  for (const peer of room.participants.values()) watch(peer)
  const offs = [
    room.on('participant-joined', watch),
    room.on('participant-left', forget),
    room.on('connection-state', (peer, state) => {
      if (state === 'connected') connectedOnce.add(peer)
      // past connecting, there is nothing left to hint at
      if (state !== 'new' && state !== 'connecting') forget(peer)
      if (state !== 'failed' || connectedOnce.has(peer)) return
      io.stderr.write(`Could not connect to ${role}: ${NO_PATH_REASON}.\n`)
      onFailed?.(peer)
    }),
  ]
  let stopped = false
  return () => {
    if (stopped) return
    stopped = true
    for (const off of offs) off()
    for (const timer of timers.values()) clearTimeout(timer)
    timers.clear()
  }
}
