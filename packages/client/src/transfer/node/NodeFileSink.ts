import type { FileHandle } from 'node:fs/promises'
import { ParleyError } from '../../errors.js'
import type { FileSink } from '../FileSink.js'
import { safeFileName } from '../fileName.js'
import type { FileMeta } from '../messages.js'
import type { SpaceBudget } from '../SpaceBudget.js'
import type { DirectoryListing } from './DirectoryListing.js'
import { DIRECT_IO_ALIGNMENT, DirectWriteBehind, openDirect } from './DirectWriteBehind.js'
import { HELD_FILE_MAX_BYTES, HeldFile } from './HeldFile.js'
import { errnoCode, nodeModules } from './nodeModules.js'
import {
  checkDirectory,
  createNew,
  exists,
  readAt,
  receivedEarlier,
  unlinkIfThere,
  writeError,
} from './sinkFiles.js'
import { type SequentialWriter, WriteBehind } from './WriteBehind.js'

export const PART_SUFFIX = '.parley-part'
export const SIDECAR_SUFFIX = '.parley-part.json'

export interface NodeFileSinkOptions {
  /** Directory the file goes to (must exist). */
  dir: string
  /** File name inside `dir` (default: the offered name, sanitized). Must not contain a separator. */
  name?: string
  /**
   * Replace an existing file of that name (default false). Without it, an existing file of the
   * offered size whose modification time is the offered last-modified (as this sink leaves the files
   * it completes) is checked instead: see {@link NodeFileSink.existing}. Any other: FILE_EXISTS.
   */
  overwrite?: boolean
  /**
   * Write files of at least 32 MiB with O_DIRECT where the file system allows it (default true):
   * see {@link DirectWriteBehind}. False: always through the page cache.
   */
  directIo?: boolean
  /**
   * Free space shared with the other sinks of the transfer: `open` reserves what the file still
   * needs and rejects with DISK_FULL when it does not fit (see {@link SpaceBudget}).
   */
  space?: SpaceBudget
  /**
   * The listing of `dir` shared with the other sinks of the transfer: a name absent from it is
   * not looked for, and the directory's permission is checked once (see {@link DirectoryListing}).
   * Ignored when it lists another directory.
   */
  listing?: DirectoryListing
}

/**
 * Files (or what is left of them) smaller than this are written through the page cache: setting up
 * direct writes (a first block allocated with a synchronous write) takes 5–15 ms, under 1.5 % of
 * moving 32 MiB here.
 */
const DIRECT_IO_MIN_BYTES = 32 << 20

/** What the sidecar next to a partial file records. */
interface Sidecar {
  v: 1
  name: string
  size: number
  lastModified: number
  /** Bytes [0, offset) of the partial file are stored. */
  offset: number
  /**
   * The sink that wrote it last (random per sink): a partial file another receive has resumed
   * since is not deleted by this one's discard.
   */
  owner?: string
}

/**
 * Writes a received file into `dir` (Node): bytes go to `<name>.parley-part` (created at the first
 * write, open from then to the file's end: see open()) with positioned writes, behind the engine
 * (see {@link WriteBehind}: `write()` resolves once the chunk is queued, at most 8 MiB are queued,
 * and `checkpoint()`, `readBack()` and `complete()` wait for the queued writes; a failed write
 * rejects the next call); a JSON sidecar `<name>.parley-part.json` records the stored offset at
 * each checkpoint, so a later receive of the same file (same name, size, last-modified) resumes
 * there. On success the partial file is renamed to `<name>` without replacing an existing file
 * unless allowed, and given the offered last-modified as its modification time. A file of up to
 * 1 MiB that nothing in the directory is named like (per the shared listing) is held in memory
 * instead, and written whole under its name once verified (see {@link HeldFile}), unless a
 * checkpoint comes first.
 *
 * A file received earlier (same name, size and modification time: a receive run again after it was
 * interrupted in a later file) is not received again: `open` reports it as fully stored, the
 * receiver hashes it and the sender sends no byte, only its digest. A match completes it as it is;
 * a mismatch fails the transfer and leaves the file untouched.
 */
export class NodeFileSink implements FileSink {
  readonly #options: NodeFileSinkOptions
  #handle: FileHandle | undefined
  /** A small new file's bytes, until it completes or a checkpoint spills them to the partial file. */
  #held: HeldFile | undefined
  /** The writer of the partial file, opened at the first write (see open()). */
  #writing: Promise<SequentialWriter> | undefined
  #writer: SequentialWriter | undefined
  /** Bytes [0, #stored) were in the partial file at open: where the writes start. */
  #stored = 0
  #path = ''
  #part = ''
  #sidecar = ''
  #meta: FileMeta | undefined
  #released = false
  #existing = false
  /** Whether `<name>.parley-part.json` may exist (found at open, or written since). */
  #sidecarExists = false
  /** Written into the sidecar: whose partial file it is. */
  readonly #owner = globalThis.crypto.randomUUID()

  constructor(options: NodeFileSinkOptions) {
    this.#options = options
  }

  /** Final path (known after open). */
  get path(): string {
    return this.#path
  }

  get partPath(): string {
    return this.#part
  }

  /** True when the bytes go to the disk with O_DIRECT (known after the first write). */
  get directIo(): boolean {
    return this.#writer instanceof DirectWriteBehind
  }

  /**
   * True when the file was already at its final path (received earlier, same size and time): it is
   * verified against the sender's digest, never written, renamed or deleted.
   */
  get existing(): boolean {
    return this.#existing
  }

  async open(file: FileMeta): Promise<number> {
    const { fs, path } = await nodeModules()
    const name = this.#options.name ?? safeFileName(file.name)
    if (name !== path.basename(name) || name === '.' || name === '..') {
      throw new ParleyError('INVALID_ARGUMENT', `unsafe file name ${JSON.stringify(name)}`)
    }
    this.#meta = file
    this.#path = path.join(this.#options.dir, name)
    this.#part = `${this.#path}${PART_SUFFIX}`
    this.#sidecar = `${this.#path}${SIDECAR_SUFFIX}`
    const listing = this.#options.listing?.dir === this.#options.dir ? this.#options.listing : undefined
    // nothing of this name in the directory: no file to check, no partial file to resume
    const fresh = (await listing?.isFresh(name)) ?? false
    if (!fresh && !this.#options.overwrite && (await exists(this.#path))) {
      if (await receivedEarlier(this.#path, file)) {
        this.#existing = true
        return file.size
      }
      throw new ParleyError('FILE_EXISTS', `${this.#path} exists (allow overwriting to replace it)`)
    }
    const resumeAt = fresh ? 0 : await this.#storedOffset(file)
    this.#options.space?.reserve(file.size - resumeAt, name)
    try {
      // The partial file is made when the first byte comes (a resumed one is cut to what is stored
      // now): accepting thousands of files holds no descriptor per file, and a receive killed
      // midway leaves no empty partial file for each file it never started. The directory must
      // take files now, though: a read-only one fails the accept, not the first file.
      if (resumeAt > 0) await fs.truncate(this.#part, resumeAt)
      else if (listing) await listing.writable()
      else await fs.access(this.#options.dir, fs.constants.W_OK | fs.constants.X_OK)
      this.#stored = resumeAt
      // Nothing stored yet: no sidecar until the first checkpoint (a small file is done before it;
      // each sidecar costs two file creations and a rename, ~1 ms here). A stale one goes.
      if (resumeAt > 0) await this.#writeSidecar(resumeAt)
      else if (this.#sidecarExists) await this.#removeSidecar()
      if (fresh && !this.#options.overwrite && file.size <= HELD_FILE_MAX_BYTES) this.#held = new HeldFile()
    } catch (cause) {
      const code = errnoCode(cause)
      // a missing directory, or a file in its place, is named as such
      if (code === 'ENOENT' || code === 'ENOTDIR') await checkDirectory(this.#options.dir)
      throw writeError(cause, this.#part)
    }
    return resumeAt
  }

  async readBack(offset: number, length: number): Promise<Uint8Array> {
    this.#requireOpen()
    if (this.#held) return this.#held.read(offset, length)
    if (this.#writing) {
      await this.#settled()
      return readAt(this.#handle!, offset, length)
    }
    // before the first write (a resumed prefix hashed at accept, a file received earlier verified in
    // place): a descriptor for this read only
    const { fs } = await nodeModules()
    const path = this.#existing ? this.#path : this.#part
    let handle: FileHandle
    try {
      handle = await fs.open(path, 'r')
    } catch (cause) {
      throw writeError(cause, path)
    }
    try {
      return await readAt(handle, offset, length)
    } finally {
      await handle.close().catch(() => {})
    }
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.#requireOpen()
    if (this.#existing) throw new ParleyError('WRITE_FAILED', `${this.#path} is complete already`)
    if (this.#held) {
      this.#held.add(chunk)
      return
    }
    this.#writing ??= this.#openWriter()
    const writer = await this.#writing
    await writer.write(chunk)
  }

  /** Opens the partial file for the writes, at the stored offset. */
  async #openWriter(): Promise<SequentialWriter> {
    const { fs } = await nodeModules()
    const meta = this.#meta!
    const at = this.#stored
    let handle: FileHandle | undefined
    try {
      handle = at > 0 ? await fs.open(this.#part, 'r+') : await createNew(this.#part)
      const toError = (cause: unknown) => writeError(cause, this.#part)
      const direct =
        this.#options.directIo !== false && meta.size - at >= DIRECT_IO_MIN_BYTES
          ? await openDirect(this.#part)
          : undefined
      const writer =
        (direct &&
          (await DirectWriteBehind.create(handle, direct, at, toError, {
            slabBytes: slabBytesFor(meta.size - at),
          }))) ||
        new WriteBehind(handle, at, toError)
      this.#handle = handle
      this.#writer = writer
      return writer
    } catch (cause) {
      this.#writing = undefined
      await handle?.close().catch(() => {})
      throw cause instanceof ParleyError ? cause : writeError(cause, this.#part)
    }
  }

  async checkpoint(offset: number): Promise<void> {
    this.#requireOpen()
    if (this.#existing) return
    if (this.#held) await this.#spill(this.#held)
    await this.#settled()
    try {
      await this.#writeSidecar(offset)
    } catch (cause) {
      throw writeError(cause, this.#sidecar)
    }
  }

  async complete(): Promise<void> {
    const { fs } = await nodeModules()
    this.#requireOpen()
    await this.#settled()
    this.#released = true
    if (this.#existing) return
    if (this.#held) return this.#completeHeld(this.#held)
    try {
      await this.#closeWriter(true)
      // an empty file was never written: made now
      if (this.#stored === 0 && this.#meta!.size === 0) await (await createNew(this.#part)).close()
      // link() fails with EEXIST instead of replacing a file created meanwhile
      if (this.#options.overwrite) await fs.rename(this.#part, this.#path)
      else await fs.link(this.#part, this.#path)
      const meta = this.#meta
      // independent of each other, so at once (thousands of small files: one round trip each)
      await Promise.all([
        this.#options.overwrite ? undefined : fs.unlink(this.#part),
        this.#sidecarExists ? this.#removeSidecar() : undefined,
        // the sender's modification time: also what recognises the file if the receive runs again
        meta && meta.lastModified > 0
          ? fs.utimes(this.#path, new Date(), new Date(meta.lastModified)).catch(() => {})
          : undefined,
      ])
    } catch (cause) {
      if (errnoCode(cause) === 'EEXIST') {
        throw new ParleyError(
          'FILE_EXISTS',
          `${this.#path} appeared during the transfer; kept ${this.#part}`,
          {
            cause,
          },
        )
      }
      throw writeError(cause, this.#path)
    }
  }

  /** Writes the held bytes to the partial file: from now on the file is written as a large one. */
  async #spill(held: HeldFile): Promise<void> {
    this.#held = undefined
    this.#writing ??= this.#openWriter()
    const writer = await this.#writing
    for (const chunk of held.chunks) await writer.write(chunk)
  }

  /** Writes a held file whole under its name; one that appeared meanwhile keeps the bytes aside. */
  async #completeHeld(held: HeldFile): Promise<void> {
    this.#held = undefined
    try {
      await held.writeTo(this.#path, this.#meta!.lastModified)
    } catch (cause) {
      if (errnoCode(cause) !== 'EEXIST') throw writeError(cause, this.#path)
      try {
        const handle = await createNew(this.#part)
        await held.writeInto(handle).finally(() => handle.close())
      } catch (error) {
        throw writeError(error, this.#part)
      }
      throw new ParleyError('FILE_EXISTS', `${this.#path} appeared during the transfer; kept ${this.#part}`, {
        cause,
      })
    }
  }

  async discard(): Promise<void> {
    if (this.#released || !this.#part) return
    this.#released = true
    this.#held = undefined
    const { fs } = await nodeModules()
    // the partial file this sink writes, to tell it from one another receive made since
    const ino = await this.#handle?.stat().then(
      (st) => st.ino,
      () => undefined,
    )
    await this.#closeWriter(false)
    if (this.#existing) return // a file received earlier is never deleted
    if (!(await this.#partStillOurs(ino))) return
    await fs.rm(this.#part, { force: true }).catch(() => {})
    if (this.#sidecarExists) await this.#removeSidecar().catch(() => {})
  }

  /**
   * Whether the partial file is still this sink's (`ino`: the one it wrote, if known). Another
   * receive into the same directory may have taken the name over meanwhile: resumed the file (the
   * sidecar names another owner) or started it again (another inode under the name).
   */
  async #partStillOurs(ino: number | undefined): Promise<boolean> {
    const { fs } = await nodeModules()
    if (this.#sidecarExists) {
      const owner = ownerOf(await fs.readFile(this.#sidecar, 'utf8').catch(() => ''))
      if (owner !== undefined && owner !== this.#owner) return false
    }
    if (ino === undefined) return true
    const now = await fs.lstat(this.#part).then(
      (st) => st.ino,
      () => ino, // gone already: nothing of another's to keep
    )
    return now === ino
  }

  async close(): Promise<void> {
    if (this.#released) return
    this.#released = true
    this.#held = undefined // never confirmed to the sender: it sends them again
    await this.#closeWriter(false)
  }

  /** Waits for the writer (if any) to be open and its queued writes to be written. */
  async #settled(): Promise<void> {
    if (!this.#writing) return
    const writer = await this.#writing
    await writer.drain()
  }

  /**
   * Closes the writer and the file. `strict`: a failure to close rejects (complete); otherwise it
   * is ignored (the data is kept or dropped anyway).
   */
  async #closeWriter(strict: boolean): Promise<void> {
    const writing = this.#writing
    this.#writing = undefined
    const writer = await writing?.catch(() => undefined)
    const handle = this.#handle
    this.#handle = undefined
    this.#writer = undefined
    if (!writer || !handle) return
    if (strict) {
      await writer.close()
      await handle.close()
    } else {
      await writer.close().catch(() => {})
      await handle.close().catch(() => {})
    }
  }

  /** Bytes a previous attempt stored for this same file, per its sidecar (0 when none or stale). */
  async #storedOffset(file: FileMeta): Promise<number> {
    const { fs } = await nodeModules()
    try {
      const text = await fs.readFile(this.#sidecar, 'utf8')
      this.#sidecarExists = true
      const sidecar = JSON.parse(text) as Partial<Sidecar>
      const part = await fs.stat(this.#part)
      const same =
        sidecar.v === 1 &&
        sidecar.name === file.name &&
        sidecar.size === file.size &&
        sidecar.lastModified === file.lastModified &&
        typeof sidecar.offset === 'number' &&
        Number.isSafeInteger(sidecar.offset) &&
        sidecar.offset >= 0 &&
        sidecar.offset <= file.size &&
        part.size >= sidecar.offset
      return same ? (sidecar.offset as number) : 0
    } catch {
      return 0
    }
  }

  async #writeSidecar(offset: number): Promise<void> {
    const { fs } = await nodeModules()
    const meta = this.#meta!
    const sidecar: Sidecar = {
      v: 1,
      name: meta.name,
      size: meta.size,
      lastModified: meta.lastModified,
      offset,
      owner: this.#owner,
    }
    const tmp = `${this.#sidecar}.tmp`
    await fs.writeFile(tmp, JSON.stringify(sidecar))
    await fs.rename(tmp, this.#sidecar)
    this.#sidecarExists = true
  }

  async #removeSidecar(): Promise<void> {
    await unlinkIfThere(this.#sidecar)
    this.#sidecarExists = false
  }

  #requireOpen(): void {
    if (!this.#meta || this.#released) throw new ParleyError('WRITE_FAILED', 'the file sink is not open')
  }
}

/** The owner a sidecar's text names (undefined: none, or not a sidecar). */
function ownerOf(text: string): string | undefined {
  try {
    const owner: unknown = (JSON.parse(text) as Partial<Sidecar> | null)?.owner
    return typeof owner === 'string' ? owner : undefined
  } catch {
    return undefined
  }
}

/** Staging buffers of a direct writer: four cover the file (2 MiB each at most, 64 KiB at least). */
function slabBytesFor(left: number): number {
  const A = DIRECT_IO_ALIGNMENT
  const quarter = Math.ceil(left / 4 / A) * A
  return Math.min(2 << 20, Math.max(64 << 10, quarter))
}
