import { type PeerSignal, parsePeerSignal } from '@parley/protocol'
import { PeerSession, type PeerSessionOptions, type PeerState } from '../../src/PeerSession.js'
import { loadRuntime, type RtcRuntime } from '../../src/runtime.js'

export type SignalFilter = (from: string, signal: PeerSignal) => boolean

/**
 * Two PeerSessions wired by an in-memory signaling path that behaves like the server: ordered,
 * asynchronous, JSON round trip and validation. `filter` may drop signals (fault injection).
 */
export async function sessionPair(
  options: Partial<PeerSessionOptions> & {
    filter?: SignalFilter
    runtime?: RtcRuntime
    /** Delay of the signals sent by a peer, in ms (default 0). */
    latency?: Record<string, number>
    /** Options for one side only (a is polite, b impolite). */
    only?: { a?: Partial<PeerSessionOptions>; b?: Partial<PeerSessionOptions> }
  } = {},
): Promise<{
  a: PeerSession
  b: PeerSession
  signals: { from: string; signal: PeerSignal }[]
  close: () => void
}> {
  const runtime = options.runtime ?? (await loadRuntime())
  const signals: { from: string; signal: PeerSignal }[] = []
  const sessions = new Map<string, PeerSession>()
  const deliver = (from: string, to: string) => (signal: PeerSignal) => {
    const copy = parsePeerSignal(JSON.parse(JSON.stringify(signal)))
    if (!copy) throw new Error('session produced an invalid peer signal')
    signals.push({ from, signal: copy })
    if (options.filter && !options.filter(from, copy)) return
    setTimeout(() => sessions.get(to)?.handleSignal(copy), options.latency?.[from] ?? 0)
  }
  const { filter: _f, only, latency: _l, ...rest } = options
  const a = new PeerSession({
    ...rest,
    ...only?.a,
    runtime,
    localId: 'peer-a',
    remoteId: 'peer-b',
    sendSignal: deliver('peer-a', 'peer-b'),
  })
  const b = new PeerSession({
    ...rest,
    ...only?.b,
    runtime,
    localId: 'peer-b',
    remoteId: 'peer-a',
    sendSignal: deliver('peer-b', 'peer-a'),
  })
  sessions.set('peer-a', a)
  sessions.set('peer-b', b)
  return {
    a,
    b,
    signals,
    close: () => {
      a.close()
      b.close()
    },
  }
}

/** Resolves when `session` reaches `state`; rejects after `timeoutMs`. */
export function waitForState(session: PeerSession, state: PeerState, timeoutMs = 15_000): Promise<void> {
  if (session.state === state) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`timed out waiting for ${state}; state is ${session.state}`))
    }, timeoutMs)
    const off = session.on('state', (s) => {
      if (s !== state) return
      clearTimeout(timer)
      off()
      resolve()
    })
  })
}

/** Resolves with the next `count` messages of `session`. */
export function nextMessages(session: PeerSession, count: number, timeoutMs = 15_000): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const got: unknown[] = []
    const timer = setTimeout(() => {
      off()
      reject(new Error(`timed out after ${got.length}/${count} messages`))
    }, timeoutMs)
    const off = session.on('message', (m) => {
      got.push(m)
      if (got.length < count) return
      clearTimeout(timer)
      off()
      resolve(got)
    })
  })
}
