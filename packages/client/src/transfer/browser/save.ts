import { safeFileName } from '../fileName.js'
import { pickers } from './pickers.js'

/** A sink whose completed file the user can save (a "save" button). */
export interface SavableSink {
  /** The received file (disk-backed where the sink stores on disk). */
  file(): Promise<Blob>
  /** Saves the file: a download by default, or the browser's save dialog with `{ picker: true }`. */
  save(options?: SaveOptions): Promise<void>
}

export interface SaveOptions {
  /** Use the File System Access save dialog when the browser has one (needs a user gesture). */
  picker?: boolean
}

/**
 * Saves `blob` as `name`: as a download of an object URL (the browser streams the blob; OPFS
 * files are read from disk, never loaded into memory), or through the File System Access save
 * dialog when asked and available (streamed with pipeTo).
 */
export async function saveBlob(blob: Blob, name: string, options: SaveOptions = {}): Promise<void> {
  const suggestedName = safeFileName(name)
  const picker = pickers().showSaveFilePicker
  if (options.picker && typeof picker === 'function') {
    let handle: FileSystemFileHandle
    try {
      handle = await picker({ suggestedName })
    } catch (error) {
      if ((error as { name?: string }).name === 'AbortError') return
      throw error
    }
    const writable = await handle.createWritable()
    await blob.stream().pipeTo(writable)
    return
  }
  const url = URL.createObjectURL(blob)
  try {
    const a = document.createElement('a')
    a.href = url
    a.download = suggestedName
    a.rel = 'noopener'
    document.body.append(a)
    a.click()
    a.remove()
  } finally {
    // the download keeps its own reference; revoke later so slow starts still work
    setTimeout(() => URL.revokeObjectURL(url), 60_000)
  }
}
