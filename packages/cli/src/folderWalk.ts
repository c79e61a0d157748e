import type { Dirent } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { TRANSFER_LIMITS } from '@parley/client'
import { CliError, Exit } from './exit.js'

/** A file to offer: where it is, and what the offer calls it. */
export interface FileToSend {
  readonly path: string
  /** Its own name, or for a file found in a folder given to send, its path from that folder's parent with `/`. */
  readonly name: string
}

export interface WalkResult {
  readonly files: readonly FileToSend[]
  /** Entries found in folders that are not sent: links to folders (never followed: loops), sockets, devices… */
  readonly skipped: readonly string[]
}

/**
 * What `parley send` offers for its arguments: a file as itself; a folder as every regular file under
 * it (links to files followed), each named by its path inside the folder's parent (`photos/2024/a.jpg`),
 * in name order. Paths that cannot be read are left to the file's open, which names them. Throws
 * FILE_NOT_FOUND for a folder without any file or that cannot be listed, and USAGE once a folder
 * takes the count past `maxFiles` (the walk stops there).
 */
export async function walkFiles(
  paths: readonly string[],
  maxFiles = TRANSFER_LIMITS.maxFiles,
): Promise<WalkResult> {
  const files: FileToSend[] = []
  const skipped: string[] = []
  const add = (file: FileToSend, folder?: string) => {
    files.push(file)
    // a walk stops there (a home folder holds millions); files named one by one are counted by the offer
    if (folder !== undefined && files.length > maxFiles) {
      throw new CliError(
        Exit.USAGE,
        `${folder} holds more than ${maxFiles.toLocaleString('en')} files: too many for one transfer; send them in several, or as an archive`,
      )
    }
  }
  const walk = async (dir: string, name: string, top: string): Promise<void> => {
    let entries: Dirent[]
    try {
      entries = await readdir(dir, { withFileTypes: true })
    } catch (error) {
      const code = (error as { code?: string }).code ?? String(error)
      throw new CliError(Exit.FILE_NOT_FOUND, `cannot list the folder ${dir} (${code})`, { cause: error })
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const entry of entries) {
      const path = join(dir, entry.name)
      const inner = name === '' ? entry.name : `${name}/${entry.name}`
      if (entry.isDirectory()) await walk(path, inner, top)
      else if (entry.isFile() || (entry.isSymbolicLink() && (await kindOf(path)) === 'file'))
        add({ path, name: inner }, top)
      else skipped.push(path)
    }
  }
  for (const path of paths) {
    if ((await kindOf(path)) !== 'directory') {
      add({ path, name: basename(path) })
      continue
    }
    const before = files.length
    await walk(path, basename(resolve(path)), path)
    if (files.length === before) {
      throw new CliError(Exit.FILE_NOT_FOUND, `the folder ${path} holds no file to send`)
    }
  }
  return { files, skipped }
}

/** What `path` is, links followed; undefined when it cannot be found. */
async function kindOf(path: string): Promise<'file' | 'directory' | 'other' | undefined> {
  try {
    const info = await stat(path)
    return info.isFile() ? 'file' : info.isDirectory() ? 'directory' : 'other'
  } catch {
    return undefined
  }
}
