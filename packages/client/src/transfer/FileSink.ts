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
   * for this same file (name, size, last-modified), 0 when starting afresh.
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

/** Chooses the sink of each accepted file. */
export type SinkFactory = (file: FileMeta) => FileSink | Promise<FileSink>
