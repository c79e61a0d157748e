let transferable: boolean | undefined

/**
 * Whether this browser can move an RTCDataChannel to a worker (Chromium and Safari can; Firefox and
 * Node cannot). Probed once, with a channel of a connection that is never used.
 */
export function canTransferDataChannels(): boolean {
  if (transferable !== undefined) return transferable
  transferable = false
  if (typeof RTCPeerConnection !== 'function' || typeof MessageChannel !== 'function') return transferable
  let pc: RTCPeerConnection | undefined
  const ports = new MessageChannel()
  try {
    pc = new RTCPeerConnection()
    const channel = pc.createDataChannel('parley-transfer-probe')
    ports.port1.postMessage(channel, [channel as unknown as Transferable])
    transferable = true
  } catch {
    transferable = false
  } finally {
    pc?.close()
    ports.port1.close()
    ports.port2.close()
  }
  return transferable
}
