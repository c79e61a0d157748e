import type { FileHandle } from 'node:fs/promises'
import { errnoCode, nodeModules } from './nodeModules.js'
import { readFully } from './readFully.js'
import type { SequentialWriter } from './WriteBehind.js'

/** File offsets and lengths of direct writes are multiples of this (covers 512 B and 4 KiB devices). */
export const DIRECT_IO_ALIGNMENT = 4096

/** The part of a FileHandle a direct writer needs (tests pass a fake one). */
export type DirectHandle = Pick<FileHandle, 'write' | 'close'>

export interface DirectWriteBehindOptions {
  /** Bytes per staging buffer, a multiple of {@link DIRECT_IO_ALIGNMENT} (default 2 MiB). */
  slabBytes?: number
  /** Staging buffers: one being filled, the others being written (default 4). */
  slabs?: number
}

/**
 * Sequential writes to one file through `O_DIRECT`: received bytes are copied into a few aligned
 * staging buffers ("slabs"), and each full slab goes to the disk with one direct write while the
 * next one fills. The page cache is bypassed: no page is allocated, dirtied and written back per
 * byte received, which on this project's test machines (VMs that hand freed memory back to their
 * host) cost 2.5–3.5 ms of CPU per MiB against 0.6 for the direct path, and a multi-GiB receive no
 * longer evicts everything else from the cache.
 *
 * Direct writes need aligned file offsets, lengths and memory. Offsets and lengths: every direct
 * write covers whole {@link DIRECT_IO_ALIGNMENT} blocks from an aligned offset; a resume at an
 * unaligned offset first reads back the stored start of its block. The bytes of a last, partial
 * block go through the ordinary `handle` when `drain()` must have them stored (a checkpoint, the
 * end): they stay in the slab and are written again, whole, by the next direct write. Memory: the
 * address of a JavaScript buffer is unknown, so {@link DirectWriteBehind.create} finds an aligned
 * start inside a slightly larger buffer by trying every 16-byte offset at once (allocators align to
 * 16), each a direct write of zeros to the first whole block past the stored bytes, which the
 * received bytes overwrite later.
 *
 * Same contract as WriteBehind: `write()` resolves once the chunk is taken (copied: callers may
 * reuse it), `drain()` once everything is stored, and the first failure rejects every later call.
 */
export class DirectWriteBehind implements SequentialWriter {
  readonly #handle: FileHandle
  readonly #direct: DirectHandle
  readonly #toError: (cause: unknown) => Error
  readonly #slabs: Uint8Array[]
  readonly #free: number[]
  readonly #inFlight = new Set<Promise<void>>()
  /** Waiters for a slab to come back. */
  readonly #waiters: (() => void)[] = []
  #current: number
  #fill: number
  /** File offset of the current slab's first byte (aligned). */
  #slabStart: number
  #failure: Error | undefined
  /** write() and drain() run one after the other, in call order. */
  #ops: Promise<void> = Promise.resolve()

  private constructor(
    handle: FileHandle,
    direct: DirectHandle,
    slabs: Uint8Array[],
    slabStart: number,
    fill: number,
    toError: (cause: unknown) => Error,
  ) {
    this.#handle = handle
    this.#direct = direct
    this.#slabs = slabs
    this.#toError = toError
    this.#current = 0
    this.#free = slabs.map((_, i) => i).slice(1)
    this.#slabStart = slabStart
    this.#fill = fill
  }

  /**
   * A direct writer appending at `position` to the file of `handle` (opened for reading and
   * writing), through `direct` (the same file opened with O_DIRECT, see {@link openDirect}), or
   * undefined when direct writes fail here (alignment not found, a file system that refuses them):
   * the caller then writes the ordinary way. Takes ownership of `direct` (closed when undefined is
   * returned or this rejects). Its probe writes zeros to the first whole block at or after
   * `position` (see the class comment): call it only with more than two blocks left to write.
   */
  static async create(
    handle: FileHandle,
    direct: DirectHandle,
    position: number,
    toError: (cause: unknown) => Error,
    options: DirectWriteBehindOptions = {},
  ): Promise<DirectWriteBehind | undefined> {
    const A = DIRECT_IO_ALIGNMENT
    const slabBytes = options.slabBytes ?? 2 << 20
    const count = Math.max(2, options.slabs ?? 4)
    if (slabBytes <= 0 || slabBytes % A !== 0) {
      await direct.close().catch(() => {})
      throw new RangeError(`slabBytes must be a multiple of ${A}`)
    }
    try {
      return await DirectWriteBehind.#create(handle, direct, position, toError, slabBytes, count)
    } catch (error) {
      await direct.close().catch(() => {})
      throw error
    }
  }

  static async #create(
    handle: FileHandle,
    direct: DirectHandle,
    position: number,
    toError: (cause: unknown) => Error,
    slabBytes: number,
    count: number,
  ): Promise<DirectWriteBehind | undefined> {
    const A = DIRECT_IO_ALIGNMENT
    const blockStart = position - (position % A)
    // the stored start of the first block, which direct writes rewrite whole
    const head = new Uint8Array(A)
    const stored = position - blockStart
    await readFully(handle, head, stored, blockStart)
    const memory = new Uint8Array(count * slabBytes + A)
    const probeAt = stored === 0 ? blockStart : blockStart + A
    const start = await findAlignedStart(direct, memory, probeAt)
    if (start === undefined) {
      await direct.close().catch(() => {})
      return undefined
    }
    const slabs: Uint8Array[] = []
    for (let i = 0; i < count; i++)
      slabs.push(memory.subarray(start + i * slabBytes, start + (i + 1) * slabBytes))
    slabs[0]!.set(head.subarray(0, stored))
    return new DirectWriteBehind(handle, direct, slabs, blockStart, stored, toError)
  }

  /** End of the bytes taken so far (what the file will hold once drained). */
  get position(): number {
    return this.#slabStart + this.#fill
  }

  write(chunk: Uint8Array): Promise<void> {
    return this.#enqueue(() => this.#write(chunk))
  }

  drain(): Promise<void> {
    return this.#enqueue(() => this.#drain())
  }

  async settle(): Promise<void> {
    await this.#ops.catch(() => {})
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight])
  }

  /** Closes the direct handle (after `settle()`); the caller closes its own. */
  async close(): Promise<void> {
    await this.settle()
    await this.#direct.close().catch(() => {})
  }

  #enqueue(op: () => Promise<void>): Promise<void> {
    const run = this.#ops.then(() => {
      if (this.#failure) throw this.#failure
      return op()
    })
    this.#ops = run.catch(() => {})
    return run
  }

  async #write(chunk: Uint8Array): Promise<void> {
    for (let taken = 0; taken < chunk.byteLength; ) {
      const slab = this.#slabs[this.#current]!
      const n = Math.min(slab.byteLength - this.#fill, chunk.byteLength - taken)
      slab.set(chunk.subarray(taken, taken + n), this.#fill)
      this.#fill += n
      taken += n
      if (this.#fill === slab.byteLength) {
        this.#submit(this.#current, slab.byteLength)
        this.#slabStart += slab.byteLength
        this.#fill = 0
        this.#current = await this.#takeFree()
      }
    }
    if (this.#failure) throw this.#failure
  }

  async #drain(): Promise<void> {
    const A = DIRECT_IO_ALIGNMENT
    const whole = this.#fill - (this.#fill % A)
    if (whole > 0) {
      // the whole blocks go direct; the partial one moves to the start of the next slab
      const from = this.#current
      this.#submit(from, whole)
      const next = await this.#takeFree()
      const rest = this.#fill - whole
      this.#slabs[next]!.set(this.#slabs[from]!.subarray(whole, this.#fill))
      this.#current = next
      this.#slabStart += whole
      this.#fill = rest
    }
    if (this.#fill > 0) {
      try {
        await writeAll(this.#handle, this.#slabs[this.#current]!.subarray(0, this.#fill), this.#slabStart)
      } catch (cause) {
        this.#fail(cause)
      }
    }
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight])
    if (this.#failure) throw this.#failure
  }

  /** Writes the first `length` bytes of slab `index` at the current slab start; frees it after. */
  #submit(index: number, length: number): void {
    const write = writeAll(this.#direct, this.#slabs[index]!.subarray(0, length), this.#slabStart)
    const done: Promise<void> = write.then(
      () => this.#release(index, done),
      (cause: unknown) => {
        this.#fail(cause)
        this.#release(index, done)
      },
    )
    this.#inFlight.add(done)
  }

  #release(index: number, write: Promise<void>): void {
    this.#inFlight.delete(write)
    this.#free.push(index)
    this.#waiters.shift()?.()
  }

  async #takeFree(): Promise<number> {
    for (;;) {
      const index = this.#free.shift()
      if (index !== undefined) return index
      await new Promise<void>((resolve) => this.#waiters.push(resolve))
    }
  }

  #fail(cause: unknown): void {
    this.#failure ??= this.#toError(cause)
  }
}

/**
 * Opens `path` for direct writes (O_WRONLY | O_DIRECT), or undefined where that does not exist
 * (not Linux) or the file system refuses it.
 */
export async function openDirect(path: string): Promise<FileHandle | undefined> {
  const { fs } = await nodeModules()
  const { O_DIRECT, O_WRONLY } = fs.constants
  if (typeof O_DIRECT !== 'number' || O_DIRECT === 0) return undefined
  try {
    return await fs.open(path, O_WRONLY | O_DIRECT)
  } catch {
    return undefined
  }
}

/**
 * The offset into `memory` (zeros) where direct writes work: a direct write of one block of zeros
 * at the aligned file offset `at` from 16-byte steps of its first block, all at once (each refused
 * one costs a system call and a trip through libuv's pool: one after the other they took 8–36 ms).
 * The lowest accepted offset; undefined when none is (EINVAL each time) or a write fails otherwise.
 */
async function findAlignedStart(
  direct: DirectHandle,
  memory: Uint8Array,
  at: number,
): Promise<number | undefined> {
  // most devices want memory aligned to 512 bytes at most: 32 tries; 4 KiB ones: 256
  return (
    (await tryOffsets(direct, memory, at, 0, 512)) ?? tryOffsets(direct, memory, at, 512, DIRECT_IO_ALIGNMENT)
  )
}

async function tryOffsets(
  direct: DirectHandle,
  memory: Uint8Array,
  at: number,
  from: number,
  to: number,
): Promise<number | undefined> {
  const A = DIRECT_IO_ALIGNMENT
  const tries: Promise<number | undefined>[] = []
  let failed = false
  for (let offset = from; offset < to; offset += 16) {
    tries.push(
      direct.write(memory, offset, A, at).then(
        ({ bytesWritten }) => (bytesWritten === A ? offset : undefined),
        (cause: unknown) => {
          if (errnoCode(cause) !== 'EINVAL') failed = true
          return undefined
        },
      ),
    )
  }
  const accepted = (await Promise.all(tries)).filter((offset) => offset !== undefined)
  return failed ? undefined : accepted[0]
}

async function writeAll(handle: DirectHandle, bytes: Uint8Array, at: number): Promise<void> {
  for (let done = 0; done < bytes.byteLength; ) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done, at + done)
    if (bytesWritten <= 0) throw new Error('write wrote nothing')
    done += bytesWritten
  }
}
