import { ParleyError } from '../../errors.js'
import type { FileSink, SinkFactory } from '../FileSink.js'
import { folderPrefixes, safeFileName, safeRelativePath, uniqueFileName } from '../fileName.js'
import type { FileMeta } from '../messages.js'
import { FsAccessSink } from './FsAccessSink.js'
import { pickers } from './pickers.js'

interface ListableDirectory {
  keys(): AsyncIterable<string>
}

/** True when this browser can ask where to save received files (File System Access API, Chromium). */
export function canPickSinks(): boolean {
  const w = pickers()
  return typeof w.showSaveFilePicker === 'function' && typeof w.showDirectoryPicker === 'function'
}

/**
 * Asks the person where to save the files of an offer, with the browser's own dialog: one file →
 * the save dialog (suggesting its offered name, made safe); several → a folder, where each file
 * gets its offered name (made safe), in the folders its offered path names (a folder sent whole),
 * or `name (1).ext` when its folder already has one of that name (nothing is overwritten). Resolves with a SinkFactory that writes each file there as it
 * arrives (FsAccessSink: no save step afterwards), or undefined when the person dismissed the
 * dialog. A file made for the offer that does not complete is removed again (in the folder, and
 * the one the save dialog made or emptied). Needs a user gesture: call it from a click handler,
 * before anything else is awaited. Rejects with INVALID_ARGUMENT without the API (see
 * {@link canPickSinks}).
 */
export async function pickSinks(
  files: readonly Pick<FileMeta, 'id' | 'name'>[],
): Promise<SinkFactory | undefined> {
  const w = pickers()
  if (!canPickSinks()) {
    throw new ParleyError('INVALID_ARGUMENT', 'this browser cannot ask where to save files')
  }
  const only = files.length === 1 ? files[0] : undefined
  try {
    if (only) {
      const handle = await w.showSaveFilePicker!({ suggestedName: safeFileName(only.name) })
      return () => FsAccessSink.fromSaveDialog(handle)
    }
    const dir = await w.showDirectoryPicker!({ mode: 'readwrite', id: 'parley-receive' })
    return await folderSinks(dir, files)
  } catch (error) {
    if ((error as { name?: string } | undefined)?.name === 'AbortError') return undefined
    throw new ParleyError('WRITE_FAILED', 'cannot save files in the chosen place', { cause: error })
  }
}

/**
 * Sinks that write each file into `root` under a name of its own, in the folders its offered path
 * names (made safe, created as needed: a folder sent whole is rebuilt there): the names already in
 * a folder and the ones given to this offer's files are not reused, and a file never takes the name
 * of a folder the offer needs. A file made here that ends without being completed (cancelled,
 * failed, the page left) is removed again, and so are the folders made for it that it leaves empty.
 */
async function folderSinks(
  root: FileSystemDirectoryHandle,
  files: readonly Pick<FileMeta, 'id' | 'name'>[],
): Promise<SinkFactory> {
  const paths = new Map(files.map((f) => [f.id, safeRelativePath(f.name)]))
  const needed = new Set([...paths.values()].flatMap(folderPrefixes).map((p) => p.toLowerCase()))
  /** By relative path ('' the root), while they exist. */
  const folders = new Map<string, Promise<Folder>>()
  const folderAt = (path: string): Promise<Folder> => {
    let folder = folders.get(path)
    if (!folder) {
      folder = path === '' ? listed(root, false) : subfolder(path)
      folders.set(path, folder)
      folder.catch(() => folders.delete(path))
    }
    return folder
  }
  const subfolder = async (path: string): Promise<Folder> => {
    const parent = await folderAt(parentOf(path))
    const name = baseOf(path)
    const made = !parent.taken.has(name.toLowerCase())
    parent.taken.add(name.toLowerCase())
    try {
      return await listed(await parent.handle.getDirectoryHandle(name, { create: true }), made)
    } catch (error) {
      throw new ParleyError('WRITE_FAILED', `cannot make the folder ${path} in the chosen folder`, {
        cause: error,
      })
    }
  }
  /** Removes the folder at `path`, then its parents, while this offer made them and they are empty. */
  const removeIfEmpty = async (path: string): Promise<void> => {
    if (path === '') return
    const folder = await folders.get(path)?.catch(() => undefined)
    const parent = await folders.get(parentOf(path))?.catch(() => undefined)
    if (!folder?.made || !parent) return
    try {
      await parent.handle.removeEntry(baseOf(path)) // not recursive: only while it is empty
    } catch {
      return
    }
    folders.delete(path)
    parent.taken.delete(baseOf(path).toLowerCase())
    await removeIfEmpty(parentOf(path))
  }
  await folderAt('')
  /** The name each file got (a file offered again, e.g. after a re-join, keeps it). */
  const names = new Map<string, string>()
  return async (file: FileMeta): Promise<FileSink> => {
    const path = paths.get(file.id) ?? safeRelativePath(file.name)
    const where = parentOf(path)
    const folder = await folderAt(where)
    const prefix = where === '' ? '' : `${where}/`
    let name = names.get(file.id)
    if (name === undefined) {
      name = uniqueFileName(
        baseOf(path),
        (candidate) =>
          folder.taken.has(candidate.toLowerCase()) || needed.has(`${prefix}${candidate}`.toLowerCase()),
      )
      folder.taken.add(name.toLowerCase())
      names.set(file.id, name)
    }
    const made = name
    const handle = await folder.handle.getFileHandle(made, { create: true }).catch((error: unknown) => {
      throw new ParleyError('WRITE_FAILED', `cannot create ${prefix}${made} in the chosen folder`, {
        cause: error,
      })
    })
    return new FsAccessSink(handle, {
      onAbort: async () => {
        await folder.handle.removeEntry(made).catch(() => {})
        await removeIfEmpty(where)
      },
    })
  }
}

interface Folder {
  readonly handle: FileSystemDirectoryHandle
  /** Names in it (letter case aside): there before, or given to this offer's files and folders. */
  readonly taken: Set<string>
  /** Whether this offer made it (so may remove it again). */
  readonly made: boolean
}

/** `handle` with the names in it (none to read in a folder just made). */
async function listed(handle: FileSystemDirectoryHandle, made: boolean): Promise<Folder> {
  const taken = new Set<string>()
  if (!made)
    for await (const name of (handle as unknown as ListableDirectory).keys()) taken.add(name.toLowerCase())
  return { handle, taken, made }
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/')
  return slash < 0 ? '' : path.slice(0, slash)
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}
