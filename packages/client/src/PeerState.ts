import type { TransitionTable } from './StateMachine.js'

/** Connection state of one remote peer. */
export type PeerState = 'new' | 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed'

export const PEER_TRANSITIONS: TransitionTable<PeerState> = {
  new: ['connecting', 'failed', 'closed'],
  connecting: ['connected', 'failed', 'closed'],
  connected: ['reconnecting', 'failed', 'closed'],
  reconnecting: ['connected', 'failed', 'closed'],
  failed: ['closed'],
  closed: [],
}
