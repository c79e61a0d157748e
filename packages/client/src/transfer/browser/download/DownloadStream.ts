import { ParleyError } from '../../../errors.js'
import { CreditWindow } from './CreditWindow.js'
import type { PageMessage, WorkerMessage } from './protocol.js'

/**
 * `registering` → `registered` (the worker holds the port) → `streaming` (the browser requested
 * the download) → `ending` (end() sent) → `closed` (every byte handed to the browser); or
 * `aborted` (abort() here) / `failed` (the worker or the browser ended it).
 */
export type DownloadStreamState =
  | 'registering'
  | 'registered'
  | 'streaming'
  | 'ending'
  | 'closed'
  | 'aborted'
  | 'failed'

interface Deferred {
  readonly promise: Promise<void>
  resolve(): void
  reject(error: unknown): void
}

function deferred(): Deferred {
  let resolve!: () => void
  let reject!: (error: unknown) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  promise.catch(() => {}) // observed by whoever awaits it; never an unhandled rejection
  return { promise, resolve, reject }
}

/**
 * The page side of one streaming download: sends the file's bytes to the download service worker
 * over a MessagePort, at most `windowBytes` ahead of what the browser has read (write() waits for
 * room), so memory stays flat for any file size.
 */
export class DownloadStream {
  readonly id: string
  readonly #port: MessagePort
  readonly #window: CreditWindow
  readonly #onSettled: (stream: DownloadStream) => void
  readonly #registered = deferred()
  readonly #started = deferred()
  readonly #closed = deferred()
  #state: DownloadStreamState = 'registering'
  #failure: ParleyError | undefined
  #bytes = 0

  constructor(
    id: string,
    port: MessagePort,
    options: { windowBytes: number; onSettled?: (stream: DownloadStream) => void },
  ) {
    this.id = id
    this.#port = port
    this.#window = new CreditWindow(options.windowBytes)
    this.#onSettled = options.onSettled ?? (() => {})
    port.onmessage = (event: MessageEvent) => this.#onMessage(event.data as WorkerMessage)
    // Chromium fires `close` when the other end goes away (the worker was stopped).
    port.addEventListener('close', () =>
      this.#fail(new ParleyError('WRITE_FAILED', 'the download service worker stopped')),
    )
  }

  get state(): DownloadStreamState {
    return this.#state
  }

  /** Bytes handed to write() so far. */
  get bytes(): number {
    return this.#bytes
  }

  /** Bytes sent and not yet read by the browser. */
  get inFlight(): number {
    return this.#window.inFlight
  }

  /** Resolves when the worker holds the port (or rejects when the stream ends first). */
  registered(): Promise<void> {
    return this.#registered.promise
  }

  /** Resolves when the browser requested the download (or rejects when the stream ends first). */
  started(): Promise<void> {
    return this.#started.promise
  }

  /**
   * Sends `chunk` (its buffer is transferred to the worker: do not reuse it) once it fits in the
   * window. Rejects with the stream's failure: CANCELLED when the download was cancelled in the
   * browser, WRITE_FAILED when the worker failed it.
   */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.#failure) throw this.#failure
    if (this.#state !== 'streaming') {
      throw new ParleyError('INVALID_ARGUMENT', `cannot write to a download that is ${this.#state}`)
    }
    if (chunk.byteLength === 0) return
    const whole =
      chunk.byteOffset === 0 &&
      chunk.byteLength === chunk.buffer.byteLength &&
      chunk.buffer instanceof ArrayBuffer
    const buffer = whole ? (chunk.buffer as ArrayBuffer) : chunk.slice().buffer
    await this.#window.acquire(buffer.byteLength)
    if (this.#failure) throw this.#failure
    this.#bytes += buffer.byteLength
    this.#post({ t: 'chunk', bytes: buffer }, [buffer])
  }

  /** No more bytes: resolves once the browser has read every byte (the download completes). */
  async end(): Promise<void> {
    if (this.#failure) throw this.#failure
    if (this.#state === 'streaming') {
      this.#state = 'ending'
      this.#post({ t: 'end' })
    }
    await this.#closed.promise
  }

  /** Fails the download in the browser (the partial download is not kept). Idempotent. */
  abort(reason = 'aborted'): void {
    if (this.#isOver()) return
    this.#post({ t: 'abort', reason })
    this.#end('aborted', new ParleyError('CANCELLED', `the download was stopped: ${reason}`))
  }

  #onMessage(message: WorkerMessage): void {
    if (this.#isOver()) return
    switch (message?.t) {
      case 'registered':
        if (this.#state === 'registering') this.#state = 'registered'
        this.#registered.resolve()
        return
      case 'started':
        if (this.#state === 'registering' || this.#state === 'registered') this.#state = 'streaming'
        this.#registered.resolve()
        this.#started.resolve()
        return
      case 'ack':
        try {
          this.#window.release(message.bytes)
        } catch (error) {
          this.#post({ t: 'abort', reason: 'protocol error' })
          this.#fail(error as ParleyError)
        }
        return
      case 'closed':
        this.#end('closed', undefined)
        return
      case 'cancelled':
        this.#fail(new ParleyError('CANCELLED', 'the download was cancelled in the browser'))
        return
      case 'failed':
        this.#fail(new ParleyError('WRITE_FAILED', `the download failed: ${message.reason}`))
        return
      default:
        this.abort('unexpected message from the download service worker')
    }
  }

  #fail(error: ParleyError): void {
    if (this.#isOver()) return
    this.#end('failed', error)
  }

  #isOver(): boolean {
    return this.#state === 'closed' || this.#state === 'aborted' || this.#state === 'failed'
  }

  #end(state: 'closed' | 'aborted' | 'failed', error: ParleyError | undefined): void {
    this.#state = state
    if (error) {
      this.#failure = error
      this.#window.fail(error)
      this.#registered.reject(error)
      this.#started.reject(error)
      this.#closed.reject(error)
    } else {
      this.#closed.resolve()
    }
    this.#port.onmessage = null
    this.#port.close()
    this.#onSettled(this)
  }

  #post(message: PageMessage, transfer: Transferable[] = []): void {
    this.#port.postMessage(message, transfer)
  }
}
