import type { FileHandle } from 'node:fs/promises'
import { ParleyError } from '../../errors.js'
import type { FileSource } from '../FileSource.js'
import { mimeTypeOf } from '../mime.js'
import { errnoCode, nodeModules } from './nodeModules.js'
import { readFully } from './readFully.js'

/** What makes a file on disk the one that was offered: the same inode, size and modification time. */
interface Identity {
  readonly dev: number
  readonly ino: number
  readonly size: number
  readonly mtimeMs: number
}

/**
 * A file on the local disk (Node), read at random offsets with positioned reads.
 *
 * It holds no file descriptor while it is not read: `open` checks the file and closes it again, a
 * read opens it (after checking it is still the file offered: same inode, size and modification
 * time, else READ_FAILED) and a read that reaches the end of the file closes it once no other read
 * is in flight. A send of thousands of files so holds a few descriptors, not one per file (it
 * failed with EMFILE under a limit below the file count); a later read (a resume) opens it again.
 */
export class NodeFileSource implements FileSource {
  readonly name: string
  readonly size: number
  readonly type: string
  readonly lastModified: number
  readonly path: string
  readonly #identity: Identity
  /** The open file while reads need it. */
  #handle: Promise<FileHandle> | undefined
  /** Reads in flight on #handle. */
  #reading = 0
  /** A read reached the end of the file: close #handle when the last read in flight is done. */
  #atEnd = false
  #closed: Promise<void> | undefined

  private constructor(path: string, name: string, identity: Identity) {
    this.path = path
    this.name = name
    this.size = identity.size
    this.type = mimeTypeOf(name)
    this.lastModified = Math.floor(identity.mtimeMs)
    this.#identity = identity
  }

  /**
   * Checks that `path` is a regular file this process can read; rejects with FILE_NOT_FOUND
   * (missing, not a regular file) or READ_FAILED. `name` is what an offer calls it (default: the
   * file's own name); a file of a folder sent whole is offered under its path in that folder, with
   * `/` between folders (`photos/2024/a.jpg`).
   */
  static async open(path: string, name?: string): Promise<NodeFileSource> {
    const { path: paths } = await nodeModules()
    const handle = await openFile(path)
    try {
      const identity = await identityOf(handle, path)
      return new NodeFileSource(path, name ?? paths.basename(path), identity)
    } finally {
      await handle.close().catch(() => {})
    }
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (this.#closed) throw new ParleyError('READ_FAILED', `${this.path}: the source is closed`)
    this.#reading++
    let filled = 0
    try {
      this.#handle ??= this.#reopen()
      const handle = await this.#handle
      const buffer = Buffer.allocUnsafe(length)
      try {
        filled = await readFully(handle, buffer, length, offset)
      } catch (cause) {
        throw new ParleyError(
          'READ_FAILED',
          `${this.path}: read error (${errnoCode(cause) ?? String(cause)})`,
          {
            cause,
          },
        )
      }
      return filled === length ? buffer : buffer.subarray(0, filled)
    } catch (error) {
      void this.#release() // opened again by the next read
      throw error
    } finally {
      this.#reading--
      if (offset + filled >= this.size) this.#atEnd = true
      // closed before the read resolves: a caller that read to the end holds no descriptor
      if (this.#atEnd && this.#reading === 0) await this.#release()
    }
  }

  /** Closes the file; later reads reject. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= this.#release()
    return this.#closed
  }

  /** Closes the open file if any (reopened by the next read). */
  #release(): Promise<void> {
    const handle = this.#handle
    this.#handle = undefined
    this.#atEnd = false
    return handle ? handle.then((h) => h.close()).catch(() => {}) : Promise.resolve()
  }

  async #reopen(): Promise<FileHandle> {
    const handle = await openFile(this.path)
    try {
      const now = await identityOf(handle, this.path)
      const was = this.#identity
      if (
        now.dev !== was.dev ||
        now.ino !== was.ino ||
        now.size !== was.size ||
        now.mtimeMs !== was.mtimeMs
      ) {
        throw new ParleyError('READ_FAILED', `${this.path} changed since it was offered`)
      }
      return handle
    } catch (error) {
      await handle.close().catch(() => {})
      throw error
    }
  }
}

async function openFile(path: string): Promise<FileHandle> {
  const { fs } = await nodeModules()
  try {
    return await fs.open(path, 'r')
  } catch (cause) {
    const code = errnoCode(cause)
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ParleyError('FILE_NOT_FOUND', `${path}: no such file`, { cause })
    }
    throw new ParleyError('READ_FAILED', `${path}: cannot open (${code ?? String(cause)})`, { cause })
  }
}

/** Rejects with FILE_NOT_FOUND when `handle` is not a regular file, READ_FAILED when it cannot be read. */
async function identityOf(handle: FileHandle, path: string): Promise<Identity> {
  let stat: Awaited<ReturnType<FileHandle['stat']>>
  try {
    stat = await handle.stat()
  } catch (cause) {
    throw new ParleyError('READ_FAILED', `${path}: cannot read (${String(cause)})`, { cause })
  }
  if (!stat.isFile()) throw new ParleyError('FILE_NOT_FOUND', `${path}: not a regular file`)
  return { dev: stat.dev, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs }
}
