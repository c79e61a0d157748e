import { afterEach } from 'vitest'
import type { ClientOptions } from 'ws'
import { type ParleyServer, type ServerOptions, startServer } from '../../src/index.js'
import { silentLogger } from '../../src/logger.js'
import { type Message, RawClient } from './rawClient.js'

export type Welcome = Message & {
  peerId: string
  room: string
  peers: { peerId: string; name: string }[]
  iceServers: { urls: string | string[]; username?: string; credential?: string }[]
  resume: string
  resumed: boolean
}

const servers: ParleyServer[] = []
const clients: RawClient[] = []

afterEach(async () => {
  for (const c of clients.splice(0)) c.drop()
  await Promise.all(servers.splice(0).map((s) => s.close({ graceful: false })))
})

/** A server on an ephemeral loopback port, closed after the test. */
export async function testServer(options: ServerOptions = {}): Promise<ParleyServer> {
  const server = await startServer({ port: 0, host: '127.0.0.1', logger: silentLogger, ...options })
  servers.push(server)
  return server
}

/** A raw client, dropped after the test. */
export async function connect(
  server: ParleyServer | string,
  options: ClientOptions = {},
): Promise<RawClient> {
  const client = await RawClient.connect(typeof server === 'string' ? server : server.wsUrl, options)
  clients.push(client)
  return client
}

/** Connects and joins `room`; returns the client and its welcome. */
export async function joined(
  server: ParleyServer,
  room: string,
  join: Record<string, unknown> = {},
): Promise<{ client: RawClient; welcome: Welcome }> {
  const client = await connect(server)
  client.send({ type: 'join', room, ...join })
  const welcome = await client.next<Welcome>((m) => m.type === 'welcome' || m.type === 'error')
  if (welcome.type !== 'welcome') throw new Error(`join refused: ${JSON.stringify(welcome)}`)
  return { client, welcome }
}

/**
 * Ada and Bob joined `room`, Ada saw Bob arrive, then Bob's socket dropped: his session waits for a
 * resume (the server holds one connection, Ada's).
 */
export async function adaAndDroppedBob(
  server: ParleyServer,
  room = 'r',
): Promise<{ a: Awaited<ReturnType<typeof joined>>; b: Awaited<ReturnType<typeof joined>> }> {
  const a = await joined(server, room, { name: 'Ada' })
  const b = await joined(server, room, { name: 'Bob' })
  await a.client.nextOf('peer-joined')
  b.client.drop()
  await connectionsDropTo(server, 1)
  return { a, b }
}

/** Re-checks `condition` until it holds; fails after `timeoutMs`. For server-side state no event reveals. */
export async function waitUntil(
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export interface Health {
  status: string
  uptime: number
  connections: number
  rooms: number
  peers: number
}

export async function health(server: ParleyServer): Promise<Health> {
  const res = await fetch(`${server.url}/healthz`)
  return (await res.json()) as Health
}

/** Resolves once the server has noticed that its connections dropped to `count`. */
export function connectionsDropTo(server: ParleyServer, count: number): Promise<void> {
  return waitUntil(async () => (await health(server)).connections === count)
}
