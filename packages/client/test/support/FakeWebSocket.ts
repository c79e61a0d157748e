import { type ClientMessage, type JoinMessage, joinFromQuery, type ServerMessage } from '@parley/protocol'
import type { WebSocketLike } from '../../src/runtime.js'

/**
 * A scripted WebSocket: every instance is recorded; the test plays the server (open, send frames,
 * close with a code) and reads what the client sent.
 */
export class FakeWebSocket implements WebSocketLike {
  static instances: FakeWebSocket[] = []
  static reset(): void {
    FakeWebSocket.instances = []
  }
  static get last(): FakeWebSocket {
    const ws = FakeWebSocket.instances.at(-1)
    if (!ws) throw new Error('no socket was opened')
    return ws
  }

  readonly url: string
  readyState = 0
  readonly sent: ClientMessage[] = []
  closedByClient: { code: number | undefined; reason: string | undefined } | undefined
  onopen: ((event: unknown) => void) | null = null
  onmessage: ((event: { data: unknown }) => void) | null = null
  onclose: ((event: { code: number; reason: string }) => void) | null = null
  onerror: ((event: unknown) => void) | null = null

  constructor(url: string) {
    this.url = url
    FakeWebSocket.instances.push(this)
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open')
    this.sent.push(JSON.parse(data) as ClientMessage)
  }

  close(code?: number, reason?: string): void {
    this.closedByClient = { code, reason }
    this.readyState = 3
  }

  // ------------------------------------------------------------------ server side of the script

  serverOpen(): void {
    this.readyState = 1
    this.onopen?.({})
  }

  serverSend(message: ServerMessage | string): void {
    this.onmessage?.({ data: typeof message === 'string' ? message : JSON.stringify(message) })
  }

  serverClose(code: number, reason = ''): void {
    this.readyState = 3
    this.onclose?.({ code, reason })
  }

  /** Fails the connection attempt like an unreachable server (error, then close 1006). */
  refuse(): void {
    this.readyState = 3
    this.onerror?.({})
    this.onclose?.({ code: 1006, reason: '' })
  }

  lastSent(): ClientMessage | undefined {
    return this.sent.at(-1)
  }

  /** The join carried by the URL (join on the upgrade), if any. */
  urlJoin(): JoinMessage | undefined {
    const query = this.url.indexOf('?')
    const parsed = query < 0 ? undefined : joinFromQuery(this.url.slice(query + 1))
    if (parsed !== undefined && !parsed.ok) throw new Error(`invalid join in the URL: ${parsed.message}`)
    return parsed?.value
  }

  /** The latest join: the last `join` message sent, else the URL's. */
  lastJoin(): JoinMessage | undefined {
    const sent = [...this.sent].reverse().find((m) => m.type === 'join')
    return sent?.type === 'join' ? sent : this.urlJoin()
  }

  /** Answers the last join with a welcome. */
  welcome(peerId: string, extra: Partial<Extract<ServerMessage, { type: 'welcome' }>> = {}): void {
    const join = this.lastJoin()
    if (join === undefined) throw new Error('client did not send join')
    this.serverSend({
      type: 'welcome',
      peerId,
      room: join.room,
      peers: [],
      iceServers: [],
      resume: `token-${peerId}-${FakeWebSocket.instances.length}`,
      ...(join.id !== undefined ? { ref: join.id } : {}),
      ...extra,
    })
  }
}
