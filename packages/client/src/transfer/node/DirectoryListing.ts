import { PART_SUFFIX, SIDECAR_SUFFIX } from './NodeFileSink.js'
import { nodeModules } from './nodeModules.js'

/**
 * The names in a receiving directory, read once (one `readdir`) for the sinks of one accept, and
 * its write permission, checked once. A sink whose name has no file, partial file or sidecar in
 * the listing skips looking for each of them: three lookups per file, a third of the file-system
 * calls of accepting thousands of small files. Names are compared without case (a directory may
 * not tell `A.txt` from `a.txt`): any look-alike sends the sink to its own lookups.
 *
 * A listing is a snapshot: a file that appears after it is still never replaced, since a sink
 * completes by linking its partial file to the name, which fails when the name is taken.
 */
export class DirectoryListing {
  readonly dir: string
  #names: Promise<ReadonlySet<string> | undefined> | undefined
  #writable: Promise<void> | undefined

  private constructor(dir: string) {
    this.dir = dir
  }

  /** A listing of `dir`, read at its first use. */
  static of(dir: string): DirectoryListing {
    return new DirectoryListing(dir)
  }

  /**
   * True when neither `name`, its partial file nor its sidecar was in the directory (false too
   * when the directory could not be read: the sink then looks for itself).
   */
  async isFresh(name: string): Promise<boolean> {
    const names = await this.#read()
    if (!names) return false
    const lower = name.toLowerCase()
    return !names.has(lower) && !names.has(lower + PART_SUFFIX) && !names.has(lower + SIDECAR_SUFFIX)
  }

  /** Resolves when the directory takes new files; rejects with the file system's error otherwise. */
  writable(): Promise<void> {
    this.#writable ??= (async () => {
      const { fs } = await nodeModules()
      await fs.access(this.dir, fs.constants.W_OK | fs.constants.X_OK)
    })()
    return this.#writable
  }

  #read(): Promise<ReadonlySet<string> | undefined> {
    this.#names ??= (async () => {
      const { fs } = await nodeModules()
      try {
        return new Set((await fs.readdir(this.dir)).map((n) => n.toLowerCase()))
      } catch {
        return undefined
      }
    })()
    return this.#names
  }
}
