import { type ControlMessage, encodeControlFrames, LIMITS, parseControl, parseFrame } from './messages.js'

/** What a transfer endpoint hears from its channel. */
export interface ChannelHandlers {
  open(): void
  control(message: ControlMessage): void
  data(bytes: Uint8Array): void
  /** A frame that is not a valid control message (or a binary frame of an unsupported kind). */
  invalid(reason: string): void
  /** The channel closed (by either side or because the connection went away). */
  close(): void
}

export interface TransferChannelOptions {
  /** `bufferedAmountLowThreshold` of the channel: the sender resumes below it. */
  lowWaterMark?: number
}

/**
 * One transfer's view of an RTCDataChannel (W3C interface: browsers and node-datachannel's
 * polyfill): decodes frames, sends control and data frames, and wakes waiters when the send buffer
 * drains. Frames arriving before {@link bind} are kept (at most the few the protocol allows) so
 * that the first message (the offer) can be read before the transfer object exists.
 * Listeners are added with addEventListener and removed by {@link detach}: the channel's `on*`
 * properties stay free for others.
 */
export class TransferChannel {
  readonly channel: RTCDataChannel
  #lastSendError: string | undefined
  /** The parts of a long control message received so far (see encodeControlFrames). */
  readonly #parts: string[] = []
  #partUnits = 0
  #handlers: ChannelHandlers | undefined
  readonly #early: (() => void)[] = []
  readonly #drainWaiters = new Set<() => void>()
  #closed = false
  #detached = false
  #closing: Promise<void> | undefined
  #onClosed: (() => void) | undefined
  readonly #listeners: [string, (event: Event) => void][]

  constructor(channel: RTCDataChannel, options: TransferChannelOptions = {}) {
    this.channel = channel
    channel.binaryType = 'arraybuffer'
    this.#setLowWaterMark(options.lowWaterMark ?? 1024 * 1024)
    this.#closed = channel.readyState === 'closing' || channel.readyState === 'closed'
    this.#listeners = [
      ['open', () => this.#deliver(() => this.#handlers?.open())],
      ['message', (event) => this.#onMessage(event as MessageEvent)],
      ['bufferedamountlow', () => this.#wakeDrainWaiters()],
      ['close', () => this.#onClose()],
    ]
    for (const [type, fn] of this.#listeners) channel.addEventListener(type, fn)
    if (this.#closed) this.#early.push(() => this.#handlers?.close())
  }

  get isOpen(): boolean {
    return !this.#closed && this.channel.readyState === 'open'
  }

  get isClosed(): boolean {
    return this.#closed
  }

  /**
   * Bytes queued in the channel; 0 once it closed (browsers keep reporting what was queued when it
   * closed, node-datachannel throws on destroyed channels): nothing will drain from a closed channel.
   */
  get bufferedAmount(): number {
    if (this.#closed) return 0
    try {
      return this.channel.bufferedAmount
    } catch {
      return 0
    }
  }

  /** Starts delivering events (and the frames that arrived before) to `handlers`. */
  bind(handlers: ChannelHandlers): void {
    this.#handlers = handlers
    const early = this.#early.splice(0)
    for (const fn of early) fn()
  }

  /** Resolves with the first control message (e.g. the offer); rejects on close, timeout or bad frame. */
  firstControl(timeoutMs: number): Promise<ControlMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error('no control message in time')), timeoutMs)
      const done = () => {
        clearTimeout(timer)
        this.#handlers = undefined
      }
      const fail = (error: Error) => {
        done()
        reject(error)
      }
      const pending = this.#early.splice(0)
      this.#handlers = {
        open: () => {},
        control: (message) => {
          done()
          resolve(message)
        },
        data: () => fail(new Error('data frame before any control message')),
        invalid: (reason) => fail(new Error(reason)),
        close: () => fail(new Error('channel closed')),
      }
      for (const fn of pending) fn()
    })
  }

  /**
   * Sends a control frame; false (nothing sent) when the channel is not open or refused it (the
   * error is kept in {@link lastSendError}).
   */
  sendControl(message: ControlMessage): boolean {
    if (!this.isOpen) return false
    try {
      // a long message goes as several part frames, all in this task: nothing comes between them
      for (const frame of encodeControlFrames(message)) this.channel.send(frame)
      return true
    } catch (error) {
      this.#lastSendError = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
      return false
    }
  }

  /** What the channel said when it last refused a control frame, if it did. */
  get lastSendError(): string | undefined {
    return this.#lastSendError
  }

  /** Sends a data frame; throws when the channel is not open. */
  sendData(bytes: Uint8Array): void {
    this.channel.send(bytes as Uint8Array<ArrayBuffer>)
  }

  /**
   * Resolves when the send buffer falls to the low-water mark, the channel closes, or `maxWaitMs`
   * passes (a safety net: callers re-check the buffer anyway).
   */
  whenDrained(maxWaitMs = 1000): Promise<void> {
    if (this.#closed) return Promise.resolve()
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer)
        this.#drainWaiters.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, maxWaitMs)
      this.#drainWaiters.add(wake)
    })
  }

  /** Stops listening to the channel (it stays open). Idempotent. */
  detach(): void {
    if (this.#detached) return
    this.#detached = true
    for (const [type, fn] of this.#listeners) this.channel.removeEventListener(type, fn)
    this.#handlers = undefined
    this.#early.length = 0
    this.#wakeDrainWaiters()
  }

  /**
   * Lets the peer close the channel, or closes it after `graceMs`. Used by the side that sent the
   * last message of a transfer (cancel, decline, error, the final file-ok): closing at once could
   * make the peer's transport drop that message, which is still in flight (a channel's buffer being
   * empty only means the bytes reached the local SCTP stack). The side that receives the last
   * message closes at once. Resolves when the channel is closed. Idempotent.
   */
  closeAfter(graceMs = 10_000): Promise<void> {
    if (this.#closed) return Promise.resolve()
    this.#closing ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.close()
        resolve()
      }, graceMs)
      ;(timer as { unref?: () => void }).unref?.()
      this.#onClosed = () => {
        clearTimeout(timer)
        resolve()
      }
    })
    return this.#closing
  }

  /** Closes the channel now. Idempotent. */
  close(): void {
    this.#onClosed?.()
    try {
      if (this.channel.readyState === 'closed' || this.channel.readyState === 'closing') return
      this.channel.close()
    } catch {
      // already closing or destroyed
    }
  }

  /** Sets the channel's `bufferedAmountLowThreshold`: the buffer level that wakes {@link whenDrained}. */
  setLowWaterMark(bytes: number): void {
    this.#setLowWaterMark(bytes)
  }

  #setLowWaterMark(bytes: number): boolean {
    try {
      this.channel.bufferedAmountLowThreshold = bytes
      return true
    } catch {
      return false // destroyed channel (node-datachannel)
    }
  }

  #deliver(fn: () => void): void {
    if (this.#detached) return
    if (this.#handlers) fn()
    else if (this.#early.length < 16) this.#early.push(fn)
  }

  #onMessage(event: MessageEvent): void {
    const data: unknown = event.data
    const frame = typeof data === 'string' ? parseFrame(data) : undefined
    if (frame?.kind === 'part') {
      this.#onPart(frame.text, frame.end)
      return
    }
    if (this.#parts.length > 0) {
      // the parts of a message are sent in one task: nothing comes between them
      this.#parts.length = 0
      this.#partUnits = 0
      this.#deliver(() => this.#handlers?.invalid('a frame between the parts of a control message'))
      return
    }
    if (frame) {
      this.#deliver(() =>
        frame.kind === 'control'
          ? this.#handlers?.control(frame.message)
          : this.#handlers?.invalid(frame.reason),
      )
    } else if (data instanceof ArrayBuffer) {
      const bytes = new Uint8Array(data)
      this.#deliver(() => this.#handlers?.data(bytes))
    } else if (ArrayBuffer.isView(data)) {
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      this.#deliver(() => this.#handlers?.data(bytes))
    } else {
      this.#deliver(() => this.#handlers?.invalid('unsupported frame type'))
    }
  }

  /** Collects the parts of a long control message; the last one delivers it whole. */
  #onPart(text: string, end: boolean): void {
    this.#partUnits += text.length
    if (this.#partUnits > LIMITS.maxControlFrame) {
      this.#parts.length = 0
      this.#partUnits = 0
      this.#deliver(() => this.#handlers?.invalid('control message too large'))
      return
    }
    this.#parts.push(text)
    if (!end) return
    const parsed = parseControl(this.#parts.join(''))
    this.#parts.length = 0
    this.#partUnits = 0
    this.#deliver(() =>
      parsed.ok ? this.#handlers?.control(parsed.message) : this.#handlers?.invalid(parsed.reason),
    )
  }

  #onClose(): void {
    if (this.#closed) return
    this.#closed = true
    this.#onClosed?.()
    this.#wakeDrainWaiters()
    this.#deliver(() => this.#handlers?.close())
  }

  #wakeDrainWaiters(): void {
    for (const wake of [...this.#drainWaiters]) wake()
  }
}
