import { ParleyError } from '../../errors.js'
import { BufferPool } from '../BufferPool.js'
import type { FileSink } from '../FileSink.js'
import type { FileMeta } from '../messages.js'
import type { SpaceBudget } from '../SpaceBudget.js'
import { WriteGatherer } from '../WriteGatherer.js'
import { holdOpfsEntry, OPFS_ROOT, opfsEntryName } from './opfsHousekeeping.js'
import { OPFS_WORKER_SOURCE } from './opfsWorker.js'
import { type SavableSink, type SaveOptions, saveBlob } from './save.js'

interface WorkerReply {
  id: number
  ok: boolean
  value?: unknown
  name?: string
  message?: string
  /** A written buffer, transferred back (see opfsWorker.ts). */
  back?: ArrayBuffer
}

/**
 * Bytes gathered before one write goes to the worker. Each postMessage to the worker cost the
 * receiving page's main thread ~0.27 ms whatever its size (a V8 profile of a 256 MiB receive: 1.1 s
 * in postMessage for 4,096 writes of 64 KiB, a third of the thread's busy time), so the 64 KiB
 * chunks browsers send are copied into 1 MiB buffers and written 1 MiB at a time.
 */
export const OPFS_STAGE_BYTES = 1024 * 1024
/** Writes handed to the worker before write() waits (4 × 1 MiB, plus the buffer being filled). */
const MAX_IN_FLIGHT = 4

/** One worker for every OPFS sink of the page. */
class OpfsWorker {
  static #shared: OpfsWorker | undefined
  readonly #worker: Worker
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>()
  /** Written buffers kept for the next stages (shared by the page's sinks). */
  readonly #spare = new BufferPool(OPFS_STAGE_BYTES, MAX_IN_FLIGHT + 1)
  #next = 1

  static get(): OpfsWorker {
    OpfsWorker.#shared ??= new OpfsWorker()
    return OpfsWorker.#shared
  }

  private constructor() {
    const url = URL.createObjectURL(new Blob([OPFS_WORKER_SOURCE], { type: 'text/javascript' }))
    this.#worker = new Worker(url)
    URL.revokeObjectURL(url)
    this.#worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const reply = event.data
      if (reply.back instanceof ArrayBuffer) this.#spare.give(reply.back)
      const pending = this.#pending.get(reply.id)
      if (!pending) return
      this.#pending.delete(reply.id)
      if (reply.ok) pending.resolve(reply.value)
      else
        pending.reject(
          Object.assign(new Error(reply.message ?? 'OPFS error'), { name: reply.name ?? 'Error' }),
        )
    }
  }

  /** A buffer of OPFS_STAGE_BYTES to gather a write in: one the worker gave back, or a new one. */
  stageBuffer(): Uint8Array<ArrayBuffer> {
    return this.#spare.take()
  }

  call<T>(op: string, args: Record<string, unknown>, transfer: Transferable[] = []): Promise<T> {
    const id = this.#next++
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.#worker.postMessage({ id, op, ...args }, transfer)
    })
  }
}

/** What the sidecar of an OPFS file records: the stored offset, or that the file is complete. */
interface Sidecar {
  v: 1
  name: string
  size: number
  lastModified: number
  offset: number
  /** Every byte was received and verified (offset is the size): kept for its save and a reload. */
  complete?: true
}

const ROOT = OPFS_ROOT
/**
 * Stores a received file in the browser's origin private file system (OPFS) through a worker's
 * sync access handles: written in place on disk (memory stays flat for any size) and checkpointed
 * with a small JSON sidecar, so that after a page reload a new transfer of the same file (name,
 * size, last-modified) resumes where the data ends. Once complete, the sidecar says so (`open`
 * then reports the whole file stored: a reloaded page does not receive it again), `file()` is a
 * disk-backed File and `save()` downloads it without loading it into memory.
 */
export class OpfsSink implements FileSink, SavableSink {
  readonly #worker = OpfsWorker.get()
  readonly #space: SpaceBudget | undefined
  #meta: FileMeta | undefined
  #path = ''
  /** 64 KiB chunks gathered into 1 MiB writes to the worker, up to MAX_IN_FLIGHT pending. */
  readonly #writes = new WriteGatherer(
    {
      take: () => this.#worker.stageBuffer(),
      put: (at, bytes, gathered) => {
        // transferred, not copied (the worker hands gathered buffers back); a caller's chunk that
        // is a view of a larger buffer goes as a copy of its own
        const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
        const own = gathered || whole ? bytes : bytes.slice()
        return this.#worker.call('write', { path: this.#path, at, bytes: own }, [own.buffer])
      },
    },
    {
      stageBytes: OPFS_STAGE_BYTES,
      maxInFlight: MAX_IN_FLIGHT,
      toError: (error) => storageError(error, this.name),
    },
  )
  /** Releases this page's hold on the entry (see opfsHousekeeping.ts). */
  #release: (() => void) | undefined

  /**
   * `space`: the site's storage left, shared with the other sinks of the transfer: `open` reserves
   * what the file still needs and rejects with DISK_FULL when it does not fit (see
   * {@link SpaceBudget.ofOrigin}).
   */
  constructor(options: { space?: SpaceBudget } = {}) {
    this.#space = options.space
  }

  /** True when this browser has OPFS sync access handles and workers. */
  static isSupported(): boolean {
    const g = globalThis as { navigator?: { storage?: { getDirectory?: unknown } }; Worker?: unknown }
    return typeof g.Worker === 'function' && typeof g.navigator?.storage?.getDirectory === 'function'
  }

  get name(): string {
    return this.#meta?.name ?? 'file'
  }

  async open(file: FileMeta): Promise<number> {
    this.#meta = file
    this.#path = `${ROOT}/${opfsEntryName(file)}`
    this.#release ??= await holdOpfsEntry(opfsEntryName(file))
    try {
      const stored = await this.#worker.call<number>('open', { path: this.#path })
      const text = await this.#worker.call<string | null>('readText', { path: `${this.#path}.json` })
      const sidecar = parseSidecar(text)
      const same =
        sidecar?.v === 1 &&
        sidecar.name === file.name &&
        sidecar.size === file.size &&
        sidecar.lastModified === file.lastModified &&
        typeof sidecar.offset === 'number' &&
        sidecar.offset <= stored &&
        sidecar.offset <= file.size
      const offset = same ? (sidecar.offset as number) : 0
      this.#space?.reserve(file.size - offset, file.name)
      await this.#worker.call('truncate', { path: this.#path, size: offset })
      this.#writes.reset(offset, file.size)
      // a complete entry stays marked complete until the receiver completes (or discards) it again;
      // a new file gets its sidecar at its first checkpoint or its end (a small file: once, not twice)
      const keep = same && sidecar.complete === true && offset === file.size
      if (!keep && (text !== null || offset > 0)) await this.checkpoint(offset)
      return offset
    } catch (error) {
      throw storageError(error, file.name)
    }
  }

  async readBack(offset: number, length: number): Promise<Uint8Array> {
    await this.#writes.drain()
    return this.#worker.call<Uint8Array>('read', { path: this.#path, at: offset, length })
  }

  /**
   * Gathers the chunk into the 1 MiB buffer being filled, handed to the worker (transferred, not
   * copied) once full; resolves at once while fewer than MAX_IN_FLIGHT writes are pending (see
   * WriteGatherer). A failed write rejects the next write or checkpoint; checkpoint(), readBack()
   * and complete() write what is gathered and wait for every pending write.
   */
  async write(chunk: Uint8Array): Promise<void> {
    await this.#writes.write(chunk)
  }

  async checkpoint(offset: number): Promise<void> {
    await this.#writes.drain()
    const sidecar = this.#sidecar(offset)
    try {
      // no flush: what a reload or a browser crash can lose is nothing (see opfsWorker.ts); after an
      // operating system crash the final SHA-256 check catches bytes the sidecar counts but the
      // disk lost
      await this.#worker.call('writeText', { path: `${this.#path}.json`, text: JSON.stringify(sidecar) })
    } catch (error) {
      throw storageError(error, this.name)
    }
  }

  /**
   * Closes the file and marks it complete in its sidecar; this page keeps holding it (for its save)
   * until remove() or the page's end.
   */
  async complete(): Promise<void> {
    await this.#writes.drain()
    const sidecar: Sidecar = { ...this.#sidecar(this.#meta!.size), complete: true }
    try {
      await this.#worker.call('close', { path: this.#path })
      await this.#worker.call('writeText', { path: `${this.#path}.json`, text: JSON.stringify(sidecar) })
      await this.#worker.call('close', { path: `${this.#path}.json` })
    } catch (error) {
      throw storageError(error, this.name)
    }
  }

  /** What the sidecar records with bytes [0, offset) stored. */
  #sidecar(offset: number): Sidecar {
    const meta = this.#meta!
    return { v: 1, name: meta.name, size: meta.size, lastModified: meta.lastModified, offset }
  }

  async discard(): Promise<void> {
    this.#writes.drop()
    if (!this.#path) return
    await this.#worker.call('remove', { path: this.#path }).catch(() => {})
    await this.#worker.call('remove', { path: `${this.#path}.json` }).catch(() => {})
    this.#unhold()
  }

  /** Keeps the partial file for a resume (by this page or another); no longer held by this page. */
  async close(): Promise<void> {
    if (!this.#path) return
    // what is gathered lies past the last checkpoint, where a resume starts: not written
    this.#writes.drop()
    await this.#writes.settle()
    await this.#worker.call('close', { path: this.#path }).catch(() => {})
    await this.#worker.call('close', { path: `${this.#path}.json` }).catch(() => {})
    this.#unhold()
  }

  #unhold(): void {
    this.#release?.()
    this.#release = undefined
  }

  /** The received file, read from OPFS (disk-backed). */
  async file(): Promise<File> {
    let dir = await navigator.storage.getDirectory()
    dir = await dir.getDirectoryHandle(ROOT)
    const handle = await dir.getFileHandle(this.#path.slice(ROOT.length + 1))
    const file = await handle.getFile()
    return new File([file], this.name, {
      type: this.#meta?.type ?? '',
      lastModified: this.#meta?.lastModified ?? 0,
    })
  }

  async save(options?: SaveOptions): Promise<void> {
    await saveBlob(await this.file(), this.name, options)
  }

  /** Deletes the stored file (after it was saved). */
  async remove(): Promise<void> {
    await this.discard()
  }
}

/** The sidecar's JSON, undefined when missing or torn (a write cut short by a crash): start afresh. */
function parseSidecar(text: string | null): Partial<Sidecar> | undefined {
  if (!text) return undefined
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null ? (value as Partial<Sidecar>) : undefined
  } catch {
    return undefined
  }
}

function storageError(error: unknown, name: string): ParleyError {
  if (error instanceof ParleyError) return error
  const kind = (error as { name?: string } | undefined)?.name
  if (kind === 'QuotaExceededError') {
    return new ParleyError('DISK_FULL', `storage quota exceeded while receiving ${name}`, { cause: error })
  }
  return new ParleyError(
    'WRITE_FAILED',
    `cannot store ${name}: ${String((error as Error)?.message ?? error)}`,
    {
      cause: error,
    },
  )
}
