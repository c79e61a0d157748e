import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type RawData, WebSocket, WebSocketServer } from 'ws'

/** A frame passing through the proxy, parsed. */
export interface ProxiedFrame {
  readonly direction: 'up' | 'down'
  readonly message: {
    type?: string
    data?: { kind?: string; epoch?: number; description?: { type?: string } }
  } & Record<string, unknown>
}

/**
 * A signaling proxy on loopback (http://127.0.0.1:port, WebSocket at /ws) in front of a real
 * server: forwards frames both ways, records them, can drop frames (`drop` predicate) and can
 * hold server → client frames (`hold()` / `release()`) to make both peers act before either hears
 * from the other (forced glare).
 */
export class SignalProxy {
  readonly frames: ProxiedFrame[] = []
  drop: ((frame: ProxiedFrame) => boolean) | undefined
  readonly #http: Server
  readonly #wss: WebSocketServer
  readonly #target: string
  #holding = false
  readonly #held: (() => void)[] = []
  readonly #sockets = new Set<WebSocket>()

  private constructor(http: Server, wss: WebSocketServer, target: string) {
    this.#http = http
    this.#wss = wss
    this.#target = target
  }

  /** `targetWsUrl`: the real server's ws URL (e.g. ws://127.0.0.1:1234/ws). */
  static async start(targetWsUrl: string): Promise<SignalProxy> {
    const http = createServer()
    const wss = new WebSocketServer({ server: http, path: '/ws' })
    const proxy = new SignalProxy(http, wss, targetWsUrl)
    wss.on('connection', (client, req) => proxy.#accept(client, req.url ?? ''))
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    return proxy
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#http.address() as AddressInfo).port}`
  }

  /** Frames relayed as signals whose peer-signal `kind` (and description type) match. */
  signals(kind: string, descriptionType?: string): ProxiedFrame[] {
    return this.frames.filter(
      (f) =>
        f.message.type === 'signal' &&
        f.message.data?.kind === kind &&
        (descriptionType === undefined || f.message.data.description?.type === descriptionType),
    )
  }

  hold(): void {
    this.#holding = true
  }

  release(): void {
    this.#holding = false
    for (const deliver of this.#held.splice(0)) deliver()
  }

  #accept(client: WebSocket, url: string): void {
    // the query string carries the join on the upgrade (protocol.md)
    const query = url.indexOf('?')
    const upstream = new WebSocket(query < 0 ? this.#target : `${this.#target}${url.slice(query)}`)
    this.#sockets.add(client)
    this.#sockets.add(upstream)
    const pendingUp: RawData[] = []
    const parse = (data: RawData): ProxiedFrame['message'] => {
      try {
        return JSON.parse(data.toString()) as ProxiedFrame['message']
      } catch {
        return {}
      }
    }
    client.on('message', (data) => {
      const frame: ProxiedFrame = { direction: 'up', message: parse(data) }
      this.frames.push(frame)
      if (this.drop?.(frame)) return
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data.toString())
      else pendingUp.push(data)
    })
    upstream.on('open', () => {
      for (const data of pendingUp.splice(0)) upstream.send(data.toString())
    })
    upstream.on('message', (data) => {
      const frame: ProxiedFrame = { direction: 'down', message: parse(data) }
      this.frames.push(frame)
      if (this.drop?.(frame)) return
      const deliver = (): void => {
        if (client.readyState === WebSocket.OPEN) client.send(data.toString())
      }
      if (this.#holding && frame.message.type === 'signal') this.#held.push(deliver)
      else deliver()
    })
    const closeBoth = (code?: number): void => {
      for (const s of [client, upstream]) {
        if (s.readyState === WebSocket.OPEN || s.readyState === WebSocket.CONNECTING) {
          if (code && code >= 3000) s.close(code)
          else s.terminate()
        }
      }
    }
    client.on('close', (code) => closeBoth(code))
    upstream.on('close', (code) => closeBoth(code))
    client.on('error', () => closeBoth())
    upstream.on('error', () => closeBoth())
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.terminate()
    this.#wss.close()
    await new Promise<void>((resolve) => this.#http.close(() => resolve()))
  }
}
