import { StateMachine, type TransitionTable } from '../../StateMachine.js'
import { type OneShotSha256, segmentBuffers } from '../HashList.js'

/**
 * Source of the dedicated worker that hashes `sha256-list` segments for the page. Chromium runs
 * `crypto.subtle.digest` synchronously on the calling thread (measured: the call itself takes the
 * whole ~1.5 ms per MiB), so a page that hashes what it sends or receives would spend that on its
 * main thread. Requests `{ id, bytes }` (the buffer transferred) → replies `{ id, digest, back }`
 * (an ArrayBuffer of 32 bytes, and the request's buffer transferred back for the next segment: on
 * this idle heap it would wait long for a collection) or `{ id, error }`. Kept as a string and
 * started from a Blob URL, so that the SDK needs no bundler configuration.
 */
const DIGEST_WORKER_SOURCE = `
self.onmessage = async (e) => {
  const { id, bytes } = e.data
  try {
    const digest = await crypto.subtle.digest('SHA-256', bytes)
    self.postMessage({ id, digest, back: bytes.buffer }, [digest, bytes.buffer])
  } catch (error) {
    self.postMessage({ id, error: String(error && error.message || error) })
  }
}
`

/** `starting` until the probe answered (digests on the page), then `ready`; `failed` for good. */
const DIGEST_WORKER_STATES = ['starting', 'ready', 'failed'] as const
type DigestWorkerState = (typeof DIGEST_WORKER_STATES)[number]
const TRANSITIONS: TransitionTable<DigestWorkerState> = {
  starting: ['ready', 'failed'],
  ready: ['failed'],
  failed: [],
}

interface Reply {
  readonly id: number
  readonly digest?: ArrayBuffer
  readonly back?: ArrayBuffer
  readonly error?: string
}

/** What DigestWorker needs of a Worker (a fake one in tests). */
export interface DigestWorkerPort {
  postMessage(message: unknown, transfer: Transferable[]): void
  onmessage: ((event: MessageEvent<Reply>) => void) | null
  onerror: ((event: Event) => void) | null
  terminate(): void
}

/**
 * SHA-256 of whole buffers in a dedicated worker, for `OneShotHashList` on a page. Until the
 * worker has answered a first probe digest, and for good if it fails (a Content Security Policy
 * without `worker-src blob:`, no WebCrypto in workers), digests run on the page as before: no
 * buffer is handed to a worker that is not known to work. Replies come in request order.
 */
export class DigestWorker {
  static #shared: DigestWorker | undefined
  readonly #fallback: OneShotSha256
  readonly #pending = new Map<number, { resolve: (d: ArrayBuffer) => void; reject: (e: Error) => void }>()
  #port: DigestWorkerPort | undefined
  readonly #state = new StateMachine<DigestWorkerState>({
    name: 'digest worker',
    initial: 'starting',
    table: TRANSITIONS,
    onChange: () => {},
  })
  #next = 1

  /** The page's shared digest worker (started on first use). */
  static shared(subtle: SubtleCrypto): DigestWorker {
    DigestWorker.#shared ??= new DigestWorker(subtle, startWorker)
    return DigestWorker.#shared
  }

  constructor(subtle: SubtleCrypto, start: () => DigestWorkerPort) {
    this.#fallback = (data) => subtle.digest('SHA-256', data)
    try {
      const port = start()
      this.#port = port
      port.onmessage = (event) => this.#onReply(event.data)
      port.onerror = () => this.#fail(new Error('digest worker failed'))
      this.#post(new Uint8Array(0)).then(
        () => {
          if (this.#state.can('ready')) this.#state.set('ready')
        },
        () => this.#fail(new Error('digest worker probe failed')),
      )
    } catch {
      this.#state.set('failed')
    }
  }

  /** Whether digests go to the worker (false until its probe answered, and after a failure). */
  get inWorker(): boolean {
    return this.#state.state === 'ready'
  }

  /** SHA-256 of `data`, which it owns from now on (transferred to the worker when it is ready). */
  readonly digest: OneShotSha256 = (data) =>
    this.#state.state === 'ready' ? this.#post(data) : this.#fallback(data)

  #post(data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer> {
    const port = this.#port
    if (!port) return this.#fallback(data)
    const id = this.#next++
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      port.postMessage({ id, bytes: data }, [data.buffer])
    })
  }

  #onReply(reply: Reply): void {
    const pending = this.#pending.get(reply.id)
    if (!pending) return
    this.#pending.delete(reply.id)
    if (reply.back) segmentBuffers.give(reply.back)
    if (reply.digest) pending.resolve(reply.digest)
    else pending.reject(new Error(`digest failed in the worker: ${reply.error ?? 'no digest'}`))
  }

  /** The worker is unusable: what it holds fails (the transfer reports it), what comes next runs on the page. */
  #fail(error: Error): void {
    if (this.#state.can('failed')) this.#state.set('failed')
    this.#port?.terminate()
    this.#port = undefined
    for (const pending of this.#pending.values()) pending.reject(error)
    this.#pending.clear()
  }
}

function startWorker(): DigestWorkerPort {
  const url = URL.createObjectURL(new Blob([DIGEST_WORKER_SOURCE], { type: 'text/javascript' }))
  try {
    return new Worker(url, { name: 'parley-digest' }) as unknown as DigestWorkerPort
  } finally {
    URL.revokeObjectURL(url)
  }
}
