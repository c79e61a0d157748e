import { ParleyError } from '../../errors.js'
import type { FileSink, SinkFactory } from '../FileSink.js'
import { safeFileName, uniqueFileName } from '../fileName.js'
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
 * gets its offered name (made safe), or `name (1).ext` when the folder already has one of that
 * name (nothing is overwritten). Resolves with a SinkFactory that writes each file there as it
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
    return await folderSinks(dir)
  } catch (error) {
    if ((error as { name?: string } | undefined)?.name === 'AbortError') return undefined
    throw new ParleyError('WRITE_FAILED', 'cannot save files in the chosen place', { cause: error })
  }
}

/**
 * Sinks that write each file into `dir` under a name of its own: the names already there and the
 * ones given to this offer's files are not reused. A file made here that ends without being
 * completed (cancelled, failed, the page left) is removed again.
 */
async function folderSinks(dir: FileSystemDirectoryHandle): Promise<SinkFactory> {
  const taken = new Set<string>()
  for await (const name of (dir as unknown as ListableDirectory).keys()) taken.add(name.toLowerCase())
  /** The name each file got (a file offered again, e.g. after a re-join, keeps it). */
  const names = new Map<string, string>()
  return async (file: FileMeta): Promise<FileSink> => {
    let name = names.get(file.id)
    if (name === undefined) {
      name = uniqueFileName(safeFileName(file.name), (candidate) => taken.has(candidate.toLowerCase()))
      taken.add(name.toLowerCase())
      names.set(file.id, name)
    }
    const handle = await dir.getFileHandle(name, { create: true }).catch((error: unknown) => {
      throw new ParleyError('WRITE_FAILED', `cannot create ${name} in the chosen folder`, { cause: error })
    })
    const made = name
    return new FsAccessSink(handle, { onAbort: () => dir.removeEntry(made) })
  }
}
