import { ParleyError } from '../errors.js'
import type { DigestAlgorithm } from './hash.js'
import type { ControlMessage, FileMeta, SentDigest } from './messages.js'
import type { TransferChannel } from './TransferChannel.js'

/** The offer as received: what the sender proposes. */
export interface IncomingOffer {
  readonly transferId: string
  readonly files: readonly FileMeta[]
  /** The sender's integrity digests, its cheapest first. */
  readonly digests: readonly DigestAlgorithm[]
  /** Files the sender already sent whole (a repeated offer), with their digests. */
  readonly sent: readonly SentDigest[]
}

/** Reads the first frame of a transfer channel, which must be an offer. */
export async function readOffer(link: TransferChannel, timeoutMs: number): Promise<IncomingOffer> {
  let message: ControlMessage
  try {
    message = await link.firstControl(timeoutMs)
  } catch (cause) {
    link.close()
    throw new ParleyError('BAD_MESSAGE', `no valid offer on the transfer channel: ${String(cause)}`, {
      cause,
    })
  }
  if (message.t !== 'offer') {
    link.sendControl({ t: 'error', code: 'BAD_MESSAGE', message: 'expected an offer' })
    link.close()
    throw new ParleyError('BAD_MESSAGE', `expected an offer, got ${message.t}`)
  }
  return {
    transferId: message.transferId,
    files: message.files,
    digests: message.digests ?? ['sha256'],
    sent: message.sent ?? [],
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
