/**
 * How a benchmark client speaks to each server: open a pair of clients that can address each other,
 * and the frame text that carries a signal's data to the other end of the pair.
 */
import { WebSocket } from 'ws'
import { Inbox, type JsonMessage } from './Inbox.js'
import type { TargetName } from './loadgenMessages.js'

/** Two connected clients, each with the address the other one uses to reach it. */
export interface OpenPair {
  readonly a: WebSocket
  readonly b: WebSocket
  readonly aId: string
  readonly bId: string
  /** Inboxes still listening: detach them before taking the sockets over. */
  readonly inboxes: readonly [Inbox, Inbox]
}

export interface ClientProtocol {
  /** Connects both clients of a pair and completes their handshake (join / OPEN). */
  openPair(port: number, tag: string, localAddress: string | undefined): Promise<OpenPair>
  /** Frame text up to the signal's data object, addressed to `to`; the frame is `prefix + data + '}'`. */
  framePrefix(to: string): string
}

function connect(url: string, localAddress: string | undefined): { socket: WebSocket; inbox: Inbox } {
  const socket = new WebSocket(url, {
    perMessageDeflate: false,
    ...(localAddress === undefined ? {} : { localAddress }),
  })
  return { socket, inbox: new Inbox(socket) }
}

function opened(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.OPEN) return Promise.resolve()
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`HTTP ${response.statusCode} instead of a WebSocket upgrade`)),
    )
  })
}

const isType =
  (type: string) =>
  (message: JsonMessage): boolean =>
    message.type === type

function stringField(message: JsonMessage, key: string): string {
  const value = message[key]
  if (typeof value !== 'string') throw new Error(`${key} missing in ${JSON.stringify(message)}`)
  return value
}

/** Parley protocol v1 at /ws: both clients join a room of their own. */
const parley: ClientProtocol = {
  async openPair(port, tag, localAddress) {
    const url = `ws://127.0.0.1:${port}/ws`
    const room = `bench-${tag}`
    const join = JSON.stringify({ type: 'join', room })
    const a = connect(url, localAddress)
    await opened(a.socket)
    a.socket.send(join)
    const welcomeA = await a.inbox.next(isType('welcome'), isType('error'))
    const b = connect(url, localAddress)
    await opened(b.socket)
    b.socket.send(join)
    const welcomeB = await b.inbox.next(isType('welcome'), isType('error'))
    const aId = stringField(welcomeA, 'peerId')
    const bId = stringField(welcomeB, 'peerId')
    await a.inbox.next(
      (message) =>
        message.type === 'peer-joined' && (message.peer as { peerId?: unknown } | undefined)?.peerId === bId,
      isType('error'),
    )
    return { a: a.socket, b: b.socket, aId, bId, inboxes: [a.inbox, b.inbox] }
  },
  framePrefix: (to) => `{"type":"signal","to":${JSON.stringify(to)},"data":`,
}

/** As the peerjs client library does (pingInterval 5 s): else the server drops a client after 90 s. */
const PEERJS_HEARTBEAT_MS = 5000
const PEERJS_HEARTBEAT = '{"type":"HEARTBEAT"}'

function heartbeat(socket: WebSocket): void {
  const timer = setInterval(() => {
    if (socket.readyState === WebSocket.OPEN) socket.send(PEERJS_HEARTBEAT)
  }, PEERJS_HEARTBEAT_MS)
  timer.unref()
  socket.once('close', () => clearInterval(timer))
}

/** peerjs-server: clients choose their ids, connect with key and token, wait for OPEN, send heartbeats. */
const peerjs: ClientProtocol = {
  async openPair(port, tag, localAddress) {
    const url = (id: string) => `ws://127.0.0.1:${port}/peerjs?key=peerjs&id=${id}&token=t${tag}`
    const aId = `${tag}-a`
    const bId = `${tag}-b`
    const a = connect(url(aId), localAddress)
    const b = connect(url(bId), localAddress)
    const failed = (message: JsonMessage) => message.type === 'ERROR' || message.type === 'ID-TAKEN'
    await Promise.all([a.inbox.next(isType('OPEN'), failed), b.inbox.next(isType('OPEN'), failed)])
    heartbeat(a.socket)
    heartbeat(b.socket)
    return { a: a.socket, b: b.socket, aId, bId, inboxes: [a.inbox, b.inbox] }
  },
  framePrefix: (to) => `{"type":"OFFER","dst":${JSON.stringify(to)},"payload":`,
}

/** The bare `ws` JSON relay: ids in the URL, {"type":"open"} once registered. */
const wsRelay: ClientProtocol = {
  async openPair(port, tag, localAddress) {
    const aId = `${tag}-a`
    const bId = `${tag}-b`
    const a = connect(`ws://127.0.0.1:${port}/?id=${aId}`, localAddress)
    const b = connect(`ws://127.0.0.1:${port}/?id=${bId}`, localAddress)
    await Promise.all([a.inbox.next(isType('open')), b.inbox.next(isType('open'))])
    return { a: a.socket, b: b.socket, aId, bId, inboxes: [a.inbox, b.inbox] }
  },
  framePrefix: (to) => `{"to":${JSON.stringify(to)},"data":`,
}

/** The raw ceiling: the pair is fixed at connection time and frames are forwarded verbatim. */
const wsForward: ClientProtocol = {
  async openPair(port, tag, localAddress) {
    const aId = `${tag}-a`
    const bId = `${tag}-b`
    const a = connect(`ws://127.0.0.1:${port}/?id=${aId}&peer=${bId}`, localAddress)
    const b = connect(`ws://127.0.0.1:${port}/?id=${bId}&peer=${aId}`, localAddress)
    await Promise.all([a.inbox.next(isType('open')), b.inbox.next(isType('open'))])
    return { a: a.socket, b: b.socket, aId, bId, inboxes: [a.inbox, b.inbox] }
  },
  // The server does not read the frame: any text carrying the data will do.
  framePrefix: (to) => `{"to":${JSON.stringify(to)},"data":`,
}

export const PROTOCOLS: Readonly<Record<TargetName, ClientProtocol>> = {
  parley,
  parleyAlt: parley,
  peerjs,
  wsRelay,
  wsForward,
}
