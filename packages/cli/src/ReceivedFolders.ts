import { lstat, mkdir, rmdir } from 'node:fs/promises'
import { join } from 'node:path'
import { DirectoryListing, folderPrefixes } from '@parley/client'
import { CliError, Exit } from './exit.js'

/**
 * The folders an offer's files go in under the output directory (`photos/2024/a.jpg` goes in
 * `photos` and `photos/2024`): made before the accept, shared as one listing each, and those this
 * receive made removed again if they stay empty (a transfer declined, cancelled or failed). A folder
 * there already is used as it is: its files are checked as any other (no overwrite without --force).
 */
export class ReceivedFolders {
  readonly #out: string
  /** Folders this receive made, outermost first. */
  readonly #made: string[] = []
  readonly #listings = new Map<string, DirectoryListing>()

  constructor(out: string) {
    this.#out = out
  }

  /**
   * Makes the folders of `paths` (relative, made safe, `/` between folders), for an offer: its
   * files' listings are taken afresh (an offer repeated after a loss finds the partial files the
   * first one left).
   */
  async make(paths: readonly string[]): Promise<void> {
    this.#listings.clear()
    const folders = [...new Set(paths.flatMap(folderPrefixes))].sort()
    for (const folder of folders) {
      const path = join(this.#out, folder)
      try {
        await mkdir(path)
        this.#made.push(path)
      } catch (error) {
        const code = (error as { code?: string }).code
        if (code === 'EEXIST' && (await lstat(path)).isDirectory()) continue
        const why =
          code === 'EEXIST'
            ? 'something that is not a folder has its name'
            : code === 'ENOSPC'
              ? 'the disk is full'
              : (code ?? String(error))
        throw new CliError(Exit.WRITE_FAILED, `cannot make the folder ${path}: ${why}`, { cause: error })
      }
    }
  }

  /** The folder a file of relative path `path` goes in, and its listing (one per folder and offer). */
  folderOf(path: string): { dir: string; name: string; listing: DirectoryListing } {
    const slash = path.lastIndexOf('/')
    const dir = slash < 0 ? this.#out : join(this.#out, path.slice(0, slash))
    let listing = this.#listings.get(dir)
    if (!listing) {
      listing = DirectoryListing.of(dir)
      this.#listings.set(dir, listing)
    }
    return { dir, name: path.slice(slash + 1), listing }
  }

  /** Removes the folders this receive made that hold nothing, innermost first. Never throws. */
  async removeEmpty(): Promise<void> {
    for (const path of this.#made.reverse()) await rmdir(path).catch(() => {})
    this.#made.length = 0
  }
}
