import type { FileHandle } from 'node:fs/promises'
import { ParleyError } from '../../errors.js'
import type { FileSource } from '../FileSource.js'
import { mimeTypeOf } from '../mime.js'
import { errnoCode, nodeModules } from './nodeModules.js'

/** A file on the local disk (Node), read at random offsets with positioned reads. */
export class NodeFileSource implements FileSource {
  readonly name: string
  readonly size: number
  readonly type: string
  readonly lastModified: number
  readonly path: string
  readonly #handle: FileHandle
  #closed: Promise<void> | undefined

  private constructor(path: string, name: string, size: number, lastModified: number, handle: FileHandle) {
    this.path = path
    this.name = name
    this.size = size
    this.type = mimeTypeOf(name)
    this.lastModified = lastModified
    this.#handle = handle
  }

  /** Opens `path`; rejects with FILE_NOT_FOUND (missing, not a regular file) or READ_FAILED. */
  static async open(path: string): Promise<NodeFileSource> {
    const { fs, path: paths } = await nodeModules()
    let handle: FileHandle
    try {
      handle = await fs.open(path, 'r')
    } catch (cause) {
      const code = errnoCode(cause)
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        throw new ParleyError('FILE_NOT_FOUND', `${path}: no such file`, { cause })
      }
      throw new ParleyError('READ_FAILED', `${path}: cannot open (${code ?? String(cause)})`, { cause })
    }
    try {
      const stat = await handle.stat()
      if (!stat.isFile()) throw new ParleyError('FILE_NOT_FOUND', `${path}: not a regular file`)
      return new NodeFileSource(path, paths.basename(path), stat.size, Math.floor(stat.mtimeMs), handle)
    } catch (error) {
      await handle.close().catch(() => {})
      if (error instanceof ParleyError) throw error
      throw new ParleyError('READ_FAILED', `${path}: cannot read (${String(error)})`, { cause: error })
    }
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const buffer = Buffer.allocUnsafe(length)
    let filled = 0
    try {
      while (filled < length) {
        const { bytesRead } = await this.#handle.read(buffer, filled, length - filled, offset + filled)
        if (bytesRead === 0) break
        filled += bytesRead
      }
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
  }

  close(): Promise<void> {
    this.#closed ??= this.#handle.close().catch(() => {})
    return this.#closed
  }
}
