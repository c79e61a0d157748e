import type { FileSink } from '../../FileSink.js'
import type { FileMeta } from '../../messages.js'
import type { DownloadStream } from './DownloadStream.js'
import type { ServiceWorkerDownloads } from './ServiceWorkerDownloads.js'

/**
 * Streams a received file into the browser's Downloads as it arrives, through the download
 * service worker: the download starts when the file is accepted, write() waits while the browser
 * is behind (flat memory for any size), complete() ends it, discard() (cancel, integrity failure)
 * makes the browser mark it failed. Nothing survives a reload: the sink always starts at 0, and
 * close() — which for other sinks keeps the partial data — also fails the download.
 */
export class ServiceWorkerDownloadSink implements FileSink {
  /** The download is the save: there is nothing to save afterwards. */
  readonly savedAsDownload = true
  readonly #downloads: ServiceWorkerDownloads
  #stream: DownloadStream | undefined

  constructor(downloads: ServiceWorkerDownloads) {
    this.#downloads = downloads
  }

  async open(file: FileMeta): Promise<number> {
    this.#stream = await this.#downloads.start({ name: file.name, size: file.size })
    return 0
  }

  async readBack(): Promise<Uint8Array> {
    return new Uint8Array(0)
  }

  /** Hands the chunk to the worker (transferred, not copied: the engine does not reuse it). */
  async write(chunk: Uint8Array): Promise<void> {
    await this.#stream!.write(chunk)
  }

  /** Nothing is durable before the end: a reload loses the download. */
  async checkpoint(): Promise<void> {}

  async complete(): Promise<void> {
    await this.#stream?.end()
  }

  async discard(): Promise<void> {
    this.#stream?.abort('discarded')
  }

  async close(): Promise<void> {
    this.#stream?.abort('closed before the end')
  }
}
