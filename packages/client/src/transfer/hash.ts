import { DigestWorker } from './browser/DigestWorker.js'
import {
  LIST_SEGMENT_BYTES,
  OneShotHashList,
  type OneShotSha256,
  StreamingHashList,
  type StreamingSha256,
  segmentBuffers,
  TsStreamingSha256,
} from './HashList.js'
import { bytesToHex } from './Sha256.js'

export { LIST_SEGMENT_BYTES }

/**
 * The integrity digests of the transfer protocol (docs/file-transfer.md, "Integrity"), both
 * SHA-256 based, 64 hex digits:
 * - `sha256`: SHA-256 of the whole file (what `sha256sum` prints);
 * - `sha256-list`: SHA-256 of the list of the SHA-256s of its 1 MiB segments — the same strength,
 *   and browsers can compute it with their native WebCrypto instead of a JavaScript SHA-256.
 */
export const DIGEST_ALGORITHMS = ['sha256', 'sha256-list'] as const
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number]

export function isDigestAlgorithm(x: unknown): x is DigestAlgorithm {
  return (DIGEST_ALGORITHMS as readonly unknown[]).includes(x)
}

/** A running digest that can be copied (snapshots at resume points). */
export interface Hasher {
  update(data: Uint8Array): void
  /** Hex digest; the hasher cannot be used afterwards. */
  digestHex(): Promise<string>
  /** An independent copy of the running state. */
  clone(): Hasher
}

/** The digests a runtime computes, and how. */
export interface Hashers {
  /** The algorithms it can compute, cheapest first. */
  readonly algorithms: readonly DigestAlgorithm[]
  create(algorithm: DigestAlgorithm): Hasher
}

/**
 * The digest a receiver picks for a transfer, from the sender's algorithms (`offered`, the
 * sender's cheapest first) and its own (`mine`): the one both list first when they agree, else
 * `sha256-list` (never the expensive one for either side: whoever lists it first has no native
 * streaming SHA-256), else the first they share. Undefined when they share none.
 */
export function chooseDigest(
  offered: readonly DigestAlgorithm[],
  mine: readonly DigestAlgorithm[],
): DigestAlgorithm | undefined {
  const common = mine.filter((a) => offered.includes(a))
  if (offered[0] !== undefined && offered[0] === mine[0]) return offered[0]
  if (common.includes('sha256-list')) return 'sha256-list'
  return common[0]
}

class StreamingHasher implements Hasher {
  readonly #hash: StreamingSha256
  constructor(hash: StreamingSha256) {
    this.#hash = hash
  }
  update(data: Uint8Array): void {
    this.#hash.update(data)
  }
  async digestHex(): Promise<string> {
    return bytesToHex(this.#hash.digest())
  }
  clone(): Hasher {
    return new StreamingHasher(this.#hash.copy())
  }
}

function streamingHashers(algorithms: readonly DigestAlgorithm[], create: () => StreamingSha256): Hashers {
  return {
    algorithms,
    create: (algorithm) =>
      algorithm === 'sha256' ? new StreamingHasher(create()) : new StreamingHashList(create),
  }
}

/** The pure TypeScript SHA-256 for both digests (any runtime; the slowest). */
export const tsHashers: Hashers = streamingHashers(['sha256', 'sha256-list'], () => new TsStreamingSha256())

/**
 * Browsers with WebCrypto (secure contexts): `sha256-list` through `crypto.subtle.digest` (native;
 * about 10 × the TypeScript SHA-256 here), `sha256` in TypeScript for peers that only know it.
 * `digest` replaces the one-shot SHA-256 of the segments (loadHashers() gives a page its
 * DigestWorker's: Chromium runs `digest` synchronously on the calling thread).
 */
export function webCryptoHashers(subtle: SubtleCrypto, digest?: OneShotSha256): Hashers {
  const segmentDigest: OneShotSha256 =
    digest ??
    ((data) => {
      // WebCrypto takes its copy of the bytes before it returns: the buffer is free again at once
      const result = subtle.digest('SHA-256', data)
      segmentBuffers.give(data.buffer)
      return result
    })
  return {
    algorithms: ['sha256-list', 'sha256'],
    create: (algorithm) =>
      algorithm === 'sha256-list' ? new OneShotHashList(segmentDigest) : tsHashers.create('sha256'),
  }
}

interface NodeHash {
  update(data: Uint8Array): NodeHash
  digest(): Uint8Array
  copy(): NodeHash
}

class NodeStreamingSha256 implements StreamingSha256 {
  readonly #hash: NodeHash
  constructor(hash: NodeHash) {
    this.#hash = hash
  }
  update(data: Uint8Array): void {
    this.#hash.update(data)
  }
  digest(): Uint8Array {
    return this.#hash.digest()
  }
  copy(): StreamingSha256 {
    return new NodeStreamingSha256(this.#hash.copy())
  }
}

// Non-literal specifier: browser bundlers do not follow it.
const NODE_CRYPTO = ['node', 'crypto'].join(':')
let best: Promise<Hashers> | undefined

/**
 * The fastest digests of this runtime, loaded once: Node's native `crypto` (hardware accelerated,
 * both digests) in Node; WebCrypto's `sha256-list` in browsers that have it (secure contexts), on
 * a page in its DigestWorker (off the main thread); else the TypeScript SHA-256.
 */
export function loadHashers(): Promise<Hashers> {
  best ??= (async () => {
    const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string'
    if (!isNode) {
      const subtle = globalThis.crypto?.subtle
      if (!subtle) return tsHashers
      // a page hashes in its digest worker (started at the first segment); a worker hashes itself
      const onPage = typeof document !== 'undefined' && typeof Worker === 'function'
      return onPage
        ? webCryptoHashers(subtle, (data) => DigestWorker.shared(subtle).digest(data))
        : webCryptoHashers(subtle)
    }
    try {
      const crypto = (await import(/* @vite-ignore */ NODE_CRYPTO)) as {
        createHash: (algorithm: string) => NodeHash
      }
      return streamingHashers(
        ['sha256', 'sha256-list'],
        () => new NodeStreamingSha256(crypto.createHash('sha256')),
      )
    } catch {
      return tsHashers
    }
  })()
  return best
}
