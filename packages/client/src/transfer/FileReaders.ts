import { ChunkReader, type ChunkReaderOptions } from './ChunkReader.js'
import type { FileSource } from './FileSource.js'
import type { FileStatus } from './Transfer.js'

/** A file of a send pass: read from `startOffset` when its turn comes, if still pending. */
export interface FileToRead {
  readonly status: FileStatus
  readonly source: FileSource
  readonly startOffset: number
}

/**
 * Files read ahead of their turn by default: four keep Node's four pool threads busy (2,000 files of
 * 4 KiB were sent as fast with 4, 8 or 16), and each holds a descriptor while it is read.
 */
export const FILES_READ_AHEAD = 4

export interface FileReadersOptions extends ChunkReaderOptions {
  /** Files read ahead of their turn at most (default {@link FILES_READ_AHEAD}). */
  aheadFiles?: number
  /** Bytes read ahead of their turn at most, a block per file (default 4 MiB). */
  aheadBytes?: number
}

interface Ahead {
  readonly file: FileToRead
  readonly reader: ChunkReader
  readonly bytes: number
}

/**
 * The chunk readers of one send pass over `files`, a file at a time in order, with the next pending
 * files' first blocks read ahead: once every read of the current file is issued, up to four files
 * (4 MiB) after it are being read too. Opening and reading a file is a few thread-pool round trips
 * in Node (~0.4 ms here); one file after the other, they bounded a send of thousands of small files
 * at ~2,000 files a second however fast the rest was.
 */
export class FileReaders {
  readonly #files: readonly FileToRead[]
  readonly #options: ChunkReaderOptions
  readonly #aheadFiles: number
  readonly #aheadBytes: number
  /** Files being read ahead, in order: a prefix of the pending files after the current one. */
  readonly #ahead: Ahead[] = []
  #aheadTotal = 0

  constructor(files: readonly FileToRead[], options: FileReadersOptions) {
    this.#files = files
    const { chunkSize, readAhead, blockSize } = options
    this.#options = blockSize === undefined ? { chunkSize, readAhead } : { chunkSize, readAhead, blockSize }
    this.#aheadFiles = options.aheadFiles ?? FILES_READ_AHEAD
    this.#aheadBytes = options.aheadBytes ?? 4 * 1024 * 1024
  }

  /** The reader of file `index` from its start offset: the one read ahead for it, or a new one. */
  readerFor(index: number): ChunkReader {
    const file = this.#files[index]!
    if (file.startOffset >= file.source.size) return this.#reader(file) // nothing to read
    const first = this.#ahead[0]
    if (first && first.file === file && first.reader.from === file.startOffset) {
      this.#ahead.shift()
      this.#aheadTotal -= first.bytes
      return first.reader
    }
    this.#drop(0) // the order changed (a file declined meanwhile): read afresh
    return this.#reader(file)
  }

  /**
   * Reads ahead the first blocks of the pending files after file `index`, in order, within the
   * limits (the files already being read ahead are kept).
   */
  readAheadAfter(index: number): void {
    let i = 0
    for (let j = index + 1; j < this.#files.length; j++) {
      const file = this.#files[j]!
      if (file.status !== 'pending' || file.startOffset >= file.source.size) continue
      const ahead = this.#ahead[i]
      if (ahead && ahead.file === file && ahead.reader.from === file.startOffset) {
        i++
        continue
      }
      this.#drop(i) // no longer the files to come
      if (this.#ahead.length >= this.#aheadFiles || this.#aheadTotal >= this.#aheadBytes) return
      const reader = this.#reader(file)
      const bytes = reader.start()
      this.#ahead.push({ file, reader, bytes })
      this.#aheadTotal += bytes
      i++
    }
  }

  #reader(file: FileToRead): ChunkReader {
    return new ChunkReader(file.source, file.startOffset, this.#options)
  }

  /** Forgets the files read ahead from position `from` on. */
  #drop(from: number): void {
    for (const dropped of this.#ahead.splice(from)) this.#aheadTotal -= dropped.bytes
  }
}
