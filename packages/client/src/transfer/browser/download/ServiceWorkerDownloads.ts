import { ParleyError } from '../../../errors.js'
import { childLogger, type Logger, silentLogger } from '../../../Logger.js'
import { safeFileName } from '../../fileName.js'
import { DownloadStream } from './DownloadStream.js'
import type { DownloadRequest, KeepAlive } from './protocol.js'

/** The parts of a ServiceWorkerRegistration used here. */
export interface DownloadWorkerRegistration {
  readonly scope: string
  readonly active: { postMessage(message: unknown, transfer: Transferable[]): void } | null
}

export interface ServiceWorkerDownloadsOptions {
  /**
   * Makes the browser request a download URL; returns a function that undoes it (called once the
   * download ended). Default: a hidden iframe navigated to the URL.
   */
  navigate?: (url: string) => () => void
  /** Bytes a download may have sent to the worker and the browser not read yet (default 4 MiB). */
  windowBytes?: number
  /** How long the worker may take to take the port, and the browser to request the URL, ms (default 15 s). */
  startTimeoutMs?: number
  /** How often streaming downloads tell the worker the page is alive, ms (default 10 s). */
  keepAliveMs?: number
  logger?: Logger
}

export interface RegisterOptions extends ServiceWorkerDownloadsOptions {
  /** The worker's scope, which must contain every download URL (e.g. `/_parley/dl/`). */
  scope: string
  /** How long installation and activation may take, ms (default 30 s). */
  activateTimeoutMs?: number
}

interface NavigatorWithServiceWorker {
  serviceWorker?: ServiceWorkerContainer
}

/**
 * Streaming downloads through the application's download service worker (its script:
 * downloadServiceWorkerSource()). `start(file)` makes the browser download a URL the worker
 * answers with a stream fed by the returned DownloadStream: the file goes straight to the person's
 * Downloads folder, never whole in memory. Such a download cannot continue after a reload (the
 * partial file belongs to the browser's download manager); prefer OPFS where it exists.
 */
export class ServiceWorkerDownloads {
  readonly #registration: DownloadWorkerRegistration
  readonly #navigate: (url: string) => () => void
  readonly #windowBytes: number
  readonly #startTimeoutMs: number
  readonly #keepAliveMs: number
  readonly #logger: Logger
  readonly #streams = new Set<DownloadStream>()
  readonly #onPageHide = () => this.#abortAll('the page was closed')
  #keepAlive: ReturnType<typeof setInterval> | undefined
  #closed = false

  /** Whether this page can register service workers (a secure context with the API). */
  static isSupported(): boolean {
    const g = globalThis as { isSecureContext?: boolean; navigator?: NavigatorWithServiceWorker }
    return g.isSecureContext === true && g.navigator?.serviceWorker !== undefined
  }

  /**
   * Registers the download worker served at `scriptUrl` for `options.scope` and waits until it is
   * active. Rejects with STORAGE_UNAVAILABLE where service workers are unavailable (insecure page,
   * private mode of some browsers) or the script fails to install.
   */
  static async register(scriptUrl: string, options: RegisterOptions): Promise<ServiceWorkerDownloads> {
    const container = (globalThis as { navigator?: NavigatorWithServiceWorker }).navigator?.serviceWorker
    if (!ServiceWorkerDownloads.isSupported() || !container) {
      throw new ParleyError('STORAGE_UNAVAILABLE', 'service workers are not available on this page')
    }
    let registration: ServiceWorkerRegistration
    try {
      registration = await container.register(scriptUrl, { scope: options.scope })
      await activated(registration, options.activateTimeoutMs ?? 30_000)
    } catch (error) {
      throw new ParleyError(
        'STORAGE_UNAVAILABLE',
        `the download service worker did not start: ${String(error)}`,
        {
          cause: error,
        },
      )
    }
    return new ServiceWorkerDownloads(registration, options)
  }

  constructor(registration: DownloadWorkerRegistration, options: ServiceWorkerDownloadsOptions = {}) {
    this.#registration = registration
    this.#navigate = options.navigate ?? navigateHiddenFrame
    this.#windowBytes = options.windowBytes ?? 4 * 1024 * 1024
    this.#startTimeoutMs = options.startTimeoutMs ?? 15_000
    this.#keepAliveMs = options.keepAliveMs ?? 10_000
    this.#logger = childLogger(options.logger ?? silentLogger, { component: 'sw-downloads' })
    globalThis.addEventListener?.('pagehide', this.#onPageHide)
  }

  /** True while the worker is active and this object is not closed. */
  get available(): boolean {
    return !this.#closed && this.#registration.active !== null
  }

  /** Downloads in progress. */
  get active(): number {
    return this.#streams.size
  }

  /**
   * Starts the download of `file` (named by safeFileName, Content-Length = `size` when ≥ 0) and
   * resolves with its stream once the browser requested it. Rejects with WRITE_FAILED if the
   * worker is missing or the download does not start in time.
   */
  async start(file: { readonly name: string; readonly size: number }): Promise<DownloadStream> {
    const worker = this.#registration.active
    if (this.#closed || !worker) {
      throw new ParleyError('WRITE_FAILED', 'the download service worker is not active')
    }
    const id = randomId()
    const name = safeFileName(file.name)
    const channel = new MessageChannel()
    let undo: (() => void) | undefined
    const stream = new DownloadStream(id, channel.port1, {
      windowBytes: this.#windowBytes,
      onSettled: (s) => {
        this.#streams.delete(s)
        this.#updateKeepAlive()
        // let the browser finish with the frame's navigation before removing it
        if (undo) setTimeout(undo, 1_000)
      },
    })
    const request: DownloadRequest = {
      t: 'parley-download',
      v: 1,
      id,
      name,
      size: Number.isSafeInteger(file.size) && file.size >= 0 ? file.size : -1,
    }
    try {
      worker.postMessage(request, [channel.port2])
      await within(stream.registered(), this.#startTimeoutMs, 'the download service worker did not answer')
      this.#streams.add(stream)
      this.#updateKeepAlive()
      undo = this.#navigate(`${this.#registration.scope}${id}/${encodeURIComponent(name)}`)
      await within(stream.started(), this.#startTimeoutMs, 'the browser did not start the download')
    } catch (error) {
      stream.abort('the download did not start')
      throw new ParleyError('WRITE_FAILED', `cannot start the download of ${name}: ${messageOf(error)}`, {
        cause: error,
      })
    }
    this.#logger.info({ id, size: file.size }, 'download started')
    return stream
  }

  /** Aborts every download in progress and stops. Idempotent. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    globalThis.removeEventListener?.('pagehide', this.#onPageHide)
    this.#abortAll('closed')
  }

  #abortAll(reason: string): void {
    for (const stream of [...this.#streams]) stream.abort(reason)
  }

  #updateKeepAlive(): void {
    if (this.#streams.size === 0) {
      clearInterval(this.#keepAlive)
      this.#keepAlive = undefined
      return
    }
    this.#keepAlive ??= setInterval(() => {
      const message: KeepAlive = { t: 'parley-keepalive', ids: [...this.#streams].map((s) => s.id) }
      this.#registration.active?.postMessage(message, [])
    }, this.#keepAliveMs)
  }
}

/** Default navigate(): a hidden iframe (a navigation the worker can answer; the attachment makes it a download). */
function navigateHiddenFrame(url: string): () => void {
  const frame = document.createElement('iframe')
  frame.hidden = true
  frame.setAttribute('aria-hidden', 'true')
  frame.src = url
  document.body.append(frame)
  return () => frame.remove()
}

async function activated(registration: ServiceWorkerRegistration, timeoutMs: number): Promise<void> {
  const worker = registration.installing ?? registration.waiting ?? registration.active
  if (!worker) throw new Error('no service worker in the registration')
  if (worker.state === 'activated') return
  await within(
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (worker.state === 'activated') resolve()
        else if (worker.state === 'redundant') reject(new Error('the service worker became redundant'))
      }
      worker.addEventListener('statechange', check)
      check()
    }),
    timeoutMs,
    'the service worker did not activate',
  )
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ParleyError('TIMEOUT', `${what} within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** 128 random bits, base64url (22 characters). */
function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
