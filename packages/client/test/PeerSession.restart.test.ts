import { type PeerSignal, parsePeerSignal } from '@parley/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { PeerSession } from '../src/PeerSession.js'
import { loadRuntime } from '../src/runtime.js'
import { nextMessages, waitForState } from './support/pair.js'

/**
 * A peer that starts over under the same id (a reloaded page that resumed its signaling session)
 * announces itself with a `restart` signal; the other side, which still holds a connection to the
 * old instance, must drop it and offer a new generation whatever its role. node-datachannel, two
 * sessions in this process, signals through memory (ordered, asynchronous, validated).
 */
describe('PeerSession: remote peer restarted under the same id', () => {
  const sessions: PeerSession[] = []
  afterEach(() => {
    for (const s of sessions.splice(0)) s.close()
  })

  async function restartable() {
    const runtime = await loadRuntime()
    const live = new Map<string, PeerSession>()
    const signals: { from: string; signal: PeerSignal }[] = []
    const deliver = (from: string, to: string) => (signal: PeerSignal) => {
      const copy = parsePeerSignal(JSON.parse(JSON.stringify(signal)))
      if (!copy) throw new Error('invalid peer signal')
      signals.push({ from, signal: copy })
      setTimeout(() => live.get(to)?.handleSignal(copy), 0)
    }
    const open = (localId: string, remoteId: string) => {
      const session = new PeerSession({ runtime, localId, remoteId, sendSignal: deliver(localId, remoteId) })
      live.set(localId, session)
      sessions.push(session)
      return session
    }
    return { open, signals, deliver, live }
  }

  for (const restarting of ['polite', 'impolite'] as const) {
    it(`the ${restarting} side restarts: the other drops its connection, offers generation +1, both connect and messages flow`, async () => {
      const { open, signals, deliver, live } = await restartable()
      // the smaller id is polite
      const [stayId, goId] = restarting === 'polite' ? ['peer-z', 'peer-a'] : ['peer-a', 'peer-z']
      const stay = open(stayId, goId)
      const before = open(goId, stayId)
      stay.start()
      before.start()
      await Promise.all([waitForState(stay, 'connected'), waitForState(before, 'connected')])
      const epochBefore = stay.connectionInfo.epoch

      // The old instance vanishes without a word (page unloaded); the new one says `restart` first.
      live.delete(goId)
      before.close()
      const states: string[] = []
      stay.on('state', (s) => states.push(s))
      const from = signals.length
      deliver(goId, stayId)({ kind: 'restart' })
      const after = open(goId, stayId)
      after.start()
      await waitForState(stay, 'reconnecting')
      await Promise.all([waitForState(after, 'connected'), waitForState(stay, 'connected')])

      expect(stay.connectionInfo.epoch).toBe(epochBefore + 1)
      expect(after.connectionInfo.epoch).toBe(epochBefore + 1)
      expect(states).toEqual(['reconnecting', 'connected'])
      // the new generation was offered by the side that stayed, whatever its role
      const offers = signals
        .slice(from)
        .filter((s) => s.signal.kind === 'description' && s.signal.description.type === 'offer')
      const newGeneration = offers.filter(
        (s) => s.signal.kind === 'description' && (s.signal.epoch ?? 0) === epochBefore + 1,
      )
      expect(newGeneration.map((s) => s.from)).toEqual([stayId])
      const atAfter = nextMessages(after, 1)
      const atStay = nextMessages(stay, 1)
      await stay.send({ hello: 'again' })
      await after.send({ hello: 'back' })
      expect(await atAfter).toEqual([{ hello: 'again' }])
      expect(await atStay).toEqual([{ hello: 'back' }])
    }, 30_000)
  }

  it('restart on a session that is closed is ignored', async () => {
    const { open } = await restartable()
    const s = open('peer-a', 'peer-b')
    s.start()
    s.close()
    s.handleSignal({ kind: 'restart' })
    expect(s.state).toBe('closed')
    expect(s.peerConnection).toBeUndefined()
  })
})
