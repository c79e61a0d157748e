import { ParleyError } from '../../../errors.js'
import type { FileSink } from '../../FileSink.js'
import type { FileMeta } from '../../messages.js'
import { WriteGatherer } from '../../WriteGatherer.js'
import type { DownloadStream } from './DownloadStream.js'
import type { ServiceWorkerDownloads } from './ServiceWorkerDownloads.js'

/**
 * Bytes gathered into one message to the download worker: a postMessage costs the page about the
 * same whatever its size, and browsers receive 64 KiB messages (see WriteGatherer).
 */
export const DOWNLOAD_CHUNK_BYTES = 1024 * 1024

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
  /**
   * Chunks gathered 1 MiB at a time; a message waits for room in the stream's window (4 MiB by
   * default) before it is posted, so one pending is enough to keep the window full.
   */
  readonly #writes = new WriteGatherer(
    {
      take: () => new Uint8Array(DOWNLOAD_CHUNK_BYTES),
      // transferred, not copied (DownloadStream copies a view of a larger buffer first)
      put: (_at, bytes) => this.#stream!.write(bytes),
    },
    {
      stageBytes: DOWNLOAD_CHUNK_BYTES,
      maxInFlight: 1,
      toError: (error) =>
        error instanceof ParleyError
          ? error
          : new ParleyError('WRITE_FAILED', 'the download failed', { cause: error }),
    },
  )

  constructor(downloads: ServiceWorkerDownloads) {
    this.#downloads = downloads
  }

  async open(file: FileMeta): Promise<number> {
    this.#stream = await this.#downloads.start({ name: file.name, size: file.size })
    this.#writes.reset(0, file.size)
    return 0
  }

  async readBack(): Promise<Uint8Array> {
    return new Uint8Array(0)
  }

  /**
   * Gathers the chunk into the 1 MiB message being filled, posted to the worker (transferred, not
   * copied) once full and once the window has room; a chunk of 1 MiB or more goes as it is.
   */
  async write(chunk: Uint8Array): Promise<void> {
    await this.#writes.write(chunk)
  }

  /** Nothing is durable before the end: a reload loses the download. */
  async checkpoint(): Promise<void> {}

  async complete(): Promise<void> {
    await this.#writes.drain()
    await this.#stream?.end()
  }

  async discard(): Promise<void> {
    this.#writes.drop()
    this.#stream?.abort('discarded')
  }

  async close(): Promise<void> {
    this.#writes.drop()
    this.#stream?.abort('closed before the end')
  }
}
