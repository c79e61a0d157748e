import { ParleyError } from '../../errors.js'
import { BufferPool } from '../BufferPool.js'
import type { FileSink } from '../FileSink.js'
import { safeFileName } from '../fileName.js'
import type { FileMeta } from '../messages.js'
import { WriteGatherer } from '../WriteGatherer.js'
import { pickers } from './pickers.js'

/**
 * Bytes gathered into one write. Each write to a FileSystemWritableFileStream costs about the same
 * whatever its size: in Chromium here, 64 KiB writes went at 47–57 MiB/s and 1 MiB writes at
 * 137–148 MiB/s, so the 64 KiB chunks browsers send are gathered 1 MiB at a time.
 */
export const FS_ACCESS_WRITE_BYTES = 1024 * 1024
/** Writes pending before write() waits (4 × 1 MiB, plus the buffer being filled). */
const MAX_IN_FLIGHT = 4

/**
 * Streams a received file straight into a file the user picked with the File System Access API
 * (Chromium): positioned writes into the browser's swap file, committed on completion (`complete`);
 * `discard` and `close` abort, leaving the picked file as it was (see {@link fromSaveDialog} for a
 * file the save dialog just made). Chunks are gathered into 1 MiB writes with up to four pending.
 * Memory stays flat (at most 5 MiB per file); partial data does not survive a reload (use OpfsSink
 * for that).
 */
export class FsAccessSink implements FileSink {
  /** The file is written where the person chose as it arrives: there is nothing to save afterwards. */
  readonly savedInPlace = true
  readonly #handle: FileSystemFileHandle
  #onAbort: (() => Promise<void>) | undefined
  #writable: FileSystemWritableFileStream | undefined
  /** Buffers of written writes, for the next ones. */
  readonly #spare = new BufferPool(FS_ACCESS_WRITE_BYTES, MAX_IN_FLIGHT + 1)
  readonly #writes = new WriteGatherer(
    {
      take: () => this.#spare.take(),
      put: async (position, data, gathered) => {
        // the stream copies the bytes when it writes them: a gathered buffer is free once written
        await this.#writable!.write({ type: 'write', position, data })
        if (gathered) this.#spare.give(data.buffer)
      },
    },
    { stageBytes: FS_ACCESS_WRITE_BYTES, maxInFlight: MAX_IN_FLIGHT, toError: writeError },
  )

  /**
   * `onAbort`: called once when the sink ends without completing (`discard`, `close`), after its
   * writes were aborted — e.g. to remove a file made for it (see pickSinks); its failure is ignored.
   */
  constructor(handle: FileSystemFileHandle, options: { onAbort?: () => Promise<void> } = {}) {
    this.#handle = handle
    this.#onAbort = options.onAbort
  }

  static isSupported(): boolean {
    return typeof pickers().showSaveFilePicker === 'function'
  }

  /**
   * Asks the user where to save `file` (the save dialog, suggesting its name made safe; needs a
   * user gesture); rejects with CANCELLED if dismissed. See {@link fromSaveDialog}.
   */
  static async pick(file: Pick<FileMeta, 'name'>): Promise<FsAccessSink> {
    const picker = pickers().showSaveFilePicker
    if (typeof picker !== 'function') {
      throw new ParleyError('INVALID_ARGUMENT', 'this browser has no File System Access API')
    }
    let handle: FileSystemFileHandle
    try {
      handle = await picker({ suggestedName: safeFileName(file.name) })
    } catch (error) {
      throw new ParleyError('CANCELLED', 'no place chosen to save the file', { cause: error })
    }
    return FsAccessSink.fromSaveDialog(handle)
  }

  /**
   * A sink into a file the save dialog returned. The browser made that file, or emptied the one
   * the person chose to replace, when the dialog closed (the File System Access spec's
   * showSaveFilePicker): a transfer into it that does not complete removes it (Chromium's
   * `FileSystemHandle.remove`) rather than leave an empty file behind.
   */
  static fromSaveDialog(handle: FileSystemFileHandle): FsAccessSink {
    const removable = handle as FileSystemFileHandle & { remove?: () => Promise<void> }
    return typeof removable.remove === 'function'
      ? new FsAccessSink(handle, { onAbort: () => removable.remove!() })
      : new FsAccessSink(handle)
  }

  /** The file as it is (after `complete`, the received file). */
  file(): Promise<File> {
    return this.#handle.getFile()
  }

  async open(file: FileMeta): Promise<number> {
    try {
      this.#writable = await this.#handle.createWritable()
    } catch (error) {
      throw new ParleyError('WRITE_FAILED', 'cannot write the chosen file', { cause: error })
    }
    this.#writes.reset(0, file.size)
    return 0
  }

  async readBack(): Promise<Uint8Array> {
    return new Uint8Array(0)
  }

  /** Gathers the chunk (see WriteGatherer); a failed write rejects the next write or complete(). */
  async write(chunk: Uint8Array): Promise<void> {
    await this.#writes.write(chunk)
  }

  async checkpoint(): Promise<void> {}

  async complete(): Promise<void> {
    await this.#writes.drain()
    try {
      await this.#writable?.close()
    } catch (error) {
      throw writeError(error)
    }
    this.#writable = undefined
    this.#onAbort = undefined
  }

  /**
   * Aborts the writes: the picked file keeps what it held before (and a file made for this sink
   * goes, see `onAbort`). Does nothing after `complete`. Idempotent.
   */
  async discard(): Promise<void> {
    this.#writes.drop()
    await this.#writes.settle()
    await this.#writable?.abort().catch(() => {})
    this.#writable = undefined
    const onAbort = this.#onAbort
    this.#onAbort = undefined
    await onAbort?.().catch(() => {})
  }

  /** As `discard`: nothing of a partial file survives here for a later resume. Idempotent. */
  async close(): Promise<void> {
    await this.discard()
  }
}

function writeError(error: unknown): ParleyError {
  if (error instanceof ParleyError) return error
  const quota = (error as { name?: string } | undefined)?.name === 'QuotaExceededError'
  return new ParleyError(quota ? 'DISK_FULL' : 'WRITE_FAILED', 'cannot write the chosen file', {
    cause: error,
  })
}
