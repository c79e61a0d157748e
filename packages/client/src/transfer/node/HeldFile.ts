import type { FileHandle } from 'node:fs/promises'
import { nodeModules } from './nodeModules.js'

/**
 * Files up to this size that are new to the directory are held in memory until verified, then
 * written whole under their final name (see {@link HeldFile}). With eight files' ends stored at
 * once behind the writes (ReceiveQueue), at most ~9 MiB are held.
 */
export const HELD_FILE_MAX_BYTES = 1 << 20

/**
 * The bytes of a small new file, held in memory until they are verified, then written whole under
 * the file's final name: one file creation instead of three directory operations (a partial file
 * created, linked to its name, unlinked), and none while the file's bytes arrive, so thousands of
 * small files do not wait on the file system one call at a time. A receive interrupted meanwhile
 * loses at most the held bytes, which no checkpoint confirmed to the sender: a sink spills them to a
 * partial file at its first checkpoint.
 */
export class HeldFile {
  readonly #chunks: Uint8Array[] = []
  #bytes = 0

  /** The held chunks, in order. */
  get chunks(): readonly Uint8Array[] {
    return this.#chunks
  }

  add(chunk: Uint8Array): void {
    this.#chunks.push(chunk)
    this.#bytes += chunk.byteLength
  }

  /** A copy of bytes [offset, offset + length) (fewer past the end). */
  read(offset: number, length: number): Uint8Array {
    const end = Math.min(this.#bytes, offset + length)
    const out = new Uint8Array(Math.max(0, end - offset))
    let at = 0
    for (const chunk of this.#chunks) {
      const from = Math.max(offset - at, 0)
      const to = Math.min(end - at, chunk.byteLength)
      if (from < to) out.set(chunk.subarray(from, to), at + from - offset)
      at += chunk.byteLength
      if (at >= end) break
    }
    return out
  }

  /** Writes the held bytes at the start of an open file, all of them or fails. */
  async writeInto(handle: FileHandle): Promise<void> {
    // libuv writes every buffer (looping over short writes) or fails
    const { bytesWritten } = await handle.writev(this.#chunks, 0)
    if (bytesWritten !== this.#bytes) throw new Error(`wrote ${bytesWritten} of ${this.#bytes} bytes`)
  }

  /**
   * Creates `path` with the held bytes, never replacing a file (EEXIST rejects, with nothing
   * written), and gives it the modification time `lastModified` (ms; none when not positive). A
   * failed write removes the file again: the name is left as it was.
   */
  async writeTo(path: string, lastModified: number): Promise<void> {
    const { fs } = await nodeModules()
    const handle = await fs.open(path, 'wx')
    try {
      await this.writeInto(handle)
      if (lastModified > 0) await handle.utimes(new Date(), new Date(lastModified))
      await handle.close()
    } catch (cause) {
      await handle.close().catch(() => {})
      await fs.unlink(path).catch(() => {}) // best effort: the write's failure is what to report
      throw cause
    }
  }
}
