import { ParleyError } from '../../errors.js'
import type { FileSink } from '../FileSink.js'
import { safeFileName } from '../fileName.js'
import type { FileMeta } from '../messages.js'

interface SaveFilePickerWindow {
  showSaveFilePicker?: (options: { suggestedName?: string }) => Promise<FileSystemFileHandle>
}

/**
 * Streams a received file straight into a file the user picked with the File System Access API
 * (Chromium): positioned writes into the browser's swap file, committed on completion. Memory
 * stays flat; partial data does not survive a reload (use OpfsSink for that).
 */
export class FsAccessSink implements FileSink {
  readonly #handle: FileSystemFileHandle
  #writable: FileSystemWritableFileStream | undefined
  #position = 0

  constructor(handle: FileSystemFileHandle) {
    this.#handle = handle
  }

  static isSupported(): boolean {
    return typeof (globalThis as SaveFilePickerWindow).showSaveFilePicker === 'function'
  }

  /** Asks the user where to save `file` (needs a user gesture); rejects with CANCELLED if dismissed. */
  static async pick(file: Pick<FileMeta, 'name'>): Promise<FsAccessSink> {
    const picker = (globalThis as SaveFilePickerWindow).showSaveFilePicker
    if (typeof picker !== 'function') {
      throw new ParleyError('INVALID_ARGUMENT', 'this browser has no File System Access API')
    }
    try {
      return new FsAccessSink(await picker({ suggestedName: safeFileName(file.name) }))
    } catch (error) {
      throw new ParleyError('CANCELLED', 'no place chosen to save the file', { cause: error })
    }
  }

  async open(): Promise<number> {
    try {
      this.#writable = await this.#handle.createWritable()
    } catch (error) {
      throw new ParleyError('WRITE_FAILED', 'cannot write the chosen file', { cause: error })
    }
    return 0
  }

  async readBack(): Promise<Uint8Array> {
    return new Uint8Array(0)
  }

  async write(chunk: Uint8Array): Promise<void> {
    try {
      await this.#writable!.write({
        type: 'write',
        position: this.#position,
        data: chunk as Uint8Array<ArrayBuffer>,
      })
    } catch (error) {
      const quota = (error as { name?: string }).name === 'QuotaExceededError'
      throw new ParleyError(quota ? 'DISK_FULL' : 'WRITE_FAILED', 'cannot write the chosen file', {
        cause: error,
      })
    }
    this.#position += chunk.byteLength
  }

  async checkpoint(): Promise<void> {}

  async complete(): Promise<void> {
    await this.#writable?.close()
    this.#writable = undefined
  }

  async discard(): Promise<void> {
    await this.#writable?.abort().catch(() => {})
    this.#writable = undefined
  }

  async close(): Promise<void> {
    await this.discard()
  }
}
