/**
 * Buffers the JSON messages a benchmark client receives during its handshake, so that a message that
 * arrives before anyone waits for it (a `peer-joined` while the other client is still joining) is not lost.
 */
import type { WebSocket } from 'ws'

export type JsonMessage = { readonly [key: string]: unknown }

interface Waiter {
  readonly accept: (message: JsonMessage) => boolean
  readonly resolve: (message: JsonMessage) => void
  readonly reject: (error: Error) => void
  readonly timer: NodeJS.Timeout
}

export class Inbox {
  readonly #queue: JsonMessage[] = []
  #waiter: Waiter | undefined
  #failure: Error | undefined
  readonly #onMessage = (data: unknown) => {
    let message: JsonMessage
    try {
      message = JSON.parse(String(data)) as JsonMessage
    } catch {
      this.#fail(new Error(`non-JSON frame: ${String(data).slice(0, 80)}`))
      return
    }
    const waiter = this.#waiter
    if (waiter?.accept(message)) {
      this.#settle()
      waiter.resolve(message)
    } else this.#queue.push(message)
  }
  readonly #onClose = (code: number, reason: Buffer) =>
    this.#fail(new Error(`closed ${code} ${reason.toString()}`.trim()))
  readonly #onError = (error: Error) => this.#fail(error)

  constructor(readonly socket: WebSocket) {
    socket.on('message', this.#onMessage)
    socket.on('close', this.#onClose)
    socket.on('error', this.#onError)
  }

  /**
   * The first message (queued or coming) that `accept` takes; messages before it stay queued.
   * `isFailure` turns an unexpected message (an error reply) into a rejection.
   */
  next(
    accept: (message: JsonMessage) => boolean,
    isFailure: (message: JsonMessage) => boolean = () => false,
    timeoutMs = 20_000,
  ): Promise<JsonMessage> {
    const failure = this.#queue.find(isFailure)
    if (failure) return Promise.reject(new Error(`server replied ${JSON.stringify(failure)}`))
    const index = this.#queue.findIndex(accept)
    if (index >= 0) return Promise.resolve(this.#queue.splice(index, 1)[0] as JsonMessage)
    if (this.#failure) return Promise.reject(this.#failure)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#settle()
        reject(new Error(`no expected message within ${timeoutMs} ms`))
      }, timeoutMs)
      this.#waiter = {
        accept: (message) => {
          if (isFailure(message)) {
            this.#settle()
            reject(new Error(`server replied ${JSON.stringify(message)}`))
            return false
          }
          return accept(message)
        },
        resolve,
        reject,
        timer,
      }
    })
  }

  /** Stops listening; the socket is handed over to the load loop. */
  detach(): void {
    this.socket.off('message', this.#onMessage)
    this.socket.off('close', this.#onClose)
    this.socket.off('error', this.#onError)
  }

  #settle(): void {
    if (this.#waiter) clearTimeout(this.#waiter.timer)
    this.#waiter = undefined
  }

  #fail(error: Error): void {
    this.#failure ??= error
    const waiter = this.#waiter
    this.#settle()
    waiter?.reject(error)
  }
}
