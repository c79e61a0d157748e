import { ParleyError } from '../errors.js'
import type { FileSink } from './FileSink.js'
import type { Hasher } from './hash.js'

/**
 * `hasher` fed with bytes [0, length) a sink already holds (a resumed receive), read back
 * 4 MiB at a time. Rejects with WRITE_FAILED when the partial file is shorter than recorded.
 */
export async function hashStoredPrefix(sink: FileSink, length: number, hasher: Hasher): Promise<Hasher> {
  for (let at = 0; at < length; ) {
    const size = Math.min(4 * 1024 * 1024, length - at)
    const chunk = await sink.readBack(at, size)
    if (chunk.byteLength !== size) throw new ParleyError('WRITE_FAILED', 'partial file shorter than recorded')
    hasher.update(chunk)
    at += size
  }
  return hasher
}
