import { ParleyError } from '../../errors.js'
import { nodeModules } from './nodeModules.js'

/**
 * The free space of a directory's file system, shared by the sinks of one accept: each reserves
 * what its file still needs (its size less what is stored already) when it opens, and the one that
 * does not fit fails with DISK_FULL — before the sender sends a byte, instead of after moving
 * gigabytes into a disk that cannot hold them. A snapshot: others writing to the same disk
 * meanwhile can still fill it (a write then fails with DISK_FULL as before).
 */
export class SpaceBudget {
  readonly dir: string
  /** Bytes this process may write there (what an unprivileged user may use). */
  readonly freeBytes: number
  #reserved = 0

  constructor(dir: string, freeBytes: number) {
    this.dir = dir
    this.freeBytes = freeBytes
  }

  /** The budget of `dir`'s file system now (statfs). */
  static async of(dir: string): Promise<SpaceBudget> {
    const { fs } = await nodeModules()
    const stat = await fs.statfs(dir)
    return new SpaceBudget(dir, stat.bavail * stat.bsize)
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
        `not enough space in ${this.dir} for ${name}: it needs ${size(bytes)}, ${size(this.freeBytes - this.#reserved)} of the ${size(this.freeBytes)} free are left`,
      )
    }
    this.#reserved += bytes
  }
}

function size(bytes: number): string {
  if (bytes < 2 ** 20) return `${bytes} B`
  return bytes < 2 ** 30 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 2 ** 30).toFixed(2)} GiB`
}
