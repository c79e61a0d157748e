import { type PeerInfo, type PeerSignal, parsePeerSignal, type WelcomeMessage } from '@parley/protocol'
import { AwayPeers } from './AwayPeers.js'
import { childLogger, type Logger } from './Logger.js'
import { Participant } from './Participant.js'
import { PeerSession } from './PeerSession.js'
import type { SharedSessionOptions } from './RoomOptions.js'
import { Roster } from './Roster.js'

/**
 * Why a participant is gone:
 * - `left`: it said goodbye (it left the room);
 * - `dropped`: the server says it left (or no longer lists it after we resumed) without a goodbye
 *   to us: its connection to the server was lost past its resume grace, or it left while our
 *   connection to it was down. It may come back under a new id (and meet us afresh);
 * - `not-back`: it suspended (a page reload?) and did not come back within its grace (by our
 *   clock, or the server's);
 * - `afresh`: the server dropped our session and told it we left: it is met again at once, as a
 *   new participant with the same `peerId` and a new connection;
 * - `unreachable`: we came back under a new id while its connection was down, and the server
 *   does not list it;
 * - `duplicate`: it turned out to be another participant under a new id (it told us so).
 */
export type LeaveReason = 'left' | 'dropped' | 'not-back' | 'afresh' | 'unreachable' | 'duplicate'

export interface MembershipDeps {
  readonly logger: Logger
  /** The room was joined with the `resume` option (it may take over an earlier instance's session). */
  readonly resuming: boolean
  /** PeerSession options of a new participant, but for its ids, signal route and logger. */
  readonly sessionOptions: () => SharedSessionOptions
  /** Sends a signal to `to` through the signaling server. */
  readonly signal: (to: string, signal: PeerSignal) => void
  /** True once the room is leaving (or left): nobody new is let in. */
  readonly leaving: () => boolean
  /** A participant was created and is in the roster; its session starts right after this returns. */
  readonly created: (participant: Participant) => void
  /** A participant left (its session is closed; it is disposed right after this returns). */
  readonly left: (participant: Participant, reason: LeaveReason) => void
  /** A participant came back as a new instance under the same id (its page was reloaded). */
  readonly restarted: (participant: Participant) => void
  /** A participant suspended (a page reload?): it may come back under the same id within `ms`. */
  readonly away: (participant: Participant, ms: number) => void
}

/**
 * Who is in a room, following the signaling server: our own peer id, the participants (created on
 * the welcome, on `peer-joined`, or on a first signal; removed when they leave, say goodbye, or do
 * not come back from `away`), the routing of signals to them, and the welcome handling: a resumed
 * session (whoever the server no longer lists has left), a session restored by a restarted server,
 * or a re-join with a new id (the peers learn it over their data channels: `route` messages).
 */
export class Membership {
  readonly #deps: MembershipDeps
  readonly #logger: Logger
  readonly #roster = new Roster({
    onNewPeer: (peer, signals) => {
      const participant = this.#create(peer)
      for (const signal of signals) this.#deliver(participant, signal)
    },
    onClaimed: (participant, peer, signals) => {
      if (peer.name && !participant.name) participant.setName(peer.name)
      for (const signal of signals) this.#deliver(participant, signal)
    },
  })
  /** Participants that suspended (page reload?) and may come back under the same id. */
  readonly #away: AwayPeers<Participant>
  #localPeerId = ''
  /**
   * The ids the server announced to our current session (welcome, peer-joined, the sender of a
   * signal), but for those that left since: a peer listed under one of them after we got a new id
   * was kept while our previous session was dropped.
   */
  #announced = new Set<string>()

  constructor(deps: MembershipDeps) {
    this.#deps = deps
    this.#logger = deps.logger
    this.#away = new AwayPeers<Participant>((p) => {
      this.#logger.info({ peer: p.peerId }, 'peer did not come back in time')
      this.remove(p, 'not-back')
    })
  }

  /** Our peer id (assigned by the server; '' before the first welcome). */
  get localPeerId(): string {
    return this.#localPeerId
  }

  /** Everyone else in the room, by the peer id each participant was first seen with. */
  get participants(): ReadonlyMap<string, Participant> {
    return this.#roster.participants
  }

  values(): IterableIterator<Participant> {
    return this.#roster.values()
  }

  /** By stable peer id, or by current signaling id. */
  get(peerId: string): Participant | undefined {
    return this.#roster.get(peerId)
  }

  /** Where to send signals for `participant` (undefined until it told us its new id). */
  signalingIdOf(participant: Participant): string | undefined {
    return this.#roster.signalingIdOf(participant)
  }

  /** The server welcomed us (first join, or again after a signaling reconnection). */
  welcome(welcome: WelcomeMessage): void {
    const previous = this.#localPeerId
    this.#localPeerId = welcome.peerId
    // A session taken over from an earlier instance (option resume): the peers it knew still hold
    // connections to that instance. `restart` goes first, before any offer of ours.
    const restarted = previous === '' && welcome.resumed === true && this.#deps.resuming
    /** Peers met afresh: they dropped the session of our previous id. */
    const afresh = new Set<string>()
    if (previous && previous !== welcome.peerId) {
      // The server forgot our session and gave us a new id. Two stories, told apart by the ids it
      // lists now. A peer it still lists under an id it had announced to our previous session was
      // kept while we were dropped: the server told it we left, so it closed its connection to us
      // and will meet our new id as a new peer. We do the same: a session with our new id (both
      // sides must agree on the ids, which also pick who is polite). Every other peer was
      // forgotten too (the server restarted): the connections are still up, so each side tells
      // the other its new id over the data channel.
      this.#logger.info({ previous, peerId: welcome.peerId }, 'rejoined with a new peer id')
      const listed = new Set(welcome.peers.map((p) => p.peerId))
      this.#roster.unrouteExcept(listed)
      for (const participant of [...this.#roster.values()]) {
        const id = this.#roster.signalingIdOf(participant)
        if (id !== undefined && this.#announced.has(id)) {
          this.#logger.info({ peer: participant.peerId }, 'the peer saw us leave: meeting it afresh')
          afresh.add(id)
          this.remove(participant, 'afresh')
        } else if (participant.state === 'connected' || participant.state === 'reconnecting') {
          participant.session.sendControl({ type: 'route', id: welcome.peerId })
        } else {
          this.remove(participant, 'unreachable')
        }
      }
    } else if (welcome.restored) {
      // a restarted server restored our session: peers not back yet come as peer-joined later
      this.#logger.info({ peers: welcome.peers.length }, 'session restored by a restarted server')
    } else {
      // resumed (or first join): whoever the server no longer lists has left
      const present = new Set(welcome.peers.map((p) => p.peerId))
      for (const participant of [...this.#roster.values()]) {
        const id = this.#roster.signalingIdOf(participant)
        if (id === undefined || present.has(id)) continue
        this.remove(participant, this.#goneReason(participant))
      }
    }
    this.#announced = new Set()
    for (const peer of welcome.peers) {
      if (restarted && peer.peerId !== welcome.peerId) this.#deps.signal(peer.peerId, { kind: 'restart' })
      if (afresh.has(peer.peerId) && !this.#deps.leaving()) {
        this.#announced.add(peer.peerId)
        this.#create(peer)
      } else {
        this.peerJoined(peer)
      }
    }
  }

  peerJoined(peer: PeerInfo): void {
    if (peer.peerId === this.#localPeerId || this.#deps.leaving()) return
    this.#announced.add(peer.peerId)
    const existing = this.#roster.lookup(peer.peerId)
    if (existing) {
      if (peer.name) existing.setName(peer.name)
      return
    }
    // maybe a participant that re-joined with a new id and has not told us yet
    if (this.#roster.awaitingRoutes || this.#roster.isPending(peer.peerId)) this.#roster.defer(peer)
    else this.#create(peer)
  }

  peerLeft(peerId: string): void {
    this.#announced.delete(peerId)
    const participant = this.#roster.lookup(peerId)
    if (participant) this.remove(participant, this.#goneReason(participant))
    else this.#roster.forget(peerId)
  }

  /** A signal relayed by the server from `from` (a signaling id). */
  signal(from: string, data: { readonly [key: string]: unknown }): void {
    const signal = parsePeerSignal(data)
    if (!signal) {
      this.#logger.debug({ from }, 'ignored a signal that is not a Parley peer signal')
      return
    }
    if (from !== this.#localPeerId) this.#announced.add(from)
    const participant = this.#roster.lookup(from)
    if (participant) {
      this.#deliver(participant, signal)
    } else if (signal.kind === 'away' || signal.kind === 'bye') {
      // from a peer we do not know (any more): nothing to wait for or to end
    } else if (this.#roster.awaitingRoutes || this.#roster.isPending(from)) {
      this.#roster.defer({ peerId: from, name: '' }, signal)
    } else if (from !== this.#localPeerId && !this.#deps.leaving()) {
      this.#deliver(this.#create({ peerId: from, name: '' }), signal)
    }
  }

  remove(participant: Participant, reason: LeaveReason): void {
    if (this.#roster.get(participant.peerId) !== participant) return
    this.#away.back(participant)
    this.#roster.remove(participant)
    participant.session.close()
    this.#deps.left(participant, reason)
    participant.dispose()
  }

  /** The room is gone: every participant is disposed, nothing expires any more. */
  close(): void {
    this.#away.close()
    for (const participant of this.#roster.values()) participant.dispose()
    this.#roster.clear()
  }

  #create(peer: PeerInfo): Participant {
    const logger = childLogger(this.#logger, { peer: peer.peerId })
    let participant: Participant | undefined
    const session = new PeerSession({
      ...this.#deps.sessionOptions(),
      localId: this.#localPeerId,
      remoteId: peer.peerId,
      sendSignal: (signal: PeerSignal) => {
        const to = participant && this.#roster.signalingIdOf(participant)
        if (to !== undefined) this.#deps.signal(to, signal)
      },
      logger,
    })
    const p = new Participant(peer.peerId, peer.name, session, logger)
    participant = p
    this.#roster.add(p)
    session.on('bye', () => this.remove(p, 'left'))
    session.on('control', (message) => this.#onControl(p, message))
    this.#deps.created(p)
    session.start()
    return p
  }

  /** SDK control messages from a peer: it suspends (may come back), or its new signaling id after a re-join. */
  #onControl(
    participant: Participant,
    message: { readonly type: string; readonly [key: string]: unknown },
  ): void {
    if (message.type === 'away') {
      this.#markAway(participant, typeof message.ms === 'number' ? message.ms : 0)
      return
    }
    if (message.type !== 'route') return
    const id = message.id
    if (typeof id !== 'string' || id.length === 0 || id.length > 64 || id === this.#localPeerId) return
    const holder = this.#roster.lookup(id)
    if (holder && holder !== participant) {
      // the server announced the new id before the peer told us: that duplicate is the same peer
      if (holder.state === 'connected') return
      this.remove(holder, 'duplicate')
    }
    if (this.#roster.route(participant, id)) {
      this.#logger.info({ peer: participant.peerId, signalingId: id }, 'peer re-joined with a new id')
    }
  }

  /**
   * We suspend (a page reload?): tells every participant, over the data channel and through the
   * server (a busy data channel can hold the message back until the connection is closed).
   */
  announceAway(ms: number): void {
    const graceMs = Math.max(0, Math.round(ms))
    for (const participant of this.#roster.values()) {
      participant.session.sendControl({ type: 'away', ms: graceMs })
      const to = this.#roster.signalingIdOf(participant)
      if (to !== undefined) this.#deps.signal(to, { kind: 'away', ms: graceMs })
    }
  }

  /**
   * We leave: tells every participant through the server too (right before the server's leave),
   * so that a goodbye held back by a busy data channel still reaches them as one.
   */
  announceLeaving(): void {
    for (const participant of this.#roster.values()) {
      const to = this.#roster.signalingIdOf(participant)
      if (to !== undefined) this.#deps.signal(to, { kind: 'bye' })
    }
  }

  /**
   * Why a participant the server no longer has left us without a goodbye: one that announced it
   * suspends (a page reload) and is not back is gone for good (`not-back`); any other may come
   * back under a new id (`dropped`).
   */
  #goneReason(participant: Participant): LeaveReason {
    return this.#away.has(participant) ? 'not-back' : 'dropped'
  }

  /** `participant` suspended (told over the data channel, or through the server, or both). */
  #markAway(participant: Participant, ms: number): void {
    // the second of the two messages keeps the grace the first started
    if (this.#roster.get(participant.peerId) !== participant || this.#away.has(participant)) return
    this.#logger.info({ peer: participant.peerId, ms }, 'peer suspended: waiting for it to come back')
    this.#away.mark(participant, ms)
    this.#deps.away(participant, ms)
  }

  #deliver(participant: Participant, signal: PeerSignal): void {
    if (signal.kind === 'bye') {
      this.remove(participant, 'left')
      return
    }
    if (signal.kind === 'away') {
      this.#markAway(participant, signal.ms)
      return
    }
    if (signal.kind === 'media-state') {
      participant.setMediaState(signal)
      return
    }
    if (signal.kind === 'restart') {
      this.#away.back(participant)
      this.#logger.info({ peer: participant.peerId }, 'peer restarted under the same id')
      this.#deps.restarted(participant)
    }
    participant.session.handleSignal(signal)
  }
}
