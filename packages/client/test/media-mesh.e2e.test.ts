/**
 * A 4-person mesh in Chromium (four browser contexts, fake cameras) through a real signaling
 * server: everyone connected to everyone, and media flowing on every one of the 12 directed pairs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type JoinedPage, openRoomHarness, type PageHooks, type RoomHarness } from './media/roomHarness.js'

const PEERS = 4

describe('Room media (4-peer mesh in Chromium)', () => {
  let h: RoomHarness
  const pages: JoinedPage[] = []

  beforeAll(async () => {
    h = await openRoomHarness()
    for (const name of ['Ada', 'Bob', 'Cy', 'Di'].slice(0, PEERS))
      pages.push(await h.join('media-mesh', name))
  })
  afterAll(async () => {
    await h?.close()
  })

  it('connects everyone and receives growing media bytes on every pair, each copy capped for a 4-mesh', async () => {
    for (const { page } of pages) {
      await page.waitForFunction(
        (n) => {
          const { room } = (window as unknown as { T: PageHooks }).T
          const all = [...room.participants.values()]
          return all.length === n - 1 && all.every((p) => p.state === 'connected')
        },
        PEERS,
        { timeout: 30_000 },
      )
    }
    // inbound bytes growing on every directed pair (RTP byte deltas > 0 in a quality sample), and
    // every video sender capped by its BitrateController
    for (const { page } of pages) {
      await page.waitForFunction(
        () => {
          const { room, quality } = (window as unknown as { T: PageHooks }).T
          return [...room.participants.values()].every((p) => {
            const flowing = (quality[p.peerId] ?? []).some(
              (s) => s.inbound.bitrateKbps > 0 && (s.inbound.width ?? 0) > 0,
            )
            const video = p.peerConnection?.getTransceivers().find((t) => t.receiver.track.kind === 'video')
            return flowing && video?.sender.getParameters().encodings[0]?.maxBitrate !== undefined
          })
        },
        undefined,
        { timeout: 30_000 },
      )
    }
    const figures = await Promise.all(
      pages.map(({ page }) =>
        page.evaluate(() => {
          const { room, quality } = (window as unknown as { T: PageHooks }).T
          return [...room.participants.keys()].map((id) => {
            const last = quality[id]?.at(-1)
            const sender = room.participant(id)?.peerConnection
            const encoding = sender
              ?.getTransceivers()
              .find((t) => t.receiver.track.kind === 'video')
              ?.sender.getParameters().encodings[0]
            return {
              outKbps: last?.outbound.bitrateKbps ?? 0,
              inKbps: last?.inbound.bitrateKbps ?? 0,
              inSize: `${last?.inbound.width}x${last?.inbound.height}`,
              maxBitrate: encoding?.maxBitrate,
            }
          })
        }),
      ),
    )
    const flat = figures.flat()
    expect(flat).toHaveLength(PEERS * (PEERS - 1))
    for (const f of flat) expect(f.maxBitrate).toBeLessThanOrEqual(600_000)
    console.log(`4-mesh figures (per directed pair): ${JSON.stringify(flat)}`)
  })
})
