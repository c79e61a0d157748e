import { ParleyError } from '../../errors.js'
import type { FileSink } from '../FileSink.js'
import type { FileMeta } from '../messages.js'
import { type SavableSink, type SaveOptions, saveBlob } from './save.js'

/** Largest file the memory sink accepts by default (64 MiB). */
export const MEMORY_SINK_LIMIT = 64 * 1024 * 1024

/**
 * Keeps a received file in memory and hands it out as a Blob: for small files only (default limit
 * 64 MiB), and where nothing better exists. Partial data does not survive a reload.
 */
export class MemorySink implements FileSink, SavableSink {
  readonly #limit: number
  #chunks: Uint8Array[] = []
  #size = 0
  #meta: FileMeta | undefined
  #blob: Blob | undefined

  constructor(options: { limit?: number } = {}) {
    this.#limit = options.limit ?? MEMORY_SINK_LIMIT
  }

  get name(): string {
    return this.#meta?.name ?? 'file'
  }

  async open(file: FileMeta): Promise<number> {
    if (file.size > this.#limit) {
      throw new ParleyError('DISK_FULL', `${file.name} is too large to be kept in memory`)
    }
    this.#meta = file
    return 0
  }

  async readBack(): Promise<Uint8Array> {
    return new Uint8Array(0)
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.#chunks.push(chunk)
    this.#size += chunk.byteLength
  }

  async checkpoint(): Promise<void> {}

  async complete(): Promise<void> {
    this.#blob = new Blob(this.#chunks as Uint8Array<ArrayBuffer>[], { type: this.#meta?.type ?? '' })
    this.#chunks = []
  }

  async discard(): Promise<void> {
    this.#chunks = []
    this.#blob = undefined
  }

  async close(): Promise<void> {
    this.#chunks = []
  }

  /** The received file, once complete. */
  async file(): Promise<Blob> {
    if (!this.#blob) throw new ParleyError('INVALID_ARGUMENT', 'the file is not complete')
    return this.#blob
  }

  async save(options?: SaveOptions): Promise<void> {
    await saveBlob(await this.file(), this.name, options)
  }
}
