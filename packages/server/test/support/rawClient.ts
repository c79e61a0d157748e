import { type ClientOptions, WebSocket } from 'ws'

export type Message = { readonly type: string; readonly [key: string]: unknown }
export interface Closed {
  readonly code: number
  readonly reason: string
}

const DEFAULT_TIMEOUT_MS = 10_000

interface Waiter {
  readonly predicate: (m: Message) => boolean
  readonly resolve: (m: Message) => void
}

/**
 * A test client speaking the raw protocol: every server frame is kept until a test takes it with
 * {@link next}, which waits (with a timeout, never a sleep) for the first one matching a predicate.
 */
export class RawClient {
  /** Received and not yet taken, in arrival order. */
  readonly inbox: Message[] = []
  /** Every frame received, in arrival order (taken or not). */
  readonly received: Message[] = []
  /** Settles when the socket closes. */
  readonly closed: Promise<Closed>
  private waiters: Waiter[] = []
  /** Payloads of every ping received, in order (answered by ws unless `autoPong: false`). */
  readonly pings: string[] = []
  private pingWaiters: { payload: string; resolve: () => void }[] = []

  private constructor(readonly ws: WebSocket) {
    // ws writes its pong before it emits 'ping'
    ws.on('ping', (data) => {
      const payload = data.toString()
      this.pings.push(payload)
      for (const w of this.pingWaiters.filter((w) => w.payload === payload)) w.resolve()
      this.pingWaiters = this.pingWaiters.filter((w) => w.payload !== payload)
    })
    ws.on('message', (data, isBinary) => {
      const message = JSON.parse(isBinary ? '{"type":"<binary>"}' : String(data)) as Message
      this.received.push(message)
      const i = this.waiters.findIndex((w) => w.predicate(message))
      if (i >= 0) {
        const [waiter] = this.waiters.splice(i, 1)
        waiter?.resolve(message)
      } else {
        this.inbox.push(message)
      }
    })
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))
    })
  }

  /** Opens a connection; rejects with the HTTP status if the upgrade is refused. */
  static connect(url: string, options: ClientOptions = {}): Promise<RawClient> {
    const ws = new WebSocket(url, { perMessageDeflate: false, ...options })
    const client = new RawClient(ws)
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client))
      ws.once('unexpected-response', (_req, res) => {
        reject(new UpgradeRefused(res.statusCode ?? 0))
        ws.terminate()
      })
      ws.once('error', reject)
    })
  }

  /** Sends a message object as JSON, or a string/buffer as is. */
  send(message: object | string | Buffer, options: { binary?: boolean } = {}): void {
    if (typeof message === 'string' || Buffer.isBuffer(message)) this.ws.send(message, options)
    else this.ws.send(JSON.stringify(message))
  }

  /** Takes the first message (buffered or future) matching `predicate`. */
  next<T extends Message = Message>(
    predicate: (m: Message) => boolean = () => true,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<T> {
    const i = this.inbox.findIndex(predicate)
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0] as T)
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve: (m) => {
          clearTimeout(timer)
          resolve(m as T)
        },
      }
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter)
        reject(
          new Error(
            `no matching message within ${timeoutMs} ms; received: ${JSON.stringify(this.received).slice(-2000)}`,
          ),
        )
      }, timeoutMs)
      this.waiters.push(waiter)
    })
  }

  /** Takes the next message of `type` (and, for errors, of `code`). */
  nextOf<T extends Message = Message>(type: string, code?: string, timeoutMs?: number): Promise<T> {
    return this.next<T>((m) => m.type === type && (code === undefined || m.code === code), timeoutMs)
  }

  /** Resolves once a ping carrying `payload` has arrived (its pong, if any, written already). */
  pinged(payload: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    if (this.pings.includes(payload)) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ping ${JSON.stringify(payload)} within ${timeoutMs} ms`)),
        timeoutMs,
      )
      this.pingWaiters.push({
        payload,
        resolve: () => {
          clearTimeout(timer)
          resolve()
        },
      })
    })
  }

  /** Waits for the socket to close. */
  async waitClosed(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Closed> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`socket not closed within ${timeoutMs} ms`)), timeoutMs)
    })
    try {
      return await Promise.race([this.closed, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  close(code?: number): void {
    this.ws.close(code)
  }

  /** Drops the socket without a closing handshake, as a lost network would. */
  drop(): void {
    this.ws.terminate()
  }
}

export class UpgradeRefused extends Error {
  constructor(readonly status: number) {
    super(`upgrade refused with HTTP ${status}`)
  }
}
