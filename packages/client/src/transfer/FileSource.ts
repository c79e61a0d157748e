import { ParleyError } from '../errors.js'

/**
 * Random-access reader of one file to send. Implementations never hold the whole file: each read
 * returns a fresh buffer of at most `length` bytes.
 */
export interface FileSource {
  readonly name: string
  readonly size: number
  /** MIME type, '' when unknown. */
  readonly type: string
  /** ms since the epoch, 0 when unknown. */
  readonly lastModified: number
  /**
   * Reads `length` bytes at `offset` (fewer only at the end of the file). Rejects with READ_FAILED
   * (I/O error, or the file shrank since it was offered).
   */
  read(offset: number, length: number): Promise<Uint8Array>
  /** Releases the file. Idempotent. */
  close(): Promise<void>
}

/** A browser `File` (or any Blob): reads `slice()`s, which the browser streams from disk. */
export class BlobFileSource implements FileSource {
  readonly name: string
  readonly size: number
  readonly type: string
  readonly lastModified: number
  readonly #blob: Blob

  constructor(blob: Blob, name?: string) {
    const file = blob as Blob & { name?: unknown; lastModified?: unknown }
    this.#blob = blob
    this.name = name ?? (typeof file.name === 'string' && file.name !== '' ? file.name : 'file')
    this.size = blob.size
    this.type = blob.type
    this.lastModified = typeof file.lastModified === 'number' ? file.lastModified : 0
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    try {
      return new Uint8Array(await this.#blob.slice(offset, offset + length).arrayBuffer())
    } catch (cause) {
      // e.g. NotReadableError: the file changed or was deleted after it was picked
      throw new ParleyError('READ_FAILED', `cannot read ${this.name}: the file changed or is gone`, { cause })
    }
  }

  async close(): Promise<void> {}
}
