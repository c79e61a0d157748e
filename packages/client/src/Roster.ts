import type { PeerInfo, PeerSignal } from '@parley/protocol'
import type { Participant } from './Participant.js'

interface Pending {
  peer: PeerInfo
  readonly signals: PeerSignal[]
  readonly timer: ReturnType<typeof setTimeout>
}

export interface RosterOptions {
  /** How long an id nobody has waits for a participant to claim it (default 3 s). */
  readonly routeGraceMs?: number
  /** Nobody claimed `peer`: it is a new peer. `signals` arrived for it in the meantime. */
  readonly onNewPeer: (peer: PeerInfo, signals: PeerSignal[]) => void
  /** `participant` claimed the pending id of `peer`: deliver what arrived for it in the meantime. */
  readonly onClaimed: (participant: Participant, peer: PeerInfo, signals: PeerSignal[]) => void
}

const MAX_PENDING_SIGNALS = 256

/**
 * The participants of a room and how each is reached through the signaling server.
 *
 * A participant keeps the peer id it was first seen with (its identity for the application). Its
 * signaling id can change: when the server forgets sessions (a restart) every client joins again
 * with a new id, while the peer connections are still up. Each side then tells the others its new
 * id over the data channel (a 'route' control message). Until every participant has done so, ids
 * the server announces that nobody has are held for `routeGraceMs` (with the signals that arrive
 * for them) in case a participant claims them, and only then treated as new peers.
 */
export class Roster {
  readonly #byId = new Map<string, Participant>()
  readonly #routeOf = new Map<Participant, string>()
  readonly #bySignalingId = new Map<string, Participant>()
  readonly #unrouted = new Set<Participant>()
  readonly #pending = new Map<string, Pending>()
  readonly #options: RosterOptions

  constructor(options: RosterOptions) {
    this.#options = options
  }

  /** Participants by their stable peer id. */
  get participants(): ReadonlyMap<string, Participant> {
    return this.#byId
  }

  get size(): number {
    return this.#byId.size
  }

  values(): IterableIterator<Participant> {
    return this.#byId.values()
  }

  /** By stable peer id, or by current signaling id. */
  get(peerId: string): Participant | undefined {
    return this.#byId.get(peerId) ?? this.#bySignalingId.get(peerId)
  }

  /** The participant the server knows as `signalingId`. */
  lookup(signalingId: string): Participant | undefined {
    return this.#bySignalingId.get(signalingId)
  }

  /** Where to send signals for `participant` (undefined until it told us its new id). */
  signalingIdOf(participant: Participant): string | undefined {
    return this.#routeOf.get(participant)
  }

  add(participant: Participant, signalingId = participant.peerId): void {
    this.#byId.set(participant.peerId, participant)
    this.#setRoute(participant, signalingId)
  }

  remove(participant: Participant): void {
    this.#byId.delete(participant.peerId)
    const route = this.#routeOf.get(participant)
    if (route !== undefined && this.#bySignalingId.get(route) === participant)
      this.#bySignalingId.delete(route)
    this.#routeOf.delete(participant)
    this.#unrouted.delete(participant)
    if (this.#unrouted.size === 0) this.#flushPending()
  }

  /** True while some participant has not told us its current signaling id. */
  get awaitingRoutes(): boolean {
    return this.#unrouted.size > 0
  }

  isPending(signalingId: string): boolean {
    return this.#pending.has(signalingId)
  }

  /**
   * Our own id changed (new session on the server): routes to ids the server still lists (`present`,
   * e.g. learned from peers that re-joined before us) stay; every other participant must tell us
   * its current id again.
   */
  unrouteExcept(present: ReadonlySet<string>): void {
    for (const p of this.#byId.values()) {
      const route = this.#routeOf.get(p)
      if (route !== undefined && present.has(route)) continue
      if (route !== undefined) this.#bySignalingId.delete(route)
      this.#routeOf.delete(p)
      this.#unrouted.add(p)
    }
  }

  /** `participant` is reachable as `signalingId` now. Returns false if another participant has it. */
  route(participant: Participant, signalingId: string): boolean {
    if (this.#byId.get(participant.peerId) !== participant) return false
    const holder = this.#bySignalingId.get(signalingId)
    if (holder && holder !== participant) return false
    this.#setRoute(participant, signalingId)
    this.#unrouted.delete(participant)
    const pending = this.#pending.get(signalingId)
    if (pending) {
      clearTimeout(pending.timer)
      this.#pending.delete(signalingId)
      this.#options.onClaimed(participant, pending.peer, pending.signals)
    }
    if (this.#unrouted.size === 0) this.#flushPending()
    return true
  }

  /** Holds an id nobody has (and a signal for it) while routes are awaited. */
  defer(peer: PeerInfo, signal?: PeerSignal): void {
    let entry = this.#pending.get(peer.peerId)
    if (!entry) {
      const timer = setTimeout(() => this.#expire(peer.peerId), this.#options.routeGraceMs ?? 3000)
      entry = { peer, signals: [], timer }
      this.#pending.set(peer.peerId, entry)
    } else if (peer.name) {
      entry.peer = peer
    }
    if (signal && entry.signals.length < MAX_PENDING_SIGNALS) entry.signals.push(signal)
  }

  /** The server says a pending id left. */
  forget(signalingId: string): void {
    const entry = this.#pending.get(signalingId)
    if (!entry) return
    clearTimeout(entry.timer)
    this.#pending.delete(signalingId)
  }

  clear(): void {
    for (const entry of this.#pending.values()) clearTimeout(entry.timer)
    this.#pending.clear()
    this.#byId.clear()
    this.#routeOf.clear()
    this.#bySignalingId.clear()
    this.#unrouted.clear()
  }

  #setRoute(participant: Participant, signalingId: string): void {
    const old = this.#routeOf.get(participant)
    if (old !== undefined && this.#bySignalingId.get(old) === participant) this.#bySignalingId.delete(old)
    this.#routeOf.set(participant, signalingId)
    this.#bySignalingId.set(signalingId, participant)
  }

  #expire(signalingId: string): void {
    const entry = this.#pending.get(signalingId)
    if (!entry) return
    this.#pending.delete(signalingId)
    this.#options.onNewPeer(entry.peer, entry.signals)
  }

  /** Nobody is left to claim the pending ids: they are new peers. */
  #flushPending(): void {
    for (const [id, entry] of [...this.#pending]) {
      clearTimeout(entry.timer)
      this.#pending.delete(id)
      this.#options.onNewPeer(entry.peer, entry.signals)
    }
  }
}
