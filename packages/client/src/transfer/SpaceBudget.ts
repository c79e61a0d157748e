import { ParleyError } from '../errors.js'
import { nodeModules } from './node/nodeModules.js'

/** What `navigator.storage` offers for {@link SpaceBudget.ofOrigin}. */
export interface StorageEstimator {
  estimate?(): Promise<{ quota?: number; usage?: number }>
}

/**
 * The free space where received files go, shared by the sinks of one accept: each reserves what
 * its file still needs (its size less what is stored already) when it opens, and the one that does
 * not fit fails with DISK_FULL — before the sender sends a byte, instead of after moving gigabytes
 * into a disk or a browser quota that cannot hold them. A snapshot: others writing to the same
 * disk meanwhile can still fill it (a write then fails with DISK_FULL as before).
 */
export class SpaceBudget {
  /** Where the space is, for the error message (a directory, the browser's storage). */
  readonly where: string
  /** Bytes that may be written there. */
  readonly freeBytes: number
  #reserved = 0

  constructor(where: string, freeBytes: number) {
    this.where = where
    this.freeBytes = freeBytes
  }

  /** Node: the space an unprivileged user may use in `dir`'s file system now (statfs). */
  static async of(dir: string): Promise<SpaceBudget> {
    const { fs } = await nodeModules()
    const stat = await fs.statfs(dir)
    return new SpaceBudget(dir, stat.bavail * stat.bsize)
  }

  /**
   * Browsers: what this site may still store (its quota less its usage, per
   * `navigator.storage.estimate()`; a private window's quota is small). Undefined when unknown.
   */
  static async ofOrigin(
    storage: StorageEstimator | undefined = (globalThis as { navigator?: { storage?: StorageEstimator } })
      .navigator?.storage,
  ): Promise<SpaceBudget | undefined> {
    const estimate = await storage?.estimate?.().catch(() => undefined)
    if (estimate?.quota === undefined) return undefined
    return new SpaceBudget("this site's browser storage", Math.max(0, estimate.quota - (estimate.usage ?? 0)))
  }

  /** Bytes reserved so far. */
  get reservedBytes(): number {
    return this.#reserved
  }

  /** Takes `bytes` for `name`; rejects with DISK_FULL (nothing taken) when they do not fit. */
  reserve(bytes: number, name: string): void {
    if (bytes <= 0) return
    if (this.#reserved + bytes > this.freeBytes) {
      throw new ParleyError(
        'DISK_FULL',
        `not enough space in ${this.where} for ${name}: it needs ${size(bytes)}, ${size(this.freeBytes - this.#reserved)} of the ${size(this.freeBytes)} free are left`,
      )
    }
    this.#reserved += bytes
  }
}

function size(bytes: number): string {
  if (bytes < 2 ** 20) return `${bytes} B`
  return bytes < 2 ** 30 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 2 ** 30).toFixed(2)} GiB`
}
