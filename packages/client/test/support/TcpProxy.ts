import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net'

/**
 * A loopback TCP proxy in front of a server: clients connect to the proxy; `dropAll()` cuts every
 * connection at once (like a network loss), `pause()` refuses new ones until `resume()`.
 */
export class TcpProxy {
  readonly #server: Server
  readonly #sockets = new Set<Socket>()
  #targetPort: number
  #refusing = false

  private constructor(server: Server, targetPort: number) {
    this.#server = server
    this.#targetPort = targetPort
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const server = createServer()
    const proxy = new TcpProxy(server, targetPort)
    server.on('connection', (client) => proxy.#accept(client))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return proxy
  }

  get port(): number {
    const address = this.#server.address()
    if (!address || typeof address === 'string') throw new Error('proxy not listening')
    return address.port
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  /** Points new connections at another port (e.g. a restarted server). */
  retarget(port: number): void {
    this.#targetPort = port
  }

  #accept(client: Socket): void {
    if (this.#refusing) {
      client.destroy()
      return
    }
    const upstream = tcpConnect(this.#targetPort, '127.0.0.1')
    for (const s of [client, upstream]) {
      this.#sockets.add(s)
      s.on('close', () => this.#sockets.delete(s))
      s.on('error', () => undefined)
    }
    client.pipe(upstream)
    upstream.pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  }

  /** Cuts every open connection without a close handshake. */
  dropAll(): void {
    for (const s of this.#sockets) s.destroy()
  }

  /** Refuses new connections (existing ones are kept unless dropped). */
  pause(): void {
    this.#refusing = true
  }

  resume(): void {
    this.#refusing = false
  }

  async close(): Promise<void> {
    this.dropAll()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}
