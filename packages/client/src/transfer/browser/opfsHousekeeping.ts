import type { FileMeta } from '../messages.js'
import { bytesToHex, Sha256 } from '../Sha256.js'

/**
 * Housekeeping of the origin private file system directory where OpfsSink stores received files.
 * Nothing else deletes them: a completed file stays there until its page saved it (the download
 * reads it from there) or a reloaded page took it over, and a partial one stays for a resume after
 * a reload. A page that is gone leaves both behind, and the origin's quota fills up. So:
 * - each OpfsSink holds a shared Web Lock on its entry while its page may still use it (from
 *   `open` until `discard`, `remove`, `close` of a partial, or the page's end);
 * - {@link cleanUpOpfsTransfers} (the web app runs it at start) deletes every entry no page holds
 *   and the caller does not `keep` (the files of transfers its tab's journal may still resume):
 *   completed files at once (no page can save them any more), partial files once they are older
 *   than `partialMaxAgeMs` (default 24 h: a resume after a reload comes within seconds, a manual
 *   re-offer usually within the day).
 */

/** Directory of received files in the origin private file system. */
export const OPFS_ROOT = 'parley-transfers'

/** Default age after which an unused partial file is deleted (24 h). */
export const PARTIAL_MAX_AGE_MS = 24 * 60 * 60 * 1000

const lockName = (key: string) => `parley-opfs:${key}`

/** The entry of a file in OPFS_ROOT. Same file (name, size, last-modified) ⇒ same entry: a reload finds its data again. */
export function opfsEntryName(file: Pick<FileMeta, 'name' | 'size' | 'lastModified'>): string {
  const id = new TextEncoder().encode(JSON.stringify([file.name, file.size, file.lastModified]))
  return bytesToHex(new Sha256().update(id).digest()).slice(0, 32)
}

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
  /**
   * Files whose entries stay whatever their state: those a page may still take over (the web app:
   * every accepted file of the transfers its tab's journal remembers, so that the page reloaded in
   * the middle of a transfer finds the files it had completed).
   */
  keep?: readonly Pick<FileMeta, 'name' | 'size' | 'lastModified'>[]
}

/**
 * Deletes the entries of OPFS_ROOT that no page holds and `keep` does not name: completed files
 * (no sidecar, or one marking it complete), and partial files older than `partialMaxAgeMs`.
 * Resolves with the names of the files deleted. Entries in use (held by an OpfsSink of any tab, or
 * open for writing) are left alone. Without Web Locks, only old partial files are deleted (a
 * completed file might be waiting for its save in another tab).
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
  const kept = new Set((options.keep ?? []).map(opfsEntryName))
  const removed: string[] = []
  const locks = lockManager()
  for (const name of names) {
    if (name.endsWith('.json')) {
      // a sidecar without its data file
      if (!names.has(name.slice(0, -'.json'.length))) await dir.removeEntry(name).catch(() => {})
      continue
    }
    if (kept.has(name)) continue
    const hasSidecar = names.has(`${name}.json`)
    /** `completedToo`: only when no page holds the entry (Web Locks tell). */
    const remove = async (completedToo: boolean): Promise<void> => {
      const partial = hasSidecar && !(await markedComplete(dir, `${name}.json`))
      if (!partial && !completedToo) return
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
          lock ? remove(true) : undefined,
        )
      } else if (hasSidecar) {
        await remove(false)
      }
    } catch {
      // in use or already gone: left for a later run
    }
  }
  return removed
}

/** Whether a sidecar marks its file complete (OpfsSink.complete); unreadable counts as partial. */
async function markedComplete(dir: DirectoryLike, sidecar: string): Promise<boolean> {
  try {
    const value: unknown = JSON.parse(await (await (await dir.getFileHandle(sidecar)).getFile()).text())
    return typeof value === 'object' && value !== null && (value as { complete?: unknown }).complete === true
  } catch {
    return false
  }
}
