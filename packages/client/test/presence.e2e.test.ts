/**
 * Presence end to end in Chromium: explicit leave, closed tab, crashed tab (heartbeat window).
 * The server runs with a short heartbeat (1 s) and resume grace (1 s).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DataHarness, type DataHooks, openDataHarness, pageConnected } from './support/dataHarness.js'

type W = { D: DataHooks }
const HEARTBEAT_MS = 1000
const GRACE_MS = 1000
/** Resume grace of the server restarted mid-call: longer than any reconnect backoff delay so far. */
const RESTORE_GRACE_MS = 20_000

describe('presence in Chromium', () => {
  let h: DataHarness

  beforeAll(async () => {
    h = await openDataHarness({
      heartbeatIntervalMs: HEARTBEAT_MS,
      resumeGraceMs: GRACE_MS,
      // a restarted server recognises its predecessor's resume tokens (same peer ids)
      resumeSecret: 'parley-e2e-resume-secret',
    })
  })
  afterAll(async () => {
    await h?.close()
  })

  async function pair(room: string) {
    const ada = await h.join(room, 'Ada')
    const bob = await h.join(room, 'Bob')
    await pageConnected(ada.page, bob.peerId)
    await pageConnected(bob.page, ada.peerId)
    return { ada, bob }
  }

  const leftSeen = (page: import('playwright-core').Page, peerId: string, timeoutMs: number) =>
    page.waitForFunction(
      (peerId) => (window as unknown as W).D.left.some((l) => l.peerId === peerId),
      peerId,
      { timeout: timeoutMs },
    )

  it('explicit leave(): the other side sees participant-left within 2 s', async () => {
    const { ada, bob } = await pair('presence-leave')
    const seen = leftSeen(ada.page, bob.peerId, 2000)
    await bob.page.evaluate(() => (window as unknown as W).D.room.leave())
    await seen
    const after = await ada.page.evaluate(() => (window as unknown as W).D.room.participants.size)
    expect(after).toBe(0)
  })

  it('closing the tab: the other side sees participant-left within the heartbeat window', async () => {
    const { ada, bob } = await pair('presence-close')
    const seen = leftSeen(ada.page, bob.peerId, 2 * HEARTBEAT_MS + GRACE_MS)
    await bob.page.close()
    await seen
  })

  it('signaling server restarted mid-call on the same port: P2P data keeps flowing, both resume with the same peer id', async () => {
    const { ada, bob } = await pair('presence-restart')
    // a steady stream of numbered messages ada → bob over the whole restart
    await ada.page.evaluate((peerId) => {
      const w = window as unknown as W & { pump?: ReturnType<typeof setInterval>; sent?: number }
      w.sent = 0
      w.pump = setInterval(() => {
        void w.D.room.participant(peerId)?.send({ n: w.sent })
        w.sent = (w.sent ?? 0) + 1
      }, 20)
    }, bob.peerId)
    const received = () =>
      bob.page.evaluate(
        () =>
          (window as unknown as W).D.messages.filter(
            (m) => typeof (m.message as { n?: number }).n === 'number',
          ).length,
      )
    await bob.page.waitForFunction(() => (window as unknown as W).D.messages.length > 5)
    const states = (page: import('playwright-core').Page) =>
      page.waitForFunction(() => (window as unknown as W).D.room.state === 'reconnecting', undefined, {
        timeout: 5000,
      })
    const server = h.server
    await server.close()
    await Promise.all([states(ada.page), states(bob.page)])
    const duringOutage = await received()
    await bob.page.waitForFunction((n) => (window as unknown as W).D.messages.length > n + 10, duringOutage, {
      timeout: 5000,
    })
    // The restarted server restores its predecessor's sessions during its first resume grace. The
    // suite's 1 s grace (for the presence tests) would race the clients' reconnect backoff (up to
    // 2 s by now, more under load): give the restarted server a production-like window instead.
    await h.restartServer({ resumeGraceMs: RESTORE_GRACE_MS })
    for (const p of [ada.page, bob.page]) {
      await p.waitForFunction(() => (window as unknown as W).D.room.state === 'joined', undefined, {
        timeout: 15_000,
      })
    }
    // same peer ids as before the restart
    expect(await ada.page.evaluate(() => (window as unknown as W).D.room.localPeerId)).toBe(ada.peerId)
    expect(await bob.page.evaluate(() => (window as unknown as W).D.room.localPeerId)).toBe(bob.peerId)
    const afterRejoin = await received()
    await bob.page.waitForFunction((n) => (window as unknown as W).D.messages.length > n + 10, afterRejoin, {
      timeout: 5000,
    })
    await ada.page.evaluate(() =>
      clearInterval((window as unknown as { pump: ReturnType<typeof setInterval> }).pump),
    )
    // every message arrived, in order, on the reliable channel
    const ns = await bob.page.evaluate(() =>
      (window as unknown as W).D.messages
        .map((m) => (m.message as { n?: number }).n)
        .filter((n) => typeof n === 'number'),
    )
    expect(ns).toEqual(ns.map((_, i) => i))
    // the same participants on both sides, no leave/join in between
    for (const [p, other] of [
      [ada, bob],
      [bob, ada],
    ] as const) {
      const view = await p.page.evaluate((peerId) => {
        const D = (window as unknown as W).D
        return {
          ids: [...D.room.participants.keys()],
          state: D.room.participant(peerId)?.state,
          left: D.left.length,
          joined: D.joined.length,
        }
      }, other.peerId)
      expect(view.ids).toEqual([other.peerId])
      expect(view.state).toBe('connected')
      expect(view.left).toBe(0)
    }
    // signaling between them works again: an ICE restart needs it
    await ada.page.evaluate(
      (peerId) => (window as unknown as W).D.room.participant(peerId)?.restartIce(),
      bob.peerId,
    )
    await ada.page.waitForFunction(
      (peerId) =>
        (window as unknown as W).D.room.participant(peerId)?.peerConnection?.signalingState === 'stable' &&
        ((window as unknown as W).D.room.participant(peerId)?.connectionInfo.negotiations ?? 0) >= 2,
      bob.peerId,
      { timeout: 10_000 },
    )
    // back to the suite's server (1 s grace) for the tests that follow
    await Promise.all([ada.page.close(), bob.page.close()])
    await h.restartServer()
  })

  it('a crashed tab (no unload, no goodbye): participant-left within heartbeat + resume grace', async () => {
    const { ada, bob } = await pair('presence-crash')
    const cdp = await bob.page.context().newCDPSession(bob.page)
    const seen = leftSeen(ada.page, bob.peerId, 2 * HEARTBEAT_MS + GRACE_MS + 2000)
    // the crashed target never answers: do not wait for the reply
    void cdp.send('Page.crash').catch(() => undefined)
    await seen
  })
})
