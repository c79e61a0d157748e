/**
 * The download service worker in Node, for unit tests: a fake ServiceWorkerGlobalScope (event
 * listeners, registration scope) with the worker installed — from its function or by evaluating its
 * generated source — real MessageChannels between page and worker, and a navigate() that delivers
 * the download request to the worker's fetch handler and keeps the Response it answers.
 */
import {
  createChunkQueue,
  type DownloadWorkerConfig,
  type DownloadWorkerScope,
  downloadServiceWorkerSource,
  installDownloadWorker,
  ServiceWorkerDownloads,
  type ServiceWorkerDownloadsOptions,
} from '../../src/index.js'
import { contentDisposition } from '../../src/transfer/browser/download/contentDisposition.js'

export const SCOPE = 'http://localhost:8080/_parley/dl/'

type Listener = (event: unknown) => void

export interface FakeWorker {
  readonly downloads: ServiceWorkerDownloads
  /** Dispatches a fetch for `url` to the worker; resolves with its answer (undefined: not handled). */
  fetch(url: string, method?: string): Promise<Response | undefined>
  /** The responses to the downloads navigate() started, in order. */
  readonly responses: Promise<Response>[]
  /** Largest number of bytes any download's worker queue held. */
  readonly maxQueued: () => number
  /** Sends a global message to the worker (e.g. a keep-alive). */
  message(data: unknown, ports?: MessagePort[]): void
}

export interface FakeWorkerOptions extends ServiceWorkerDownloadsOptions {
  /** Install from the generated script text instead of the function. */
  fromSource?: boolean
  config?: Partial<DownloadWorkerConfig>
}

export function fakeDownloadWorker(options: FakeWorkerOptions = {}): FakeWorker {
  const listeners = new Map<string, Listener[]>()
  const scope = {
    registration: { scope: SCOPE },
    skipWaiting: async () => {},
    addEventListener(type: string, listener: Listener) {
      listeners.set(type, [...(listeners.get(type) ?? []), listener])
    },
  }
  let maxQueued = 0
  const observedQueue = () => {
    const queue = createChunkQueue()
    return {
      get bytes() {
        return queue.bytes
      },
      push(chunk: Uint8Array) {
        queue.push(chunk)
        maxQueued = Math.max(maxQueued, queue.bytes)
      },
      end: () => queue.end(),
      fail: (reason: unknown) => queue.fail(reason),
      next: () => queue.next(),
    }
  }
  const config = { requestTimeoutMs: 5_000, idleTimeoutMs: 5_000, ...options.config }
  if (options.fromSource) {
    const source = downloadServiceWorkerSource(config)
    new Function('self', source)(scope)
  } else {
    installDownloadWorker(
      scope as DownloadWorkerScope,
      { contentDisposition, createChunkQueue: observedQueue },
      config,
    )
  }
  const dispatch = (type: string, event: unknown) => {
    for (const l of listeners.get(type) ?? []) l(event)
  }
  const message = (data: unknown, ports: MessagePort[] = []) => dispatch('message', { data, ports })
  const fetch = (url: string, method = 'GET'): Promise<Response | undefined> => {
    let answer: Promise<Response> | undefined
    dispatch('fetch', {
      request: { url, method },
      respondWith: (r: Response | Promise<Response>) => {
        answer = Promise.resolve(r)
      },
    })
    return answer ?? Promise.resolve(undefined)
  }
  const responses: Promise<Response>[] = []
  const downloads = new ServiceWorkerDownloads(
    {
      scope: SCOPE,
      active: {
        postMessage: (data: unknown, transfer: Transferable[]) =>
          // like a real postMessage: delivered asynchronously
          setTimeout(() =>
            message(
              data,
              transfer.filter((t): t is MessagePort => t instanceof MessagePort),
            ),
          ),
      },
    },
    {
      navigate: (url) => {
        responses.push(
          fetch(url).then((r) => {
            if (!r) throw new Error(`the worker did not answer ${url}`)
            return r
          }),
        )
        return () => {}
      },
      windowBytes: 1024 * 1024,
      ...options,
    },
  )
  return { downloads, fetch, responses, maxQueued: () => maxQueued, message }
}

/** Reads a whole body. */
export async function readAll(body: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  const reader = body.getReader()
  for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(r.value)
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}
