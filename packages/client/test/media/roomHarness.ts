/**
 * Room-level media e2e support: a real signaling server on an ephemeral loopback port, one
 * Chromium process, and pages that join a room with the fake camera and record what they see in
 * `window.T` (remote <video> elements, media-state and quality events).
 */
import { startServer } from '@parley/server'
import type { Page } from 'playwright-core'
import type { MediaState, QualitySample, Room, RoomOptions } from '../../src/index.js'
import { type Harness, openHarness, type ParleyGlobal } from './browserHarness.js'

/** What a test page records (window.T). */
export interface PageHooks {
  room: Room
  /** remote <video> per peer id, playing the peer's stream */
  videos: Record<string, HTMLVideoElement>
  mediaStates: { peerId: string; state: MediaState }[]
  quality: Record<string, QualitySample[]>
}

export interface RoomHarness {
  readonly harness: Harness
  readonly serverUrl: string
  /** Opens a page (own browser context) that joins `room` with camera and microphone. */
  join(
    room: string,
    name: string,
    media?: { audio?: boolean; video?: boolean },
    options?: Pick<RoomOptions, 'quality'>,
  ): Promise<JoinedPage>
  close(): Promise<void>
}

export interface JoinedPage {
  readonly page: Page
  readonly peerId: string
}

export async function openRoomHarness(): Promise<RoomHarness> {
  const [harness, server] = await Promise.all([
    openHarness(),
    startServer({ port: 0, host: '127.0.0.1', logLevel: 'silent' }),
  ])
  let closed: Promise<void> | undefined
  return {
    harness,
    serverUrl: server.url,
    async join(room, name, media = { audio: true, video: true }, options = {}) {
      const page = await harness.newPage()
      const peerId = await page.evaluate(
        async ({ serverUrl, room, name, media, options }) => {
          const { Room } = (window as unknown as { Parley: ParleyGlobal }).Parley
          const joined = await Room.join(serverUrl, room, { name, media, ...options })
          const T: PageHooks = { room: joined, videos: {}, mediaStates: [], quality: {} }
          joined.on('track', (p, track, stream) => {
            if (track.kind !== 'video') return
            let video = T.videos[p.peerId]
            if (!video) {
              video = document.createElement('video')
              video.muted = true
              video.autoplay = true
              video.playsInline = true
              document.body.append(video)
              T.videos[p.peerId] = video
            }
            if (video.srcObject !== stream) video.srcObject = stream
            void video.play().catch(() => undefined)
          })
          joined.on('media-state', (p, state) =>
            T.mediaStates.push({ peerId: p.peerId, state: { ...state } }),
          )
          joined.on('quality', (p, sample) => {
            T.quality[p.peerId] ??= []
            T.quality[p.peerId]?.push(sample)
          })
          Object.assign(window, { T })
          return joined.localPeerId
        },
        { serverUrl: server.url, room, name, media, options },
      )
      return { page, peerId }
    },
    close() {
      closed ??= (async () => {
        await harness.close()
        await server.close({ graceful: false })
      })()
      return closed
    },
  }
}

/** Waits (in the page, ≤ timeoutMs) until `peerId`'s remote video shows frames of width × height. */
export async function waitForRemoteVideo(
  page: Page,
  peerId: string,
  width: number,
  height: number,
  timeoutMs = 20_000,
): Promise<void> {
  await page.waitForFunction(
    ({ peerId, width, height }) => {
      const v = (window as unknown as { T: PageHooks }).T.videos[peerId]
      return v !== undefined && v.videoWidth === width && v.videoHeight === height
    },
    { peerId, width, height },
    { timeout: timeoutMs },
  )
}

/** Frames decoded so far by `peerId`'s remote video. */
export function decodedFrames(page: Page, peerId: string): Promise<number> {
  return page.evaluate(
    (peerId) =>
      (window as unknown as { T: PageHooks }).T.videos[peerId]?.getVideoPlaybackQuality().totalVideoFrames ??
      0,
    peerId,
  )
}

/** Negotiations (offer/answer rounds) of this page's connection to `peerId` so far. */
export function negotiations(page: Page, peerId: string): Promise<number | undefined> {
  return page.evaluate(
    (peerId) =>
      (window as unknown as { T: PageHooks }).T.room.participant(peerId)?.connectionInfo.negotiations,
    peerId,
  )
}
