import type { FileHandle } from 'node:fs/promises'
import { ParleyError } from '../../errors.js'
import type { FileMeta } from '../messages.js'
import { errnoCode, nodeModules } from './nodeModules.js'
import { readFully } from './readFully.js'

// File-system steps of a Node sink (NodeFileSink, HeldFile), with its errors.

/** Bytes [offset, offset + length) of an open file (fewer at its end). */
export async function readAt(handle: FileHandle, offset: number, length: number): Promise<Uint8Array> {
  const buffer = Buffer.allocUnsafe(length)
  return buffer.subarray(0, await readFully(handle, buffer, length, offset))
}

/** A regular file of the offered size whose modification time is exactly the offered last-modified. */
export async function receivedEarlier(path: string, file: FileMeta): Promise<boolean> {
  const { fs } = await nodeModules()
  try {
    const stat = await fs.lstat(path)
    return (
      stat.isFile() &&
      stat.size === file.size &&
      file.lastModified > 0 &&
      // the whole millisecond this sink set (utimes): a file written by anything else has a time
      // in nanoseconds, almost never within a microsecond of a whole millisecond
      Math.abs(stat.mtimeMs - file.lastModified) < 0.001
    )
  } catch {
    return false
  }
}

export async function exists(path: string): Promise<boolean> {
  const { fs } = await nodeModules()
  try {
    await fs.lstat(path)
    return true
  } catch {
    return false
  }
}

export function writeError(cause: unknown, path: string): ParleyError {
  const code = errnoCode(cause)
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new ParleyError('DISK_FULL', `disk full while writing ${path}`, { cause })
  }
  const why =
    code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
      ? 'permission denied'
      : code === 'ENOENT'
        ? 'no such directory'
        : (code ?? String(cause))
  return new ParleyError('WRITE_FAILED', `cannot write ${path}: ${why}`, { cause })
}

/** Throws why `dir` cannot hold files: missing, or not a directory. */
export async function checkDirectory(dir: string): Promise<void> {
  const { fs } = await nodeModules()
  let stat: Awaited<ReturnType<typeof fs.stat>>
  try {
    stat = await fs.stat(dir)
  } catch (cause) {
    throw writeError(cause, dir)
  }
  if (!stat.isDirectory()) throw new ParleyError('WRITE_FAILED', `${dir} is not a directory`)
}

/**
 * Creates `path` for reading and writing: a new file, never a truncated one — ext4 (auto_da_alloc)
 * starts writing back the whole file when closing a file that was truncated, ~70 ms per 256 MiB
 * before the rename. A file there already (a stale partial file) is removed first.
 */
export async function createNew(path: string): Promise<FileHandle> {
  const { fs } = await nodeModules()
  try {
    return await fs.open(path, 'wx+')
  } catch (cause) {
    if (errnoCode(cause) !== 'EEXIST') throw cause
  }
  await fs.unlink(path)
  return fs.open(path, 'wx+')
}

/** Removes a file; one that is not there is fine. */
export async function unlinkIfThere(path: string): Promise<void> {
  const { fs } = await nodeModules()
  try {
    await fs.unlink(path)
  } catch (cause) {
    if (errnoCode(cause) !== 'ENOENT') throw cause
  }
}
