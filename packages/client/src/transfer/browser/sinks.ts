import type { FileSink, SinkFactory } from '../FileSink.js'
import type { FileMeta } from '../messages.js'
import { MEMORY_SINK_LIMIT, MemorySink } from './MemorySink.js'
import { OpfsSink } from './OpfsSink.js'

/**
 * The browser default: files under 64 MiB in memory (a Blob), larger ones in OPFS (on disk,
 * resumable after a reload). Where OPFS is missing, memory is the only place left (large files
 * then fail with DISK_FULL rather than exhausting memory).
 */
export const browserSinkFactory: SinkFactory = (file: FileMeta): FileSink => {
  if (file.size >= MEMORY_SINK_LIMIT && OpfsSink.isSupported()) return new OpfsSink()
  return new MemorySink()
}
