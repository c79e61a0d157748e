/**
 * Housekeeping of the origin private file system directory where OpfsSink stores received files.
 * Nothing else deletes them: a completed file stays there until its page saved it (the download
 * reads it from there), and a partial one stays for a resume after a reload. A page that is gone
 * leaves both behind, and the origin's quota fills up. So:
 * - each OpfsSink holds a shared Web Lock on its entry while its page may still use it (from
 *   `open` until `discard`, `remove`, `close` of a partial, or the page's end);
 * - {@link cleanUpOpfsTransfers} (the web app runs it at start) deletes every entry no page holds:
 *   completed files at once (no page can save them any more), partial files once they are older
 *   than `partialMaxAgeMs` (default 24 h: a resume after a reload comes within seconds, a manual
 *   re-offer usually within the day).
 */

/** Directory of received files in the origin private file system. */
export const OPFS_ROOT = 'parley-transfers'

/** Default age after which an unused partial file is deleted (24 h). */
export const PARTIAL_MAX_AGE_MS = 24 * 60 * 60 * 1000

const lockName = (key: string) => `parley-opfs:${key}`

interface LockManagerLike {
  request(
    name: string,
    options: { mode: 'shared' | 'exclusive'; ifAvailable?: boolean },
    callback: (lock: unknown) => Promise<void> | void,
  ): Promise<unknown>
}

function lockManager(): LockManagerLike | undefined {
  return (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks
}

/**
 * Holds a shared lock on the entry `key` until the returned function is called (or the page ends).
 * Resolves once the lock is held; without Web Locks it holds nothing.
 */
export async function holdOpfsEntry(key: string): Promise<() => void> {
  const locks = lockManager()
  if (!locks) return () => {}
  let release!: () => void
  const held = new Promise<void>((resolve) => {
    release = resolve
  })
  await new Promise<void>((acquired, failed) => {
    locks
      .request(lockName(key), { mode: 'shared' }, () => {
        acquired()
        return held
      })
      .catch(failed)
  })
  return release
}

interface DirectoryLike {
  keys(): AsyncIterable<string>
  getFileHandle(name: string): Promise<{ getFile(): Promise<File> }>
  removeEntry(name: string): Promise<void>
}

export interface OpfsCleanupOptions {
  /** Partial files untouched for longer than this are deleted (default 24 h). */
  partialMaxAgeMs?: number
  /** The clock (tests). */
  now?: number
}

/**
 * Deletes the entries of OPFS_ROOT that no page holds: completed files, and partial files older
 * than `partialMaxAgeMs`. Resolves with the names of the files deleted. Entries in use (held by an
 * OpfsSink of any tab, or open for writing) are left alone. Without Web Locks, only old partial
 * files are deleted (a completed file might be waiting for its save in another tab).
 */
export async function cleanUpOpfsTransfers(options: OpfsCleanupOptions = {}): Promise<string[]> {
  const maxAge = options.partialMaxAgeMs ?? PARTIAL_MAX_AGE_MS
  const now = options.now ?? Date.now()
  let dir: DirectoryLike
  try {
    const root = await navigator.storage.getDirectory()
    dir = (await root.getDirectoryHandle(OPFS_ROOT)) as unknown as DirectoryLike
  } catch {
    return [] // nothing was ever stored
  }
  const names = new Set<string>()
  for await (const name of dir.keys()) names.add(name)
  const removed: string[] = []
  const locks = lockManager()
  for (const name of names) {
    if (name.endsWith('.json')) {
      // a sidecar without its data file
      if (!names.has(name.slice(0, -'.json'.length))) await dir.removeEntry(name).catch(() => {})
      continue
    }
    const partial = names.has(`${name}.json`)
    const remove = async (): Promise<void> => {
      if (partial) {
        const age = now - (await (await dir.getFileHandle(name)).getFile()).lastModified
        if (age <= maxAge) return
      }
      await dir.removeEntry(name) // fails while a page writes it (its access handle is open)
      await dir.removeEntry(`${name}.json`).catch(() => {})
      removed.push(name)
    }
    try {
      if (locks) {
        await locks.request(lockName(name), { mode: 'exclusive', ifAvailable: true }, (lock) =>
          lock ? remove() : undefined,
        )
      } else if (partial) {
        await remove()
      }
    } catch {
      // in use or already gone: left for a later run
    }
  }
  return removed
}
