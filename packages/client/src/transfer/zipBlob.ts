import { ParleyError } from '../errors.js'
import { Crc32 } from './Crc32.js'
import { distinctPaths } from './fileName.js'

/** One file of an archive. */
export interface ZipEntry {
  readonly name: string
  readonly blob: Blob
  /** ms since the epoch (0 or absent: 1980-01-01, the earliest a ZIP holds). */
  readonly lastModified?: number
}

export interface ZipOptions {
  /** As the files are read for their checksums: bytes read so far of all of them. */
  onProgress?: (bytes: number, totalBytes: number) => void
  /** Stops the reading: zipBlob then rejects with the signal's reason. */
  signal?: AbortSignal
  /** Write ZIP64 records for every file and the archive (default: only where a size needs them). */
  zip64?: 'auto' | 'always'
}

const MAX32 = 0xffffffff
const MAX16 = 0xffff

/**
 * An uncompressed ZIP archive of `entries` as one Blob, made of the entries' own Blobs between
 * small headers: nothing is copied, so disk-backed files (OPFS) stay on disk, whatever their size,
 * and saving the archive streams them. Each file is read once first, for the CRC-32 the format
 * needs. ZIP64 records are written where sizes or offsets pass 4 GiB or there are more than 65,535
 * files; names are made safe, keeping their folders (`photos/2024/a.jpg`: see safeRelativePath), and
 * distinct ("a (1).txt"), in UTF-8.
 */
export async function zipBlob(entries: readonly ZipEntry[], options: ZipOptions = {}): Promise<Blob> {
  const always = options.zip64 === 'always'
  const totalBytes = entries.reduce((sum, e) => sum + e.blob.size, 0)
  // a folder sent whole keeps its folders in the archive
  const names = distinctPaths(entries.map((e) => e.name))
  const parts: BlobPart[] = []
  const central: Uint8Array<ArrayBuffer>[] = []
  const encoder = new TextEncoder()
  let offset = 0
  let read = 0
  for (const [i, entry] of entries.entries()) {
    const name = names[i]!
    const nameBytes = encoder.encode(name)
    if (nameBytes.length > MAX16)
      throw new ParleyError('INVALID_ARGUMENT', `file name too long for a ZIP: ${name}`)
    const before = read
    const crc = await crc32Of(
      entry.blob,
      (n) => {
        read = before + n
        options.onProgress?.(read, totalBytes)
      },
      options.signal,
    )
    const size = entry.blob.size
    const zip64 = always || size >= MAX32 || offset >= MAX32
    const { time, date } = dosDateTime(entry.lastModified ?? 0)
    // from "version needed" to the name's length: the same in both headers
    const fields = (w: Writer, extraLength: number) =>
      w
        .u16(zip64 ? 45 : 20)
        .u16(0x0800) // UTF-8 names
        .u16(0) // stored
        .u16(time)
        .u16(date)
        .u32(crc)
        .u32(zip64 ? MAX32 : size)
        .u32(zip64 ? MAX32 : size)
        .u16(nameBytes.length)
        .u16(extraLength)
    const local = new Writer(30 + nameBytes.length + (zip64 ? 20 : 0))
    fields(local.u32(0x04034b50), zip64 ? 20 : 0).bytes(nameBytes)
    if (zip64) local.u16(0x0001).u16(16).u64(size).u64(size)
    const record = new Writer(46 + nameBytes.length + (zip64 ? 28 : 0))
    // made by Unix (3): unzip then takes the names as UTF-8 and gives the files mode 644
    fields(record.u32(0x02014b50).u16((3 << 8) | 45), zip64 ? 28 : 0)
      .u16(0) // comment
      .u16(0) // disk
      .u16(0) // internal attributes
      .u32(0o100644 << 16)
      .u32(zip64 ? MAX32 : offset)
      .bytes(nameBytes)
    if (zip64) record.u16(0x0001).u16(24).u64(size).u64(size).u64(offset)
    parts.push(local.out, entry.blob)
    central.push(record.out)
    offset += local.out.length + size
  }
  const centralSize = central.reduce((sum, r) => sum + r.length, 0)
  const count = entries.length
  const zip64End = always || count >= MAX16 || offset >= MAX32 || centralSize >= MAX32
  const end = new Writer((zip64End ? 56 + 20 : 0) + 22)
  if (zip64End) {
    end.u32(0x06064b50).u64(44).u16(45).u16(45).u32(0).u32(0)
    end.u64(count).u64(count).u64(centralSize).u64(offset)
    end
      .u32(0x07064b50)
      .u32(0)
      .u64(offset + centralSize)
      .u32(1)
  }
  end.u32(0x06054b50).u16(0).u16(0)
  end.u16(zip64End ? MAX16 : count).u16(zip64End ? MAX16 : count)
  end
    .u32(zip64End ? MAX32 : centralSize)
    .u32(zip64End ? MAX32 : offset)
    .u16(0)
  return new Blob([...parts, ...central, end.out] as BlobPart[], { type: 'application/zip' })
}

/** CRC-32 of `blob`, read as a stream; `onRead` after each piece with the bytes read so far. */
async function crc32Of(blob: Blob, onRead: (bytes: number) => void, signal?: AbortSignal): Promise<number> {
  const crc = new Crc32()
  signal?.throwIfAborted()
  if (blob.size === 0) {
    onRead(0)
    return crc.digest()
  }
  const reader = blob.stream().getReader()
  let bytes = 0
  try {
    for (;;) {
      signal?.throwIfAborted()
      const { done, value } = await reader.read()
      if (done) return crc.digest()
      crc.update(value)
      bytes += value.byteLength
      onRead(bytes)
    }
  } finally {
    reader.cancel().catch(() => {})
  }
}

/** MS-DOS time and date of a local time (2 s steps; 1980–2107). */
function dosDateTime(ms: number): { time: number; date: number } {
  const d = new Date(ms)
  const year = d.getFullYear()
  if (!(ms > 0) || year < 1980) return { time: 0, date: (1 << 5) | 1 }
  if (year > 2107) return { time: (23 << 11) | (59 << 5) | 29, date: (127 << 9) | (12 << 5) | 31 }
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  }
}

/** Little-endian fields into a buffer of a known length. */
class Writer {
  readonly out: Uint8Array<ArrayBuffer>
  readonly #view: DataView
  #at = 0

  constructor(length: number) {
    this.out = new Uint8Array(length)
    this.#view = new DataView(this.out.buffer)
  }

  u16(v: number): this {
    this.#view.setUint16(this.#at, v, true)
    this.#at += 2
    return this
  }

  u32(v: number): this {
    this.#view.setUint32(this.#at, v, true)
    this.#at += 4
    return this
  }

  u64(v: number): this {
    this.#view.setBigUint64(this.#at, BigInt(v), true)
    this.#at += 8
    return this
  }

  bytes(b: Uint8Array): this {
    this.out.set(b, this.#at)
    this.#at += b.length
    return this
  }
}
