/**
 * Negotiation end to end in Chromium, through a signaling proxy that can hold or drop frames:
 * forced glare, ICE restart, and the connect-timeout retry.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type DataHarness,
  type DataHooks,
  type DataPage,
  openDataHarness,
  pageConnected,
} from './support/dataHarness.js'
import { SignalProxy } from './support/SignalProxy.js'

type W = { D: DataHooks }

/** ICE ufrag of the page's current local and remote descriptions toward `peerId`. */
function ufrags(page: Page, peerId: string): Promise<{ local: string; remote: string }> {
  return page.evaluate((peerId) => {
    const pc = (window as unknown as W).D.room.participant(peerId)?.peerConnection
    const ufrag = (sdp: string | undefined) => /a=ice-ufrag:(\S+)/.exec(sdp ?? '')?.[1] ?? ''
    return { local: ufrag(pc?.localDescription?.sdp), remote: ufrag(pc?.remoteDescription?.sdp) }
  }, peerId)
}

/** Sends one message each way and returns what arrived. */
async function roundTrip(a: DataPage, b: DataPage, text: string): Promise<unknown[]> {
  const send = (from: DataPage, to: DataPage) =>
    from.page.evaluate(
      ({ peerId, text }) => (window as unknown as W).D.room.participant(peerId)?.send({ text }),
      { peerId: to.peerId, text },
    )
  await Promise.all([send(a, b), send(b, a)])
  const wait = (page: Page, from: string) =>
    page.waitForFunction(
      ({ from, text }) =>
        (window as unknown as W).D.messages.some(
          (m) => m.from === from && (m.message as { text?: string }).text === text,
        ),
      { from, text },
      { timeout: 10_000 },
    )
  await Promise.all([wait(b.page, a.peerId), wait(a.page, b.peerId)])
  return [text, text]
}

describe('negotiation in Chromium', () => {
  let h: DataHarness
  let proxy: SignalProxy

  beforeAll(async () => {
    h = await openDataHarness()
    proxy = await SignalProxy.start(h.server.wsUrl)
  })
  afterAll(async () => {
    await proxy?.close()
    await h?.close()
  })

  it('glare: both sides restart ICE before hearing from the other; it resolves with both connected', async () => {
    const ada = await h.join('glare', 'Ada', {}, proxy.url)
    const bob = await h.join('glare', 'Bob', {}, proxy.url)
    await pageConnected(ada.page, bob.peerId)
    await pageConnected(bob.page, ada.peerId)
    const before = { ada: await ufrags(ada.page, bob.peerId), bob: await ufrags(bob.page, ada.peerId) }
    const mark = proxy.frames.length
    proxy.hold()
    const restart = (p: DataPage, other: DataPage) =>
      p.page.evaluate(
        (peerId) => (window as unknown as W).D.room.participant(peerId)?.restartIce(),
        other.peerId,
      )
    await Promise.all([restart(ada, bob), restart(bob, ada)])
    // both offers reach the proxy while neither peer has heard anything: a real collision
    const offersFrom = () =>
      new Set(
        proxy.frames
          .slice(mark)
          .filter(
            (f) =>
              f.direction === 'up' &&
              f.message.type === 'signal' &&
              f.message.data?.description?.type === 'offer',
          )
          .map((f) => f.message.to),
      )
    const deadline = Date.now() + 10_000
    while (offersFrom().size < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect(offersFrom()).toEqual(new Set([ada.peerId, bob.peerId]))
    proxy.release()
    await pageConnected(ada.page, bob.peerId)
    await pageConnected(bob.page, ada.peerId)
    // ICE restarted: new credentials on both sides, and each side sees the other's
    await ada.page.waitForFunction(
      ({ peerId, old }) => {
        const pc = (window as unknown as W).D.room.participant(peerId)?.peerConnection
        const ufrag = /a=ice-ufrag:(\S+)/.exec(pc?.localDescription?.sdp ?? '')?.[1]
        return pc?.signalingState === 'stable' && ufrag !== undefined && ufrag !== old
      },
      { peerId: bob.peerId, old: before.ada.local },
      { timeout: 10_000 },
    )
    const after = { ada: await ufrags(ada.page, bob.peerId), bob: await ufrags(bob.page, ada.peerId) }
    expect(after.ada.local).not.toBe(before.ada.local)
    expect(after.bob.local).not.toBe(before.bob.local)
    expect(after.ada.remote).toBe(after.bob.local)
    expect(after.bob.remote).toBe(after.ada.local)
    expect(await roundTrip(ada, bob, 'after glare')).toHaveLength(2)
  })

  it('ICE restart from one side: new ICE credentials, same connection generation, data keeps flowing', async () => {
    const ada = await h.join('ice-restart', 'Ada')
    const bob = await h.join('ice-restart', 'Bob')
    await pageConnected(ada.page, bob.peerId)
    await pageConnected(bob.page, ada.peerId)
    const before = await ufrags(bob.page, ada.peerId)
    const epoch = await ada.page.evaluate(
      (peerId) => (window as unknown as W).D.room.participant(peerId)?.connectionInfo.epoch,
      bob.peerId,
    )
    await ada.page.evaluate(
      (peerId) => (window as unknown as W).D.room.participant(peerId)?.restartIce(),
      bob.peerId,
    )
    await bob.page.waitForFunction(
      ({ peerId, old }) => {
        const pc = (window as unknown as W).D.room.participant(peerId)?.peerConnection
        return (
          pc?.signalingState === 'stable' &&
          /a=ice-ufrag:(\S+)/.exec(pc.remoteDescription?.sdp ?? '')?.[1] !== old
        )
      },
      { peerId: ada.peerId, old: before.remote },
      { timeout: 10_000 },
    )
    await pageConnected(ada.page, bob.peerId)
    const info = await ada.page.evaluate(
      (peerId) => (window as unknown as W).D.room.participant(peerId)?.connectionInfo,
      bob.peerId,
    )
    expect(info?.epoch).toBe(epoch)
    expect(info?.iceRestarts).toBe(1)
    expect(await roundTrip(ada, bob, 'after restart')).toHaveLength(2)
  })

  it('connect timeout: when the first attempt cannot connect, a new connection generation connects', async () => {
    // every answer and candidate of generation 0 is lost on the way: that attempt cannot succeed
    proxy.drop = (f) =>
      f.direction === 'down' &&
      f.message.type === 'signal' &&
      (f.message.data?.epoch ?? 0) === 0 &&
      (f.message.data?.kind === 'candidate' || f.message.data?.description?.type === 'answer')
    try {
      const ada = await h.join('connect-timeout', 'Ada', { connectTimeoutMs: 2000 }, proxy.url)
      const bob = await h.join('connect-timeout', 'Bob', { connectTimeoutMs: 2000 }, proxy.url)
      await pageConnected(ada.page, bob.peerId, 30_000)
      await pageConnected(bob.page, ada.peerId, 30_000)
      const epochs = await Promise.all(
        [
          [ada, bob],
          [bob, ada],
        ].map(([p, o]) =>
          (p as DataPage).page.evaluate(
            (peerId) => (window as unknown as W).D.room.participant(peerId)?.connectionInfo.epoch,
            (o as DataPage).peerId,
          ),
        ),
      )
      expect(epochs[0]).toBeGreaterThanOrEqual(1)
      expect(epochs[1]).toBe(epochs[0])
      expect(await roundTrip(ada, bob, 'after retry')).toHaveLength(2)
    } finally {
      proxy.drop = undefined
    }
  })
})
