/** Test files on disk: deterministic pseudo-random content of any size, and SHA-256 of a file. */
import { createCipheriv, createHash } from 'node:crypto'
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Writes `size` pseudo-random bytes (an AES-256-CTR key stream of `seed`) to `dir/name` in 4 MiB
 * pieces and returns its path and SHA-256.
 */
export function pseudoRandomFile(
  dir: string,
  name: string,
  size: number,
  seed: number,
): { path: string; sha256: string } {
  const path = join(dir, name)
  const key = createHash('sha256').update(`parley-${seed}`).digest()
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16))
  const hash = createHash('sha256')
  const zeros = Buffer.alloc(4 * 1024 * 1024)
  const fd = openSync(path, 'w')
  try {
    for (let at = 0; at < size; at += zeros.length) {
      const piece = cipher.update(zeros.subarray(0, Math.min(zeros.length, size - at)))
      hash.update(piece)
      writeSync(fd, piece)
    }
  } finally {
    closeSync(fd)
  }
  return { path, sha256: hash.digest('hex') }
}

export function sha256Of(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256')
    createReadStream(path)
      .on('data', (d) => hash.update(d))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject)
  })
}
