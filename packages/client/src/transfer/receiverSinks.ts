import { ParleyError } from '../errors.js'
import type { Logger } from '../Logger.js'
import type { SavableSink, SaveOptions } from './browser/save.js'
import type { FileSink, SinkContext, SinkFactory } from './FileSink.js'
import type { DigestAlgorithm, Hasher, Hashers } from './hash.js'
import type { FileMeta, SentDigest } from './messages.js'
import { hashStoredPrefix } from './storedPrefix.js'
import type { VerifiedFile } from './TransferJournal.js'

/**
 * Where an accepted file starts once its sink is open:
 * - `completed`: received and verified before (a reload), and still whole in the sink: nothing is
 *   sent, the accept lists it as completed and it keeps the digest it was verified with;
 * - `resume`: the sender starts at `offset`, what the sink holds (0: from the start). At the file's
 *   size, the sender sends no byte, only its digest, which the stored bytes must match.
 */
export type FileStart =
  | { readonly kind: 'completed'; readonly verified: VerifiedFile }
  | { readonly kind: 'resume'; readonly offset: number }

/**
 * The rule: a file verified before counts as completed only when its sink holds all of it
 * (`stored === size`: the data is still there, at its size) and the sender, if it says which
 * digest it sent for the file, says the same one. Otherwise it resumes from what is stored: gone
 * data is received again; whole data the sender contradicts (or that was never recorded as
 * verified) is verified in place against the digest the sender sends at its end.
 */
export function fileStart(
  size: number,
  stored: number,
  verified: VerifiedFile | undefined,
  sent: SentDigest | undefined,
): FileStart {
  const agrees = sent === undefined || (sent.digest === verified?.digest && sent.sha256 === verified.sha256)
  if (verified && stored === size && agrees) return { kind: 'completed', verified }
  return { kind: 'resume', offset: stored }
}

/** An accepted file with its sink open: where it starts, and the hash of the stored prefix to go on from. */
export interface OpenedFile {
  readonly sink: FileSink
  readonly start: FileStart
  /** The running hash of bytes [0, offset) (resume only). */
  readonly hasher: Hasher | undefined
}

export interface OpenFileOptions {
  readonly sinkFor: SinkFactory
  readonly context: SinkContext
  readonly digest: DigestAlgorithm
  readonly hashers: Hashers
  /** What this side verified before a reload (the journal), for this file. */
  readonly verified: VerifiedFile | undefined
  /** What the sender's offer says it sent whole, for this file. */
  readonly sent: SentDigest | undefined
  /** Called with the sink as soon as it exists (so that a failure later still releases it). */
  readonly created: (sink: FileSink) => void
}

/**
 * Opens the sink of an accepted file and finds where it starts (see {@link fileStart}). A file
 * completed before is made final in its sink again (`complete()`); for a resume, the stored prefix
 * is read back once to rebuild the running hash.
 */
export async function openAcceptedFile(meta: FileMeta, options: OpenFileOptions): Promise<OpenedFile> {
  const sink = await options.sinkFor(meta, options.context)
  options.created(sink)
  const stored = Math.min(Math.max(0, await sink.open(meta)), meta.size)
  const start = fileStart(meta.size, stored, options.verified, options.sent)
  if (start.kind === 'completed') {
    await sink.complete()
    return { sink, start, hasher: undefined }
  }
  const hasher = await hashStoredPrefix(sink, stored, options.hashers.create(options.digest))
  return { sink, start, hasher }
}

/** The sink of a file and whether it is done (verified and made final). */
export interface HeldSink {
  readonly sink: FileSink | undefined
  readonly done: boolean
  /** Bytes written (all checkpointed before a kept sink is closed). */
  readonly bytes: number
  readonly checkpointedBytes: number
}

/**
 * At the end of a transfer: the sinks of unfinished files keep their partial data for a later
 * resume (`keep`: checkpointed up to every byte written, then closed) or drop it. Done files are
 * left as they are. Failures are logged, never thrown.
 */
export async function releaseSinks(
  files: readonly HeldSink[],
  keep: boolean,
  logger: Logger,
  transferId: string,
): Promise<void> {
  for (const f of files) {
    const sink = f.sink
    if (!sink || f.done) continue
    try {
      if (keep) {
        // Record everything written so far: a later resume starts there, not at the last checkpoint.
        try {
          if (f.bytes > f.checkpointedBytes) await sink.checkpoint(f.bytes)
        } finally {
          await sink.close() // even when the checkpoint failed (e.g. a queued write did)
        }
      } else {
        await sink.discard()
      }
    } catch (error) {
      logger.warn({ error, transferId }, 'could not release a sink')
    }
  }
}

/**
 * Saves a received file through its sink (OpfsSink, MemorySink: a download streamed from storage).
 * Rejects unless the file is done and its sink can save (a Node or File System Access sink already
 * wrote the file in place).
 */
export async function saveReceived(
  fileId: string,
  done: boolean,
  sink: FileSink | undefined,
  options: SaveOptions | undefined,
): Promise<void> {
  if (!done) throw new ParleyError('INVALID_ARGUMENT', `file ${fileId} is not received yet`)
  const savable = sink as (FileSink & Partial<SavableSink>) | undefined
  if (typeof savable?.save !== 'function') {
    throw new ParleyError('INVALID_ARGUMENT', `file ${fileId} was written in place; there is nothing to save`)
  }
  await savable.save(options)
}

/** The error of a file whose stored bytes do not match the sender's digest. */
export function mismatchError(
  name: string,
  actual: string,
  expected: string,
  existing: boolean,
): ParleyError {
  if (existing) {
    return new ParleyError(
      'FILE_EXISTS',
      `${name} exists with the same size and time but other content (left untouched)`,
    )
  }
  return new ParleyError(
    'INTEGRITY',
    `${name}: SHA-256 mismatch (received ${actual.slice(0, 12)}…, sent ${expected.slice(0, 12)}…); the partial file was discarded`,
  )
}
