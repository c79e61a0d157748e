/**
 * Data channels end to end: two Chromium contexts, and a Node peer, through a real signaling server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Room } from '../src/index.js'
import {
  type DataHarness,
  type DataHooks,
  type DataPage,
  openDataHarness,
  pageConnected,
} from './support/dataHarness.js'
import { nextRoomMessages, participantInState } from './support/rooms.js'

type W = { D: DataHooks }
const PRESETS = ['reliable', 'unreliable', 'partial'] as const

describe('data channels in Chromium', () => {
  let h: DataHarness
  let ada: DataPage
  let bob: DataPage

  beforeAll(async () => {
    h = await openDataHarness()
    ada = await h.join('data-e2e', 'Ada')
    bob = await h.join('data-e2e', 'Bob')
    await pageConnected(ada.page, bob.peerId)
    await pageConnected(bob.page, ada.peerId)
  })
  afterAll(async () => {
    await h?.close()
  })

  it('echo both ways on all three presets, JSON and binary', async () => {
    for (const [from, to] of [
      [ada, bob],
      [bob, ada],
    ] as const) {
      await to.page.evaluate(() => {
        const D = (window as unknown as W).D
        D.echo = true
        D.messages.length = 0
      })
      const echoes = await from.page.evaluate(
        async ({ peerId, presets }) => {
          const D = (window as unknown as W).D
          D.echo = false
          D.messages.length = 0
          const p = D.room.participant(peerId)
          if (!p) throw new Error('no participant')
          for (const channel of presets) {
            await p.send({ channel, text: `hello over ${channel}` }, { channel })
            await p.send(new Uint8Array([1, 2, 3, channel.length]), { channel })
          }
          const deadline = Date.now() + 10_000
          while (D.messages.length < presets.length * 2 && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 20))
          }
          return D.messages.map((m) => ({
            channel: m.channel,
            message: m.message instanceof Uint8Array ? { bytes: Array.from(m.message) } : m.message,
          }))
        },
        { peerId: to.peerId, presets: [...PRESETS] },
      )
      for (const channel of PRESETS) {
        expect(echoes).toContainEqual({ channel, message: { channel, text: `hello over ${channel}` } })
        expect(echoes).toContainEqual({ channel, message: { bytes: [1, 2, 3, channel.length] } })
      }
      await to.page.evaluate(() => {
        ;(window as unknown as W).D.echo = false
      })
    }
  })

  it('a 5 MiB message through send() arrives intact (SHA-256 equal on both sides)', async () => {
    await bob.page.evaluate(() => {
      ;(window as unknown as W).D.messages.length = 0
    })
    const sentHash = await ada.page.evaluate(async (peerId) => {
      const bytes = new Uint8Array(5 * 1024 * 1024)
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + (i >>> 13)) & 0xff
      const hash = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))).join(',')
      await (window as unknown as W).D.room.participant(peerId)?.send(bytes)
      return hash
    }, bob.peerId)
    await bob.page.waitForFunction(() => (window as unknown as W).D.messages.length >= 1, undefined, {
      timeout: 30_000,
    })
    const received = await bob.page.evaluate(async () => {
      const m = (window as unknown as W).D.messages[0]?.message
      if (!(m instanceof Uint8Array)) return { length: -1, hash: '' }
      const hash = Array.from(
        new Uint8Array(await crypto.subtle.digest('SHA-256', m as Uint8Array<ArrayBuffer>)),
      ).join(',')
      return { length: m.byteLength, hash }
    })
    expect(received).toEqual({ length: 5 * 1024 * 1024, hash: sentHash })
  })

  it('Node ↔ browser: a node-datachannel peer and a Chromium peer echo on all three presets', async () => {
    const node = await Room.join(h.server.url, 'data-e2e', { name: 'Node', quality: false })
    try {
      expect(node.rtcFlavor).toBe('node-datachannel')
      await participantInState(node, ada.peerId, 'connected', 20_000)
      await pageConnected(ada.page, node.localPeerId)
      // browser echoes what Node sends
      await ada.page.evaluate(() => {
        const D = (window as unknown as W).D
        D.messages.length = 0
        D.echo = true
      })
      const echoed = nextRoomMessages(node, PRESETS.length * 2, 15_000)
      const toAda = node.participant(ada.peerId)
      for (const channel of PRESETS) {
        await toAda?.send({ from: 'node', channel }, { channel })
        await toAda?.send(new Uint8Array([9, channel.length]), { channel })
      }
      const got = (await echoed).filter((m) => m.from === ada.peerId)
      for (const channel of PRESETS) {
        expect(got).toContainEqual({ from: ada.peerId, message: { from: 'node', channel }, channel })
        expect(got).toContainEqual({
          from: ada.peerId,
          message: new Uint8Array([9, channel.length]),
          channel,
        })
      }
      // Node echoes what the browser sends
      await ada.page.evaluate(() => {
        const D = (window as unknown as W).D
        D.echo = false
        D.messages.length = 0
      })
      node.on('message', (p, message, channel) => {
        if (p.peerId === ada.peerId) void p.send(message, { channel })
      })
      const back = await ada.page.evaluate(
        async ({ peerId, presets }) => {
          const D = (window as unknown as W).D
          const p = D.room.participant(peerId)
          for (const channel of presets) await p?.send({ from: 'browser', channel }, { channel })
          const deadline = Date.now() + 10_000
          while (
            D.messages.filter((m) => m.from === peerId).length < presets.length &&
            Date.now() < deadline
          ) {
            await new Promise((r) => setTimeout(r, 20))
          }
          return D.messages
            .filter((m) => m.from === peerId)
            .map((m) => ({ channel: m.channel, message: m.message }))
        },
        { peerId: node.localPeerId, presets: [...PRESETS] },
      )
      for (const channel of PRESETS)
        expect(back).toContainEqual({ channel, message: { from: 'browser', channel } })
    } finally {
      await node.leave()
    }
  })
})
