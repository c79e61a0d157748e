/**
 * An in-memory pair of objects implementing the part of the W3C RTCDataChannel that the transfer
 * engine uses (EventTarget events, send, bufferedAmount, close), delivering frames asynchronously
 * and in order like a reliable ordered data channel.
 */
export class MemoryChannel extends EventTarget {
  readonly label: string
  readyState: RTCDataChannelState = 'open'
  binaryType: BinaryType = 'blob'
  bufferedAmountLowThreshold = 0
  bufferedAmount = 0
  peer: MemoryChannel | undefined
  /** Every frame sent, for assertions. */
  readonly sent: (string | Uint8Array)[] = []

  constructor(label: string) {
    super()
    this.label = label
  }

  /** Frames longer than this (bytes, strings as UTF-8) are refused as a real channel does. */
  maxMessageSize = Number.POSITIVE_INFINITY

  send(data: string | ArrayBufferView): void {
    if (this.readyState !== 'open') throw new Error("InvalidStateError: readyState is not 'open'")
    const size = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength
    if (size > this.maxMessageSize)
      throw new TypeError(`message of ${size} bytes over ${this.maxMessageSize}`)
    const frame =
      typeof data === 'string' ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice()
    this.sent.push(frame)
    const peer = this.peer
    setImmediate(() => {
      if (peer?.readyState !== 'open') return
      const payload = typeof frame === 'string' ? frame : frame.buffer
      peer.dispatchEvent(new MessageEvent('message', { data: payload }))
    })
  }

  /** Delivers a raw frame to this channel as if the peer sent it. */
  inject(data: string | ArrayBuffer): void {
    this.dispatchEvent(new MessageEvent('message', { data }))
  }

  close(): void {
    if (this.readyState === 'closed') return
    this.readyState = 'closed'
    setImmediate(() => this.dispatchEvent(new Event('close')))
    const peer = this.peer
    if (peer && peer.readyState !== 'closed') {
      setImmediate(() => peer.close())
    }
  }

  asChannel(): RTCDataChannel {
    return this as unknown as RTCDataChannel
  }
}

export function memoryChannelPair(label: string): { local: MemoryChannel; remote: MemoryChannel } {
  const local = new MemoryChannel(label)
  const remote = new MemoryChannel(label)
  local.peer = remote
  remote.peer = local
  return { local, remote }
}
