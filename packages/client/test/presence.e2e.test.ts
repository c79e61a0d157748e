/**
 * Presence end to end in Chromium: explicit leave, closed tab, crashed tab (heartbeat window).
 * The server runs with a short heartbeat (1 s) and resume grace (1 s).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DataHarness, type DataHooks, openDataHarness, pageConnected } from './support/dataHarness.js'

type W = { D: DataHooks }
const HEARTBEAT_MS = 1000
const GRACE_MS = 1000

describe('presence in Chromium', () => {
  let h: DataHarness

  beforeAll(async () => {
    h = await openDataHarness({ heartbeatIntervalMs: HEARTBEAT_MS, resumeGraceMs: GRACE_MS })
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

  it('a crashed tab (no unload, no goodbye): participant-left within heartbeat + resume grace', async () => {
    const { ada, bob } = await pair('presence-crash')
    const cdp = await bob.page.context().newCDPSession(bob.page)
    const seen = leftSeen(ada.page, bob.peerId, 2 * HEARTBEAT_MS + GRACE_MS + 2000)
    // the crashed target never answers: do not wait for the reply
    void cdp.send('Page.crash').catch(() => undefined)
    await seen
  })
})
