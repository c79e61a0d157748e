import { BufferPool } from './BufferPool.js'
import type { Hasher } from './hash.js'
import { bytesToHex, Sha256 } from './Sha256.js'

/**
 * The `sha256-list` digest: the file is cut into segments of {@link LIST_SEGMENT_BYTES} (the last
 * one shorter, none for an empty file), and the digest is SHA-256(SHA-256(segment 0) ‖ SHA-256(segment
 * 1) ‖ …) — a hash list, as BitTorrent v2 and IPFS do. Its segments can be hashed by a native
 * one-shot SHA-256 (WebCrypto's `digest`, which browsers offer only for whole buffers) instead of a
 * streaming one in JavaScript. See docs/file-transfer.md, "Integrity".
 */
export const LIST_SEGMENT_BYTES = 1024 * 1024

/** A streaming SHA-256 (Node's `crypto.Hash`, the TypeScript {@link Sha256}) seen by the hash list. */
export interface StreamingSha256 {
  update(data: Uint8Array): void
  digest(): Uint8Array
  copy(): StreamingSha256
}

/** The TypeScript SHA-256 as a {@link StreamingSha256}. */
export class TsStreamingSha256 implements StreamingSha256 {
  readonly #sha: Sha256
  constructor(sha = new Sha256()) {
    this.#sha = sha
  }
  update(data: Uint8Array): void {
    this.#sha.update(data)
  }
  digest(): Uint8Array {
    return this.#sha.digest()
  }
  copy(): StreamingSha256 {
    return new TsStreamingSha256(this.#sha.clone())
  }
}

/**
 * `sha256-list` over a streaming SHA-256: each segment is hashed as its bytes come, synchronously
 * (Node's native hash; the TypeScript one where nothing faster exists).
 */
export class StreamingHashList implements Hasher {
  readonly #create: () => StreamingSha256
  readonly #outer: StreamingSha256
  #segment: StreamingSha256
  #segmentBytes: number

  constructor(
    create: () => StreamingSha256,
    from?: { outer: StreamingSha256; segment: StreamingSha256; bytes: number },
  ) {
    this.#create = create
    this.#outer = from?.outer ?? create()
    this.#segment = from?.segment ?? create()
    this.#segmentBytes = from?.bytes ?? 0
  }

  update(data: Uint8Array): void {
    for (let p = 0; p < data.byteLength; ) {
      const n = Math.min(LIST_SEGMENT_BYTES - this.#segmentBytes, data.byteLength - p)
      this.#segment.update(n === data.byteLength ? data : data.subarray(p, p + n))
      this.#segmentBytes += n
      p += n
      if (this.#segmentBytes === LIST_SEGMENT_BYTES) {
        this.#outer.update(this.#segment.digest())
        this.#segment = this.#create()
        this.#segmentBytes = 0
      }
    }
  }

  async digestHex(): Promise<string> {
    if (this.#segmentBytes > 0) this.#outer.update(this.#segment.digest())
    this.#segmentBytes = 0
    return bytesToHex(this.#outer.digest())
  }

  clone(): Hasher {
    return new StreamingHashList(this.#create, {
      outer: this.#outer.copy(),
      segment: this.#segment.copy(),
      bytes: this.#segmentBytes,
    })
  }
}

/**
 * The segment buffers of this thread's hash lists that a one-shot digest is done with, for the next
 * segments (in one 256 MiB run without them, the sending page's renderer peaked at +131 MiB above
 * idle; +82 with them).
 */
export const segmentBuffers = new BufferPool(LIST_SEGMENT_BYTES)

/**
 * A one-shot SHA-256 of a whole buffer, e.g. WebCrypto's, or a worker's (`DigestWorker`). It owns
 * `data` from the call on: the caller never touches the buffer again, so a worker may take it by
 * transfer instead of a copy; it gives the buffer to {@link segmentBuffers} when done with it.
 */
export type OneShotSha256 = (data: Uint8Array<ArrayBuffer>) => Promise<ArrayBuffer>

/**
 * `sha256-list` over a one-shot SHA-256 (WebCrypto in browsers: native, hardware accelerated; on
 * the page it runs synchronously, on the calling thread, so the browser's default hands it to a
 * worker). `update` copies the bytes into the segment buffer — callers may transfer or reuse their
 * chunk at once — and a full segment's buffer is handed to the one-shot digest, a new one started
 * for the next segment. The list's own hash (32 bytes per MiB) runs in TypeScript, in segment
 * order, as the segment digests resolve. A clone copies only the bytes of the unfinished segment.
 */
export class OneShotHashList implements Hasher {
  readonly #digest: OneShotSha256
  /** The list's hash over every finished segment (never mutated once resolved: steps clone it). */
  #outer: Promise<Sha256>
  #buffer: Uint8Array<ArrayBuffer> | undefined
  #filled: number

  constructor(digest: OneShotSha256, from?: { outer: Promise<Sha256>; pending: Uint8Array }) {
    this.#digest = digest
    this.#outer = from?.outer ?? Promise.resolve(new Sha256())
    this.#filled = from?.pending.byteLength ?? 0
    if (from && this.#filled > 0) {
      this.#buffer = segmentBuffers.take()
      this.#buffer.set(from.pending)
    }
  }

  update(data: Uint8Array): void {
    for (let p = 0; p < data.byteLength; ) {
      const n = Math.min(LIST_SEGMENT_BYTES - this.#filled, data.byteLength - p)
      this.#buffer ??= segmentBuffers.take()
      this.#buffer.set(n === data.byteLength ? data : data.subarray(p, p + n), this.#filled)
      this.#filled += n
      p += n
      if (this.#filled === LIST_SEGMENT_BYTES) this.#endSegment()
    }
  }

  async digestHex(): Promise<string> {
    if (this.#filled > 0) this.#endSegment()
    // clones share finished steps: digest a copy
    return bytesToHex((await this.#outer).clone().digest())
  }

  clone(): Hasher {
    return new OneShotHashList(this.#digest, {
      outer: this.#outer,
      pending: this.#buffer?.subarray(0, this.#filled) ?? new Uint8Array(0),
    })
  }

  #endSegment(): void {
    // the digest owns the segment's buffer from here on (a worker takes it by transfer)
    const digest = this.#digest(this.#buffer!.subarray(0, this.#filled))
    this.#buffer = undefined
    this.#filled = 0
    const previous = this.#outer
    this.#outer = Promise.all([previous, digest]).then(([outer, d]) =>
      outer.clone().update(new Uint8Array(d)),
    )
    // a failure surfaces at digestHex(); until then it is not an unhandled rejection
    this.#outer.catch(() => undefined)
  }
}
