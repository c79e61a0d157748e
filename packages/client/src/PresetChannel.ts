import { ChunkAssembler } from './ChunkAssembler.js'
import { ParleyError } from './errors.js'
import {
  decodeFrame,
  decodePayload,
  encodeControl,
  encodeMessage,
  frameLimit,
  type OutgoingMessage,
} from './Framing.js'
import type { Logger } from './Logger.js'

/** Delivery guarantees of the SDK's named channels. */
export type ChannelPreset = 'reliable' | 'unreliable' | 'partial'
export const CHANNEL_PRESETS: readonly ChannelPreset[] = ['reliable', 'unreliable', 'partial']

/** Partial reliability: give up on a message after N retransmissions or after a lifetime (not both). */
export type PartialReliability =
  | { readonly maxRetransmits: number; readonly ordered?: boolean }
  | { readonly maxPacketLifeTime: number; readonly ordered?: boolean }

export interface ChannelSettings {
  /** Parameters of the `partial` preset (default: unordered, 3 retransmissions). */
  partial?: PartialReliability
  /** Largest message `send()` accepts and the receiver reassembles (default 64 MiB). */
  maxMessageBytes?: number
  /** `send()` waits while the channel buffers more than this (default 4 MiB). */
  highWaterMark?: number
  /** …and resumes when the buffer drains below this (default 1 MiB; `bufferedAmountLowThreshold`). */
  lowWaterMark?: number
}

/** Channel label of a preset, e.g. `parley:reliable`. Labels starting with `parley:` are reserved. */
export const channelLabel = (preset: ChannelPreset): string => `parley:${preset}`
export const RESERVED_LABEL_PREFIX = 'parley:'

/** Both sides create the preset channels as negotiated channels with these fixed stream ids. */
const CHANNEL_IDS: Readonly<Record<ChannelPreset, number>> = { reliable: 0, unreliable: 1, partial: 2 }

export function channelInit(preset: ChannelPreset, settings: ChannelSettings = {}): RTCDataChannelInit {
  const base = { negotiated: true, id: CHANNEL_IDS[preset] }
  switch (preset) {
    case 'reliable':
      return { ...base, ordered: true }
    case 'unreliable':
      return { ...base, ordered: false, maxRetransmits: 0 }
    case 'partial': {
      const p = settings.partial ?? { maxRetransmits: 3 }
      const ordered = p.ordered ?? false
      return 'maxPacketLifeTime' in p
        ? { ...base, ordered, maxPacketLifeTime: p.maxPacketLifeTime }
        : { ...base, ordered, maxRetransmits: p.maxRetransmits }
    }
  }
}

interface QueuedSend {
  readonly message: OutgoingMessage | Uint8Array<ArrayBuffer>
  readonly resolve: () => void
  readonly reject: (error: ParleyError) => void
}

export interface PresetChannelEvents {
  onMessage(message: unknown, preset: ChannelPreset): void
  onControl(message: unknown): void
  onOpen(preset: ChannelPreset): void
}

const BUFFER_POLL_MS = 250

/**
 * One named SDK channel (`parley:<preset>`) to one peer. It outlives the RTCDataChannel under it:
 * when the peer connection is replaced, the new channel is attached and queued sends continue.
 *
 * `send()` frames the message (JSON as text, bytes as binary, chunks above the transport's
 * max-message-size) and resolves once every frame is handed to the transport. While the transport
 * buffers more than `highWaterMark`, sending waits for `bufferedamountlow` instead of failing with
 * "queue is full". Messages wait for the channel to (re)open; `close()` rejects what is left with
 * CHANNEL_CLOSED.
 */
export class PresetChannel {
  readonly preset: ChannelPreset
  readonly #settings: Required<Omit<ChannelSettings, 'partial'>>
  readonly #events: PresetChannelEvents
  readonly #logger: Logger
  readonly #assembler: ChunkAssembler
  readonly #queue: QueuedSend[] = []
  #channel: RTCDataChannel | undefined
  #maxMessageSize: () => number | null | undefined = () => undefined
  #pumping = false
  #closed = false
  /** Sending waits until the peer has this channel too (see SdkChannels: announced channels). */
  #held = false
  #nextMessageId = 1
  #wakeUp: (() => void) | undefined
  readonly #closeWaiters = new Set<() => void>()

  constructor(preset: ChannelPreset, settings: ChannelSettings, events: PresetChannelEvents, logger: Logger) {
    this.preset = preset
    const maxMessageBytes = settings.maxMessageBytes ?? 64 * 1024 * 1024
    const highWaterMark = settings.highWaterMark ?? 4 * 1024 * 1024
    this.#settings = {
      maxMessageBytes,
      highWaterMark,
      lowWaterMark: Math.min(settings.lowWaterMark ?? 1024 * 1024, highWaterMark),
    }
    this.#events = events
    this.#logger = logger
    this.#assembler = new ChunkAssembler({ maxMessageBytes })
    this.#assembler.onDrop = (id, reason) =>
      this.#logger.warn({ channel: preset, messageId: id, reason }, 'dropped incomplete message')
  }

  /** True while a channel is attached and open. */
  get isOpen(): boolean {
    return this.#channel?.readyState === 'open'
  }

  /** Bytes waiting in the transport's buffer plus messages not yet handed over. */
  get queuedMessages(): number {
    return this.#queue.length
  }

  get bufferedAmount(): number {
    return this.#channel?.bufferedAmount ?? 0
  }

  /**
   * Uses `channel` from now on (a new peer connection). `maxMessageSize` reads the SCTP limit.
   * `held`: nothing is sent on it before {@link release} (the peer may not have its end yet).
   */
  attach(channel: RTCDataChannel, maxMessageSize: () => number | null | undefined, held = false): void {
    if (this.#closed) return
    this.detach()
    this.#held = held
    this.#channel = channel
    this.#maxMessageSize = maxMessageSize
    channel.binaryType = 'arraybuffer'
    channel.bufferedAmountLowThreshold = this.#settings.lowWaterMark
    channel.onopen = () => {
      if (this.#channel !== channel) return
      this.#events.onOpen(this.preset)
      this.#pump()
    }
    channel.onmessage = (event: MessageEvent) => {
      if (this.#channel === channel) this.#receive(event.data)
    }
    channel.onbufferedamountlow = () => this.#wake()
    channel.onclose = () => {
      if (this.#channel !== channel) return
      this.#wake()
      this.#notifyClosed()
    }
    if (channel.readyState === 'open') {
      this.#events.onOpen(this.preset)
      this.#pump()
    }
  }

  /** True while a channel is attached (open or not). */
  get isAttached(): boolean {
    return this.#channel !== undefined
  }

  /** The peer has its end of the attached channel: queued messages go out once it is open. */
  release(): void {
    if (!this.#held) return
    this.#held = false
    this.#pump()
  }

  /** Calls `fn` once when the current transport channel closes (or is detached). */
  onClosed(fn: () => void): void {
    const channel = this.#channel
    if (!channel || channel.readyState === 'closed') {
      fn()
      return
    }
    this.#closeWaiters.add(fn)
  }

  #notifyClosed(): void {
    const waiters = [...this.#closeWaiters]
    this.#closeWaiters.clear()
    for (const fn of waiters) fn()
  }

  /** Forgets the current channel (its connection is gone). A message cut short restarts on the next one. */
  detach(): void {
    const channel = this.#channel
    if (!channel) return
    channel.onopen = null
    channel.onmessage = null
    channel.onbufferedamountlow = null
    channel.onclose = null
    this.#channel = undefined
    this.#notifyClosed()
    this.#assembler.reset()
    const head = this.#queue[0]
    if (head && !(head.message instanceof Uint8Array) && head.message.started) head.message.rewind()
    this.#wake()
  }

  /** Sends one message (JSON value or bytes); resolves when it has been handed to the transport. */
  send(message: unknown): Promise<void> {
    if (this.#closed)
      return Promise.reject(new ParleyError('CHANNEL_CLOSED', `channel ${this.preset} is closed`))
    let outgoing: OutgoingMessage
    try {
      outgoing = encodeMessage(message, this.#nextMessageId, this.#settings.maxMessageBytes)
    } catch (error) {
      return Promise.reject(error)
    }
    this.#nextMessageId = (this.#nextMessageId + 1) >>> 0
    return this.#enqueue(outgoing)
  }

  /** Sends an SDK control message (never shown to the application). */
  sendControl(message: unknown): Promise<void> {
    if (this.#closed)
      return Promise.reject(new ParleyError('CHANNEL_CLOSED', `channel ${this.preset} is closed`))
    return this.#enqueue(encodeControl(message))
  }

  #enqueue(message: OutgoingMessage | Uint8Array<ArrayBuffer>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ message, resolve, reject })
      this.#pump()
    })
  }

  /**
   * Waits until every queued message was handed over and the transport buffer is empty, or until
   * `timeoutMs`. Resolves true when fully drained.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (this.#queue.length > 0 || this.bufferedAmount > 0) {
      const left = deadline - Date.now()
      if (left <= 0 || !this.isOpen) return false
      await new Promise<void>((resolve) => setTimeout(resolve, Math.min(left, 20)))
    }
    return true
  }

  /** Closes for good: rejects unsent messages with CHANNEL_CLOSED and closes the transport channel. Idempotent. */
  close(reason = 'channel closed'): void {
    if (this.#closed) return
    this.#closed = true
    const channel = this.#channel
    this.detach()
    const pending = this.#queue.splice(0)
    if (pending.length > 0) {
      this.#logger.debug({ channel: this.preset, undelivered: pending.length }, 'messages not delivered')
    }
    for (const item of pending) {
      item.reject(new ParleyError('CHANNEL_CLOSED', `${reason}: message on ${this.preset} not delivered`))
    }
    if (channel && channel.readyState !== 'closed') channel.close()
  }

  #wake(): void {
    const wake = this.#wakeUp
    this.#wakeUp = undefined
    wake?.()
  }

  /** Waits for `bufferedamountlow`, a close, a detach — or a short poll as a safety net. */
  #waitForRoom(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        if (this.#wakeUp === done) this.#wakeUp = undefined
        resolve()
      }, BUFFER_POLL_MS)
      const done = (): void => {
        clearTimeout(timer)
        resolve()
      }
      this.#wakeUp = done
    })
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return
    this.#pumping = true
    try {
      while (!this.#closed) {
        const channel = this.#channel
        const head = this.#queue[0]
        if (!head || !channel || channel.readyState !== 'open' || this.#held) return
        if (channel.bufferedAmount > this.#settings.highWaterMark) {
          await this.#waitForRoom()
          continue
        }
        const limit = frameLimit(this.#maxMessageSize())
        const message = head.message
        let frame: string | Uint8Array<ArrayBuffer>
        let finished: boolean
        if (message instanceof Uint8Array) {
          frame = message
          finished = true
        } else {
          frame = message.nextFrame(limit)
          finished = message.done
        }
        try {
          if (typeof frame === 'string') channel.send(frame)
          else channel.send(frame)
        } catch (error) {
          // The channel closed under us: the message restarts on the next channel.
          this.#logger.debug({ channel: this.preset, error }, 'send failed, waiting for a new channel')
          if (!(message instanceof Uint8Array)) message.rewind()
          return
        }
        if (finished) {
          this.#queue.shift()
          head.resolve()
        }
      }
    } finally {
      this.#pumping = false
    }
  }

  #receive(data: unknown): void {
    let frame: ReturnType<typeof decodeFrame>
    try {
      frame = decodeFrame(data)
    } catch (error) {
      this.#logger.warn({ channel: this.preset, error }, 'dropped malformed frame')
      return
    }
    switch (frame.type) {
      case 'json':
        this.#events.onMessage(frame.value, this.preset)
        return
      case 'binary':
        this.#events.onMessage(frame.bytes, this.preset)
        return
      case 'control':
        this.#events.onControl(frame.value)
        return
      case 'chunk': {
        try {
          const whole = this.#assembler.push(frame.header, frame.payload)
          if (whole) this.#events.onMessage(decodePayload(whole.kind, whole.bytes), this.preset)
        } catch (error) {
          this.#logger.warn({ channel: this.preset, error }, 'dropped bad chunk')
        }
        return
      }
    }
  }
}
