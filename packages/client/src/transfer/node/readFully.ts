import type { FileHandle } from 'node:fs/promises'

/**
 * Reads `length` bytes of the file at `position` into `buffer` (from its start), in as many reads
 * as the system needs; fewer only at the end of the file. Resolves with the number of bytes read.
 */
export async function readFully(
  handle: FileHandle,
  buffer: Uint8Array,
  length: number,
  position: number,
): Promise<number> {
  let filled = 0
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled)
    if (bytesRead === 0) break
    filled += bytesRead
  }
  return filled
}
