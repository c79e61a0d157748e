/**
 * Random-access reader of one file to send. Implementations never hold the whole file: each read
 * returns at most `length` bytes the source never writes to again (a view that may share its
 * buffer with other reads' views: consumers must not transfer or detach it).
 */
export interface FileSource {
  readonly name: string
  readonly size: number
  /** MIME type, '' when unknown. */
  readonly type: string
  /** ms since the epoch, 0 when unknown. */
  readonly lastModified: number
  /**
   * Reads `length` bytes at `offset` (fewer only at the end of the file). Rejects with READ_FAILED
   * (I/O error, or the file shrank since it was offered).
   */
  read(offset: number, length: number): Promise<Uint8Array>
  /** Releases the file. Idempotent. */
  close(): Promise<void>
}
