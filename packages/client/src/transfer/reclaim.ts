import type { Logger } from '../Logger.js'
import type { FileReceiver } from './FileReceiver.js'
import { transferChannelLabel } from './messages.js'
import { TransferChannel } from './TransferChannel.js'

/** The part of a participant a reclaim needs. */
interface ReclaimPeer {
  readonly peerId: string
  createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel
}

/** How long the sender has to refuse a reclaim before the channel is closed, ms. */
const RECLAIM_ANSWER_MS = 10_000

/**
 * We re-joined under a new id and met `peer`, the sender of `receiver`, afresh: asks it for the
 * transfer again on a channel of its own (`{ t: 'reclaim' }`). The sender moves the transfer over to
 * us and offers it again on a new channel, which the receiver adopts (resuming from what it stored);
 * a sender that no longer has it answers with an error, which ends the receiver with that message.
 */
export function sendReclaim(peer: ReclaimPeer, receiver: FileReceiver, logger: Logger): void {
  let link: TransferChannel
  try {
    link = new TransferChannel(peer.createDataChannel(transferChannelLabel(receiver.id), { ordered: true }))
  } catch (error) {
    // no connection right now: the transfer keeps waiting, its resume timeout ends it
    logger.info({ error, transferId: receiver.id }, 'cannot ask the sender for the transfer again')
    return
  }
  const timer = setTimeout(() => link.close(), RECLAIM_ANSWER_MS)
  ;(timer as { unref?: () => void }).unref?.()
  link.bind({
    open: () => {
      link.sendControl({ t: 'reclaim', transferId: receiver.id })
      logger.info({ transferId: receiver.id, peerId: peer.peerId }, 'asked the sender for the transfer again')
    },
    control: (message) => {
      if (message.t === 'error') receiver.close(message.message || 'the sender no longer has this transfer')
      link.close()
    },
    data: () => link.close(),
    invalid: () => link.close(),
    close: () => clearTimeout(timer),
  })
}
