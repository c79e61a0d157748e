import { bytesToHex, Sha256 } from './Sha256.js'

/** A running SHA-256 that can be copied (snapshots at resume points). */
export interface Hasher {
  update(data: Uint8Array): void
  /** Hex digest; the hasher cannot be used afterwards. */
  digestHex(): string
  /** An independent copy of the running state. */
  clone(): Hasher
}

/** Creates fresh hashers. */
export type HasherFactory = () => Hasher

class TsHasher implements Hasher {
  readonly #sha: Sha256
  constructor(sha = new Sha256()) {
    this.#sha = sha
  }
  update(data: Uint8Array): void {
    this.#sha.update(data)
  }
  digestHex(): string {
    return bytesToHex(this.#sha.digest())
  }
  clone(): Hasher {
    return new TsHasher(this.#sha.clone())
  }
}

/** The pure TypeScript SHA-256 (browsers; any runtime). */
export const tsHasherFactory: HasherFactory = () => new TsHasher()

interface NodeHash {
  update(data: Uint8Array): NodeHash
  digest(encoding: 'hex'): string
  copy(): NodeHash
}

class NodeHasher implements Hasher {
  readonly #hash: NodeHash
  constructor(hash: NodeHash) {
    this.#hash = hash
  }
  update(data: Uint8Array): void {
    this.#hash.update(data)
  }
  digestHex(): string {
    return this.#hash.digest('hex')
  }
  clone(): Hasher {
    return new NodeHasher(this.#hash.copy())
  }
}

// Non-literal specifier: browser bundlers do not follow it.
const NODE_CRYPTO = ['node', 'crypto'].join(':')
let best: Promise<HasherFactory> | undefined

/**
 * The fastest SHA-256 of this runtime: Node's native `crypto` (hardware accelerated) when running
 * in Node, otherwise the TypeScript implementation. Loaded once.
 */
export function loadHasherFactory(): Promise<HasherFactory> {
  best ??= (async () => {
    const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string'
    if (!isNode) return tsHasherFactory
    try {
      const crypto = (await import(/* @vite-ignore */ NODE_CRYPTO)) as {
        createHash: (algorithm: string) => NodeHash
      }
      return () => new NodeHasher(crypto.createHash('sha256'))
    } catch {
      return tsHasherFactory
    }
  })()
  return best
}
