import type { PeerInfo } from '@parley/protocol'

/** A value or a promise of it: the in-memory directory answers synchronously, a networked one may not. */
export type MaybePromise<T> = T | Promise<T>

/**
 * A peer of this process as the directory sees it: where to deliver what is addressed to it.
 * Implemented by the server's sessions; a directory calls these for local members only (a
 * distributed directory forwards to the process that holds the member).
 */
export interface DirectoryMember {
  readonly peerId: string
  readonly name: string
  /**
   * A complete `signal` message addressed to this member, as UTF-8 JSON text (`from` already
   * stamped). Must not be modified: it may be queued or sent as is.
   */
  deliver(frame: Buffer): void
  /** Another peer joined the member's room. */
  peerJoined(peer: PeerInfo): void
  /** Another peer left the member's room. */
  peerLeft(peerId: string): void
}

export type JoinRefusal = 'ROOM_FULL' | 'TOO_MANY_ROOMS'

export type JoinResult =
  | {
      readonly ok: true /** The room's other peers at the time of joining. */
      readonly peers: readonly PeerInfo[]
    }
  | { readonly ok: false; readonly code: JoinRefusal }

export interface DirectoryStats {
  readonly rooms: number
  readonly peers: number
}

/**
 * Room membership and message routing: the only way connections reach each other.
 *
 * - `join` adds `member` to `room` (creating it), enforcing the directory's peer and room limits,
 *   and announces it to the room's other members with `peerJoined`.
 * - `leave` removes it and announces `peerLeft` to the others; unknown peers are ignored.
 * - `route` delivers `frame` to peer `to` if it is a member of `room`, and says whether it was.
 * - `peers` lists a room's members.
 * - `stats` must answer synchronously (it feeds /healthz and /metrics); a networked directory
 *   may answer from a cache.
 *
 * Methods may return promises; callers handle both forms. The in-memory implementation never does,
 * which keeps the relay hot path free of promise allocations.
 */
export interface Directory {
  join(room: string, member: DirectoryMember): MaybePromise<JoinResult>
  leave(room: string, peerId: string): MaybePromise<void>
  route(room: string, to: string, frame: Buffer): MaybePromise<boolean>
  peers(room: string): MaybePromise<readonly PeerInfo[]>
  stats(): DirectoryStats
  close(): MaybePromise<void>
}
