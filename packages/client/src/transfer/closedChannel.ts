import { ParleyError } from '../errors.js'
import { transferChannelLabel } from './messages.js'

/** A channel that is already closed: makes a sender without a connection wait as interrupted. */
export function closedChannel(transferId: string): RTCDataChannel {
  const target = new EventTarget() as EventTarget & Record<string, unknown>
  Object.assign(target, {
    label: transferChannelLabel(transferId),
    readyState: 'closed',
    binaryType: 'arraybuffer',
    bufferedAmount: 0,
    bufferedAmountLowThreshold: 0,
    send: () => {
      throw new ParleyError('CLOSED', 'no connection')
    },
    close: () => {},
  })
  return target as unknown as RTCDataChannel
}
