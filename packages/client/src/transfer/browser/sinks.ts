import { ParleyError } from '../../errors.js'
import type { FileSink, SinkContext, SinkFactory } from '../FileSink.js'
import type { FileMeta } from '../messages.js'
import { SpaceBudget, type StorageEstimator } from '../SpaceBudget.js'
import { ServiceWorkerDownloadSink } from './download/ServiceWorkerDownloadSink.js'
import type { ServiceWorkerDownloads } from './download/ServiceWorkerDownloads.js'
import { MEMORY_SINK_LIMIT, MemorySink } from './MemorySink.js'
import { OpfsSink } from './OpfsSink.js'

/** Where a browser puts a received file (see {@link chooseBrowserSink}). */
export type BrowserSinkKind = 'opfs' | 'service-worker' | 'memory' | 'none'

/** What the browser offers, for {@link chooseBrowserSink}. */
export interface BrowserStorage {
  /** The origin private file system (with sync access handles in workers) is usable. */
  readonly opfs: boolean
  /** The application's download service worker is registered and active. */
  readonly serviceWorker: boolean
  /** Largest file kept in memory (a Blob). */
  readonly memoryLimit: number
}

/**
 * The browser default, in order:
 * 1. OPFS for files of `memoryLimit` (64 MiB) and more, and for every file of a transfer whose
 *    accepted files together reach it (`transferBytes`, default `size`): on disk, flat memory,
 *    resumes after a reload, and a file completed before a reload is not received again;
 * 2. a service-worker streaming download when OPFS is unavailable (any size): flat memory, straight
 *    into the Downloads folder, no resume after a reload;
 * 3. memory (a Blob) below `memoryLimit`;
 * 4. nothing (`'none'`): a large file with neither OPFS nor the service worker. Never buffers a huge
 *    file in memory.
 * (Writing into a file the person picks — FsAccessSink — is the application's choice, e.g. a
 * "save as" answer to an offer; it is not a default because it needs a user gesture.)
 */
export function chooseBrowserSink(
  size: number,
  storage: BrowserStorage,
  transferBytes = size,
): BrowserSinkKind {
  if (storage.opfs && Math.max(size, transferBytes) >= storage.memoryLimit) return 'opfs'
  if (!storage.opfs && storage.serviceWorker) return 'service-worker'
  if (size < storage.memoryLimit) return 'memory'
  return 'none'
}

export interface BrowserSinkOptions {
  /** The application's registered download service worker (ServiceWorkerDownloads.register()). */
  serviceWorkerDownloads?: ServiceWorkerDownloads | undefined
  /** Use OPFS when the browser has it (default true; false treats it as unavailable). */
  opfs?: boolean
  /** Largest file kept in memory (default MEMORY_SINK_LIMIT, 64 MiB). */
  memoryLimit?: number
  /**
   * Where the site's storage estimate comes from (default `navigator.storage`): the files an
   * accept puts in OPFS must fit what is left of the quota, or the accept fails with DISK_FULL.
   */
  storage?: StorageEstimator
}

/**
 * A SinkFactory that applies {@link chooseBrowserSink} to each file with what this browser offers
 * at that moment. A file nothing can take fails the accept with STORAGE_UNAVAILABLE.
 */
export function createBrowserSinkFactory(options: BrowserSinkOptions = {}): SinkFactory {
  const memoryLimit = options.memoryLimit ?? MEMORY_SINK_LIMIT
  // one estimate of the site's storage per accept (its files share one context), reserved file by file
  const budgets = new WeakMap<SinkContext, Promise<SpaceBudget | undefined>>()
  const spaceFor = (context: SinkContext) => {
    let budget = budgets.get(context)
    if (!budget) {
      budget = SpaceBudget.ofOrigin(options.storage)
      budgets.set(context, budget)
    }
    return budget
  }
  return (file: FileMeta, context?: SinkContext): FileSink | Promise<FileSink> => {
    const downloads = options.serviceWorkerDownloads
    const storage = {
      opfs: options.opfs !== false && OpfsSink.isSupported(),
      serviceWorker: downloads?.available === true,
      memoryLimit,
    }
    const kind = chooseBrowserSink(file.size, storage, context?.transferBytes ?? file.size)
    switch (kind) {
      case 'opfs':
        return context
          ? spaceFor(context).then((space) => new OpfsSink(space ? { space } : {}))
          : new OpfsSink()
      case 'service-worker':
        return new ServiceWorkerDownloadSink(downloads!)
      case 'memory':
        return new MemorySink({ limit: memoryLimit })
      case 'none':
        throw new ParleyError(
          'STORAGE_UNAVAILABLE',
          `${file.name} is too large to be kept in memory, and this browser offers no other place ` +
            '(no origin private file system, no download service worker)',
        )
    }
  }
}

/**
 * The browser default without a download service worker: OPFS for a file or transfer of 64 MiB and
 * more, memory below.
 */
export const browserSinkFactory: SinkFactory = createBrowserSinkFactory()
