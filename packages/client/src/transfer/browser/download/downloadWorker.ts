import type { ChunkQueue } from './chunkQueue.js'
import type { WorkerMessage } from './protocol.js'

/** The parts of a ServiceWorkerGlobalScope the download worker uses (typed here: the SDK's lib is DOM). */
export interface DownloadWorkerScope {
  readonly registration: { readonly scope: string }
  skipWaiting(): Promise<void>
  addEventListener(type: 'install', listener: () => void): void
  addEventListener(type: 'message', listener: (event: WorkerMessageEvent) => void): void
  addEventListener(type: 'fetch', listener: (event: WorkerFetchEvent) => void): void
}

export interface WorkerMessageEvent {
  readonly data: unknown
  readonly ports: readonly MessagePort[]
}

export interface WorkerFetchEvent {
  readonly request: { readonly url: string; readonly method: string }
  respondWith(response: Response | Promise<Response>): void
}

/** The helpers the worker is given (separate functions, embedded in its source as arguments). */
export interface DownloadWorkerHelpers {
  readonly contentDisposition: (name: string) => string
  readonly createChunkQueue: () => ChunkQueue
}

export interface DownloadWorkerConfig {
  /** A registered download whose request does not come within this is forgotten, ms. */
  readonly requestTimeoutMs: number
  /**
   * A streaming download whose page sent nothing (no chunk, no keep-alive) for this long is failed,
   * ms: the page was closed or reloaded without saying so.
   */
  readonly idleTimeoutMs: number
}

/**
 * The download service worker: answers a request for `<scope><id>/<name>` with a streamed
 * attachment whose bytes the page sends through the MessagePort registered under `id` (protocol:
 * ./protocol.ts). Only URLs under the worker's scope are touched; every other request goes to the
 * network as usual.
 *
 * Self-contained (no reference outside its body; helpers come as arguments): its source is the
 * worker script, see downloadServiceWorkerSource().
 */
export function installDownloadWorker(
  scope: DownloadWorkerScope,
  helpers: DownloadWorkerHelpers,
  config: DownloadWorkerConfig,
): void {
  const ID = /^[A-Za-z0-9_-]{16,64}$/
  const MAX_NAME = 1024
  interface Registered {
    readonly port: MessagePort
    readonly name: string
    readonly size: number
    readonly timer: ReturnType<typeof setTimeout>
  }
  const registered = new Map<string, Registered>()
  const streaming = new Map<string, () => void>()
  const send = (port: MessagePort, message: WorkerMessage) => port.postMessage(message)

  scope.addEventListener('install', () => {
    void scope.skipWaiting()
  })

  scope.addEventListener('message', (event) => {
    const data = event.data as Record<string, unknown> | null
    if (typeof data !== 'object' || data === null) return
    if (data.t === 'parley-keepalive') {
      if (Array.isArray(data.ids)) for (const id of data.ids) streaming.get(String(id))?.()
      return
    }
    if (data.t !== 'parley-download') return
    const port = event.ports[0]
    if (!port) return
    const { id, name, size } = data
    if (
      data.v !== 1 ||
      typeof id !== 'string' ||
      !ID.test(id) ||
      registered.has(id) ||
      streaming.has(id) ||
      typeof name !== 'string' ||
      name.length === 0 ||
      name.length > MAX_NAME ||
      typeof size !== 'number' ||
      !Number.isSafeInteger(size) ||
      size < -1
    ) {
      send(port, { t: 'failed', reason: 'invalid download request' })
      port.close()
      return
    }
    const timer = setTimeout(() => {
      if (registered.get(id)?.port !== port) return
      registered.delete(id)
      send(port, { t: 'failed', reason: 'the download was not requested in time' })
      port.close()
    }, config.requestTimeoutMs)
    registered.set(id, { port, name, size, timer })
    send(port, { t: 'registered' })
  })

  scope.addEventListener('fetch', (event) => {
    const base = new URL(scope.registration.scope)
    const url = new URL(event.request.url)
    if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) return
    const id = url.pathname.slice(base.pathname.length).split('/')[0] ?? ''
    const entry = registered.get(id)
    if (!entry || event.request.method !== 'GET') {
      event.respondWith(
        new Response('This download is not available (any more).\n', {
          status: 404,
          headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
        }),
      )
      return
    }
    registered.delete(id)
    clearTimeout(entry.timer)
    event.respondWith(respond(id, entry))
  })

  function respond(id: string, entry: Registered): Response {
    const { port } = entry
    const queue = helpers.createChunkQueue()
    let controller: ReadableStreamDefaultController<Uint8Array> | undefined
    let state: 'open' | 'ended' | 'finished' = 'open'
    let idle: ReturnType<typeof setTimeout> | undefined

    // The port is left to the page to close: closing it here could reach the page before the
    // last message (the page treats a closed port as a stopped worker).
    const finish = () => {
      state = 'finished'
      clearTimeout(idle)
      streaming.delete(id)
      port.onmessage = null
    }
    /** Errors the stream: the browser marks the download failed. */
    const fail = (reason: string, tell: WorkerMessage | undefined) => {
      if (state === 'finished') return
      const error = new Error(reason)
      queue.fail(error)
      try {
        controller?.error(error)
      } catch {
        // already closed or errored
      }
      if (tell) send(port, tell)
      finish()
    }
    const touch = () => {
      if (state === 'finished') return
      clearTimeout(idle)
      idle = setTimeout(() => {
        const reason = 'the page stopped sending (closed or reloaded)'
        fail(reason, { t: 'failed', reason })
      }, config.idleTimeoutMs)
    }
    streaming.set(id, touch)
    touch()

    port.onmessage = (event: MessageEvent) => {
      const m = event.data as { t?: unknown; bytes?: unknown; reason?: unknown } | null
      touch()
      if (m?.t === 'chunk' && m.bytes instanceof ArrayBuffer && state === 'open') {
        queue.push(new Uint8Array(m.bytes))
      } else if (m?.t === 'end' && state === 'open') {
        state = 'ended'
        queue.end()
      } else if (m?.t === 'abort') {
        fail(typeof m.reason === 'string' ? m.reason : 'aborted', undefined)
      } else {
        const reason = `unexpected message from the page: ${String(m?.t)}`
        fail(reason, { t: 'failed', reason })
      }
    }

    const body = new ReadableStream<Uint8Array>(
      {
        start(c) {
          controller = c
        },
        // Called when the browser reads (high-water mark 0: nothing is pulled ahead of it).
        async pull(c) {
          const chunk = await queue.next()
          if (state === 'finished') return
          if (chunk === null) {
            c.close()
            send(port, { t: 'closed' })
            finish()
            return
          }
          c.enqueue(chunk)
          send(port, { t: 'ack', bytes: chunk.byteLength })
        },
        cancel(reason) {
          if (state === 'finished') return
          queue.fail(reason)
          send(port, { t: 'cancelled', reason: String(reason ?? 'cancelled') })
          finish()
        },
      },
      { highWaterMark: 0 },
    )
    const headers: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': helpers.contentDisposition(entry.name),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    }
    if (entry.size >= 0) headers['Content-Length'] = String(entry.size)
    send(port, { t: 'started' })
    return new Response(body, { headers })
  }
}
