import type { FileMeta } from './messages.js'

/**
 * Where one received file goes. The transfer engine calls, in order: `open` once, then `write`
 * sequentially (never concurrently; each resolves when the sink has taken the bytes — it may write
 * them behind, as long as `checkpoint`, `readBack` and `complete` wait for them and a failed write
 * rejects a later call), `checkpoint` after the writes it covers, and finally one of `complete`
 * (verified), `discard` (integrity failure, cancel) or `close` (keep the partial data for a later
 * resume). The engine does not reuse a chunk after `write`. Errors are ParleyErrors (DISK_FULL,
 * WRITE_FAILED, FILE_EXISTS).
 */
export interface FileSink {
  /**
   * Prepares the storage. Resolves with the number of bytes already stored by an earlier attempt
   * for this same file (name, size, last-modified), 0 when starting afresh; the file's size when
   * the sink holds all of it from an earlier receive (NodeFileSink: the file in place; OpfsSink: a
   * completed entry), which the receiver then verifies instead of receiving it again.
   */
  open(file: FileMeta): Promise<number>
  /** Reads back stored bytes [offset, offset + length) (to rebuild the hash when resuming). */
  readBack(offset: number, length: number): Promise<Uint8Array>
  write(chunk: Uint8Array): Promise<void>
  /** Records durably that bytes [0, offset) are stored (the resume point after a crash/reload). */
  checkpoint(offset: number): Promise<void>
  /** Every byte was written and verified: makes the file final. */
  complete(): Promise<void>
  /** Drops the partial data. Idempotent. */
  discard(): Promise<void>
  /** Releases resources and keeps the partial data for a later resume. Idempotent. */
  close(): Promise<void>
  /**
   * True when `open` found the whole file already in place from an earlier receive (NodeFileSink:
   * same name, size and modification time): it is verified, never written or deleted, and a
   * digest mismatch fails with FILE_EXISTS instead of INTEGRITY.
   */
  readonly existing?: boolean
}

/** What a sink factory knows about the transfer of the file it places. */
export interface SinkContext {
  /** The size of every accepted file of the transfer together, this one included. */
  readonly transferBytes: number
}

/**
 * Chooses the sink of each accepted file (`context`: the whole transfer, e.g. to keep small files
 * of a large transfer on disk; absent when a caller places one file on its own).
 */
export type SinkFactory = (file: FileMeta, context?: SinkContext) => FileSink | Promise<FileSink>
