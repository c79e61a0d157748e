/**
 * Data-channel end-to-end support: one Chromium process, a loopback page server with the SDK as
 * `window.Parley`, a real signaling server, and pages that join a room and record what they see
 * in `window.D` (messages, participant events, connection states).
 */
import { type ParleyServer, type ServerOptions, startServer } from '@parley/server'
import type { Page } from 'playwright-core'
import type { ChannelPreset, Room, RoomOptions } from '../../src/index.js'
import { type Harness, openHarness, type ParleyGlobal } from '../media/browserHarness.js'

/** What a test page records (window.D). */
export interface DataHooks {
  room: Room
  messages: { from: string; message: unknown; channel: ChannelPreset; at: number }[]
  joined: { peerId: string; name: string; at: number }[]
  left: { peerId: string; at: number }[]
  states: { peerId: string; state: string }[]
  /** When set, every message is sent back to its sender on the same channel. */
  echo: boolean
}

export interface DataHarness {
  readonly harness: Harness
  readonly server: ParleyServer
  /** Opens a page (own browser context) that joins `room`. */
  join(
    room: string,
    name: string,
    options?: Omit<RoomOptions, 'logger' | 'rtc'>,
    serverUrl?: string,
  ): Promise<DataPage>
  /** Closes the signaling server and starts a new one on the same port. */
  restartServer(options?: ServerOptions): Promise<ParleyServer>
  close(): Promise<void>
}

export interface DataPage {
  readonly page: Page
  readonly peerId: string
}

export type Parley = ParleyGlobal

export async function openDataHarness(serverOptions: ServerOptions = {}): Promise<DataHarness> {
  const start = (port: number) =>
    startServer({ port, host: '127.0.0.1', logLevel: 'silent', ...serverOptions })
  let server: ParleyServer
  const [harness, first] = await Promise.all([openHarness(), start(0)])
  server = first
  let closed: Promise<void> | undefined
  return {
    harness,
    get server() {
      return server
    },
    async join(room, name, options = {}, serverUrl = server.url) {
      const page = await harness.newPage()
      const peerId = await page.evaluate(
        async ({ serverUrl, room, name, options }) => {
          const { Room } = (window as unknown as { Parley: ParleyGlobal }).Parley
          const joined = await Room.join(serverUrl, room, { name, quality: false, ...options })
          const D: DataHooks = { room: joined, messages: [], joined: [], left: [], states: [], echo: false }
          joined.on('message', (p, message, channel) => {
            D.messages.push({ from: p.peerId, message, channel, at: Date.now() })
            if (D.echo) void p.send(message, { channel })
          })
          joined.on('participant-joined', (p) =>
            D.joined.push({ peerId: p.peerId, name: p.name, at: Date.now() }),
          )
          joined.on('participant-left', (p) => D.left.push({ peerId: p.peerId, at: Date.now() }))
          joined.on('connection-state', (p, state) => D.states.push({ peerId: p.peerId, state }))
          Object.assign(window, { D })
          return joined.localPeerId
        },
        { serverUrl, room, name, options },
      )
      return { page, peerId }
    },
    async restartServer(options = {}) {
      const port = server.port
      await server.close()
      server = await startServer({
        port,
        host: '127.0.0.1',
        logLevel: 'silent',
        ...serverOptions,
        ...options,
      })
      return server
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

/** Waits in the page until its participant `peerId` is connected. */
export async function pageConnected(page: Page, peerId: string, timeoutMs = 20_000): Promise<void> {
  await page.waitForFunction(
    (peerId) => (window as unknown as { D: DataHooks }).D.room.participant(peerId)?.state === 'connected',
    peerId,
    { timeout: timeoutMs },
  )
}

/** Waits in the page until `count` messages were received. */
export async function pageMessages(
  page: Page,
  count: number,
  timeoutMs = 20_000,
): Promise<DataHooks['messages']> {
  await page.waitForFunction(
    (count) => (window as unknown as { D: DataHooks }).D.messages.length >= count,
    count,
    {
      timeout: timeoutMs,
    },
  )
  return page.evaluate(() => (window as unknown as { D: DataHooks }).D.messages.map((m) => ({ ...m })))
}
