import { ParleyError } from '../errors.js'
import type { FileSource } from './FileSource.js'

export interface ChunkReaderOptions {
  /** Size of the chunks handed out (the last one may be shorter). */
  chunkSize: number
  /** Chunks read ahead of the consumer. */
  readAhead: number
  /** Bytes asked from the source per read, a multiple of chunkSize (default: 1 MiB's worth, ≥ 1 chunk). */
  blockSize?: number
}

/**
 * Reads a file source sequentially from an offset, ahead of its consumer: a few large reads
 * (`blockSize`) in flight, each handed out as chunks (views of the block, not copies). A sender that
 * gets room in the channel's buffer then finds the chunks to fill it already read, and a disk read
 * (a round trip to a thread pool in Node) serves several chunks.
 */
export class ChunkReader {
  readonly #source: FileSource
  readonly #end: number
  readonly #chunkSize: number
  readonly #blockSize: number
  readonly #readAhead: number
  readonly #chunks: Promise<Uint8Array>[] = []
  /** Where the reads started. */
  readonly from: number
  #readOffset: number

  constructor(source: FileSource, from: number, options: ChunkReaderOptions) {
    this.#source = source
    this.#end = source.size
    this.#chunkSize = options.chunkSize
    const perBlock = Math.max(1, Math.floor((options.blockSize ?? 1024 * 1024) / options.chunkSize))
    this.#blockSize = perBlock * options.chunkSize
    this.#readAhead = Math.max(perBlock, options.readAhead)
    this.from = from
    this.#readOffset = from
  }

  /** True once every read up to the end of the file is issued. */
  get issuedAll(): boolean {
    return this.#readOffset >= this.#end
  }

  /** Issues the first block's read if none is issued yet (a file read ahead of its turn); returns its bytes. */
  start(): number {
    const at = this.#readOffset
    if (this.#chunks.length === 0) this.#readMore()
    return this.#readOffset - at
  }

  /** Starts reads until `readAhead` chunks are read or being read. */
  fill(): void {
    const perBlock = this.#blockSize / this.#chunkSize
    while (this.#chunks.length + perBlock <= this.#readAhead && this.#readMore()) {}
  }

  /** The next chunk. Rejects with READ_FAILED (I/O error, or the file shrank: short read). */
  next(): Promise<Uint8Array> {
    this.fill()
    const chunk = this.#chunks.shift()
    if (!chunk) return Promise.reject(new ParleyError('READ_FAILED', 'read beyond the end of the file'))
    return chunk
  }

  /** Issues one block read; false at the end of the file. */
  #readMore(): boolean {
    const at = this.#readOffset
    if (at >= this.#end) return false
    const length = Math.min(this.#blockSize, this.#end - at)
    this.#readOffset += length
    const name = this.#source.name
    const block = this.#source.read(at, length).then((bytes) => {
      if (bytes.byteLength !== length) {
        throw new ParleyError('READ_FAILED', `${name} changed while being sent (short read)`)
      }
      return bytes
    })
    for (let start = 0; start < length; start += this.#chunkSize) {
      const end = Math.min(start + this.#chunkSize, length)
      const chunk = block.then((bytes) => bytes.subarray(start, end))
      chunk.catch(() => {}) // awaited in order by next(); unread ones must not be unhandled
      this.#chunks.push(chunk)
    }
    return true
  }
}
