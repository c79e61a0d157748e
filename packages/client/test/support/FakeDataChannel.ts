/**
 * A scripted stand-in for RTCDataChannel: sends are recorded and buffered; the test decides when
 * the buffer drains (firing `bufferedamountlow` like a browser) and when the channel opens/closes.
 */
export class FakeDataChannel {
  readonly label: string
  readyState: RTCDataChannelState = 'connecting'
  bufferedAmount = 0
  bufferedAmountLowThreshold = 0
  binaryType: BinaryType = 'blob'
  readonly sent: (string | Uint8Array)[] = []
  /** When set, frames are delivered to this peer channel as they are sent. */
  peer: FakeDataChannel | undefined
  /** Frames bigger than this make send() throw, like a real channel above max-message-size. */
  maxMessageSize = 262144
  onopen: ((e: Event) => void) | null = null
  onclose: ((e: Event) => void) | null = null
  onmessage: ((e: MessageEvent) => void) | null = null
  onbufferedamountlow: ((e: Event) => void) | null = null
  readonly #listeners = new Map<string, Set<() => void>>()

  constructor(label = 'parley:reliable') {
    this.label = label
  }

  send(data: string | Uint8Array): void {
    if (this.readyState !== 'open') throw new Error("InvalidStateError: readyState is not 'open'")
    const size = typeof data === 'string' ? new TextEncoder().encode(data).byteLength : data.byteLength
    if (size > this.maxMessageSize) throw new Error('OperationError: message too large')
    this.sent.push(data)
    this.bufferedAmount += size
    if (this.peer) {
      const copy = typeof data === 'string' ? data : data.slice().buffer
      this.peer.onmessage?.({ data: copy } as MessageEvent)
    }
  }

  /** Simulates the transport sending `bytes` (or everything) out of the buffer. */
  drain(bytes = this.bufferedAmount): void {
    const before = this.bufferedAmount
    this.bufferedAmount = Math.max(0, this.bufferedAmount - bytes)
    if (before > this.bufferedAmountLowThreshold && this.bufferedAmount <= this.bufferedAmountLowThreshold) {
      this.onbufferedamountlow?.(new Event('bufferedamountlow'))
    }
  }

  open(): void {
    this.readyState = 'open'
    this.onopen?.(new Event('open'))
  }

  close(): void {
    if (this.readyState === 'closed') return
    this.readyState = 'closed'
    this.onclose?.(new Event('close'))
    for (const fn of this.#listeners.get('close') ?? []) fn()
  }

  addEventListener(type: string, fn: () => void): void {
    let set = this.#listeners.get(type)
    if (!set) {
      set = new Set()
      this.#listeners.set(type, set)
    }
    set.add(fn)
  }

  removeEventListener(type: string, fn: () => void): void {
    this.#listeners.get(type)?.delete(fn)
  }

  asChannel(): RTCDataChannel {
    return this as unknown as RTCDataChannel
  }
}
