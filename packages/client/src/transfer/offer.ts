import { ParleyError } from '../errors.js'
import type { FileSource } from './FileSource.js'
import type { DigestAlgorithm } from './hash.js'
import {
  type ControlMessage,
  encodeControl,
  type FileMeta,
  LIMITS,
  type SentDigest,
  TRANSFER_PROTOCOL_VERSION,
} from './messages.js'
import type { TransferChannel } from './TransferChannel.js'

/** What an offer tells of a file to send (a FileSource, a File). */
export type OfferedFile = Pick<FileSource, 'name' | 'size' | 'type' | 'lastModified'>

/** The offer as received: what the sender proposes. */
export interface IncomingOffer {
  readonly transferId: string
  readonly files: readonly FileMeta[]
  /** The sender's integrity digests, its cheapest first. */
  readonly digests: readonly DigestAlgorithm[]
  /** Files the sender already sent whole (a repeated offer), with their digests. */
  readonly sent: readonly SentDigest[]
}

/** What a transfer channel opens with: an offer (from a sender) or a reclaim (from a receiver). */
export type Opening =
  | { readonly t: 'offer'; readonly offer: IncomingOffer }
  | { readonly t: 'reclaim'; readonly transferId: string }

/** Reads the first frame of a transfer channel, which must be an offer. */
export async function readOffer(link: TransferChannel, timeoutMs: number): Promise<IncomingOffer> {
  const opening = await readOpening(link, timeoutMs)
  if (opening.t === 'offer') return opening.offer
  link.sendControl({ t: 'error', code: 'BAD_MESSAGE', message: 'expected an offer' })
  link.close()
  throw new ParleyError('BAD_MESSAGE', 'expected an offer, got reclaim')
}

/** Reads the first frame of a transfer channel: an offer, or a receiver's reclaim. */
export async function readOpening(link: TransferChannel, timeoutMs: number): Promise<Opening> {
  let message: ControlMessage
  try {
    message = await link.firstControl(timeoutMs)
  } catch (cause) {
    link.close()
    throw new ParleyError('BAD_MESSAGE', `no valid offer on the transfer channel: ${String(cause)}`, {
      cause,
    })
  }
  if (message.t === 'reclaim') return { t: 'reclaim', transferId: message.transferId }
  if (message.t !== 'offer') {
    link.sendControl({ t: 'error', code: 'BAD_MESSAGE', message: 'expected an offer' })
    link.close()
    throw new ParleyError('BAD_MESSAGE', `expected an offer, got ${message.t}`)
  }
  return {
    t: 'offer',
    offer: {
      transferId: message.transferId,
      files: message.files,
      digests: message.digests ?? ['sha256'],
      sent: message.sent ?? [],
    },
  }
}

/** Whether a repeated offer describes the same files (ids, names, sizes, last-modified). */
export function sameFiles(files: readonly FileMeta[], known: readonly FileMeta[]): boolean {
  return (
    files.length === known.length &&
    files.every((f, i) => {
      const m = known[i]!
      return f.id === m.id && f.name === m.name && f.size === m.size && f.lastModified === m.lastModified
    })
  )
}

/**
 * Throws INVALID_ARGUMENT when these files cannot go in one transfer: a name (with its folders)
 * empty or longer than `LIMITS.maxNameLength`, more than `LIMITS.maxFiles`,
 * or an offer that could be longer than a receiver takes (`LIMITS.maxControlFrame`), counted with the
 * longest transfer id and, for every file, the digest a repeated offer may carry (`sent`): thousands
 * of long names. Senders check when they are made; the CLI before it prints a code.
 */
export function assertOfferable(sources: readonly OfferedFile[]): void {
  const files = fileMetasOf(sources)
  const long = files.find((f) => f.name.length > LIMITS.maxNameLength || f.name.length === 0)
  if (long) {
    throw new ParleyError(
      'INVALID_ARGUMENT',
      long.name.length === 0
        ? 'a file to send has an empty name'
        : `the name ${JSON.stringify(`${long.name.slice(0, 60)}…`)} is ${long.name.length} characters long, at most ${LIMITS.maxNameLength}`,
    )
  }
  if (files.length > LIMITS.maxFiles) {
    throw new ParleyError(
      'INVALID_ARGUMENT',
      `${files.length} files are too many for one transfer (at most ${LIMITS.maxFiles}): send them in several`,
    )
  }
  const text = encodeControl({
    t: 'offer',
    v: TRANSFER_PROTOCOL_VERSION,
    transferId: 'x'.repeat(64),
    files,
    digests: ['sha256-list', 'sha256'],
    sent: files.map((f) => ({ id: f.id, digest: 'sha256-list', sha256: '0'.repeat(64) })),
  })
  if (text.length > LIMITS.maxControlFrame) {
    throw new ParleyError(
      'INVALID_ARGUMENT',
      `the names of these ${files.length} files are too long for one transfer: their offer would take ${text.length} characters, at most ${LIMITS.maxControlFrame}; send them in several`,
    )
  }
}

/** What an offer says of `sources`: file ids are their positions. */
export function fileMetasOf(sources: readonly OfferedFile[]): FileMeta[] {
  return sources.map((s, i) => ({
    id: String(i),
    name: s.name,
    size: s.size,
    type: s.type,
    lastModified: s.lastModified,
  }))
}

/** The receiver's answer to an offer. */
export type AcceptMessage = Extract<ControlMessage, { t: 'accept' }>

/**
 * Why `accept` cannot answer this offer (a protocol error), undefined when it can: every file it
 * names is offered and named once, its digest was offered, no resume offset passes its file's end,
 * and it asks for no file it declined before.
 */
export function acceptProblem(
  accept: AcceptMessage,
  offered: ReadonlyMap<string, { readonly meta: FileMeta; readonly status: string }>,
  digests: readonly DigestAlgorithm[],
): string | undefined {
  const mentioned = [...accept.files.map((f) => f.id), ...accept.declined, ...accept.completed]
  if (mentioned.some((id) => !offered.has(id)) || new Set(mentioned).size !== mentioned.length) {
    return 'accept names unknown or repeated files'
  }
  const digest = accept.digest ?? 'sha256'
  if (!digests.includes(digest)) return `accept picks the digest ${digest}, which was not offered`
  for (const f of accept.files) {
    const file = offered.get(f.id)!
    if (f.offset > file.meta.size) return 'resume offset beyond the end of the file'
    if (file.status === 'declined') return 'accept asks for a declined file'
  }
  return undefined
}
