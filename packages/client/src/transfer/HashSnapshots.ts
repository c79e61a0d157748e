import { ParleyError } from '../errors.js'
import type { FileSource } from './FileSource.js'
import { type Hasher, LIST_SEGMENT_BYTES } from './hash.js'

/** Snapshots kept per file at most (a resume before the oldest one re-reads the file from 0). */
const MAX_SNAPSHOTS = 4096

/**
 * A snapshot is taken at the first chunk boundary of every such span: a resume re-reads (never
 * re-sends) at most this much plus one chunk after the nearest snapshot. One `sha256-list`
 * segment, so that snapshots copy no unfinished segment bytes.
 */
export const SNAPSHOT_SPAN = LIST_SEGMENT_BYTES

/**
 * The sender's copies of a file's running hash at chunk boundaries: the resume points. A resume at
 * offset X starts from the nearest snapshot at or before X and re-reads the bytes between them.
 */
export class HashSnapshots {
  readonly #snapshots = new Map<number, Hasher>()

  /** After the chunk [offset − chunkBytes, offset): keeps a copy when it crossed into a new span. */
  afterChunk(offset: number, chunkBytes: number, hasher: Hasher): void {
    if (Math.floor(offset / SNAPSHOT_SPAN) === Math.floor((offset - chunkBytes) / SNAPSHOT_SPAN)) return
    this.set(offset, hasher)
  }

  /** Keeps a copy of `hasher` as the state at `offset`. */
  set(offset: number, hasher: Hasher): void {
    if (this.#snapshots.size < MAX_SNAPSHOTS || this.#snapshots.has(offset)) {
      this.#snapshots.set(offset, hasher.clone())
    }
  }

  /** A copy of the nearest snapshot at or before `offset`, with its offset. */
  nearest(offset: number): { at: number; hasher: Hasher } | undefined {
    const at = this.#nearestOffset(offset)
    const snapshot = at < 0 ? undefined : this.#snapshots.get(at)
    return snapshot ? { at, hasher: snapshot.clone() } : undefined
  }

  /**
   * The running hash at `offset`: the nearest snapshot at or before it (or `create()` at 0),
   * brought forward by reading the bytes between them from `source` again, 4 MiB at a time, and
   * kept as the snapshot at `offset`. Undefined when `stillWanted()` turns false between reads.
   */
  async hasherAt(
    source: FileSource,
    offset: number,
    create: () => Hasher,
    stillWanted: () => boolean,
  ): Promise<Hasher | undefined> {
    const snapshot = this.nearest(offset)
    const hasher = snapshot?.hasher ?? create()
    for (let at = snapshot?.at ?? 0; at < offset; ) {
      if (!stillWanted()) return undefined
      const length = Math.min(4 * 1024 * 1024, offset - at)
      const chunk = await source.read(at, length)
      if (chunk.byteLength !== length) {
        throw new ParleyError('READ_FAILED', `${source.name} changed while being sent (short read)`)
      }
      hasher.update(chunk)
      at += length
    }
    this.set(offset, hasher)
    return hasher
  }

  /**
   * [0, confirmed) is stored: forgets every snapshot before the nearest one at or before
   * `confirmed` (that one stays, as the resume point).
   */
  confirmed(confirmed: number): void {
    const keep = this.#nearestOffset(confirmed)
    for (const at of this.#snapshots.keys()) if (at < keep) this.#snapshots.delete(at)
  }

  clear(): void {
    this.#snapshots.clear()
  }

  #nearestOffset(offset: number): number {
    let best = -1
    for (const at of this.#snapshots.keys()) if (at <= offset && at > best) best = at
    return best
  }
}
