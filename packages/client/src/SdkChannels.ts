import type { Logger } from './Logger.js'
import {
  CHANNEL_PRESETS,
  type ChannelPreset,
  type ChannelSettings,
  channelInit,
  channelLabel,
  PresetChannel,
} from './PresetChannel.js'
import { retainChannel } from './runtime.js'

/** An SDK control message (never shown to the application as a message). */
export interface ControlMessage {
  readonly type: string
  readonly [key: string]: unknown
}

export interface SdkChannelEvents {
  message(message: unknown, preset: ChannelPreset): void
  /** A control message other than the goodbye handshake. */
  control(message: ControlMessage): void
  /** The peer said goodbye (it is leaving the room). */
  bye(): void
  /** A channel opened (the reliable one decides whether the peer is connected). */
  open(): void
}

/**
 * The three SDK channels to one peer (`parley:reliable|unreliable|partial`), attached to each new
 * peer connection as negotiated channels with fixed ids, and the goodbye handshake on the reliable
 * one: `bye` travels behind every message sent before it on the ordered channel, so once the peer
 * answers `bye-ack` (or closes) all of them were delivered.
 */
export class SdkChannels {
  readonly #channels: Readonly<Record<ChannelPreset, PresetChannel>>
  readonly #settings: ChannelSettings
  readonly #events: SdkChannelEvents
  readonly #byeAckWaiters = new Set<() => void>()

  constructor(settings: ChannelSettings, events: SdkChannelEvents, logger: Logger) {
    this.#settings = settings
    this.#events = events
    const presetEvents = {
      onMessage: (message: unknown, preset: ChannelPreset) => events.message(message, preset),
      onControl: (message: unknown) => this.#onControl(message),
      onOpen: () => events.open(),
    }
    this.#channels = {
      reliable: new PresetChannel('reliable', settings, presetEvents, logger),
      unreliable: new PresetChannel('unreliable', settings, presetEvents, logger),
      partial: new PresetChannel('partial', settings, presetEvents, logger),
    }
  }

  get(preset: ChannelPreset): PresetChannel {
    return this.#channels[preset]
  }

  /** True while the reliable channel is open. */
  get isOpen(): boolean {
    return this.#channels.reliable.isOpen
  }

  /**
   * Creates channels of `presets` (default: all three) on `pc` (both sides do, with the same ids) and
   * sends through them. Negotiated channels need no renegotiation once the connection has its
   * application section, so all but the reliable one can come after the first description is sent.
   */
  attach(pc: RTCPeerConnection, presets: readonly ChannelPreset[] = CHANNEL_PRESETS): void {
    for (const preset of presets) {
      const channel = pc.createDataChannel(channelLabel(preset), channelInit(preset, this.#settings))
      retainChannel(channel)
      this.#channels[preset].attach(channel, () => pc.sctp?.maxMessageSize)
    }
  }

  /** The peer connection is gone: queued messages wait for the next one. */
  detach(): void {
    for (const preset of CHANNEL_PRESETS) this.#channels[preset].detach()
  }

  send(message: unknown, preset: ChannelPreset): Promise<void> {
    return this.#channels[preset].send(message)
  }

  /** Waits (at most `timeoutMs`) until every queued message was handed over and buffers are empty. */
  async drain(timeoutMs: number): Promise<boolean> {
    const results = await Promise.all(CHANNEL_PRESETS.map((p) => this.#channels[p].drain(timeoutMs)))
    return results.every(Boolean)
  }

  /** Sends a control message on the reliable channel (dropped if it is not open). */
  sendControl(message: ControlMessage): void {
    if (this.isOpen) this.#channels.reliable.sendControl(message).catch(() => undefined)
  }

  /**
   * Says goodbye and waits for the peer's acknowledgement, the channel closing, `cancel` firing or
   * `timeoutMs`, whichever comes first.
   */
  async sayGoodbye(timeoutMs: number, cancel: (stop: () => void) => () => void): Promise<void> {
    const reliable = this.#channels.reliable
    if (!reliable.isOpen) return
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.#byeAckWaiters.delete(done)
        offCancel()
        resolve()
      }
      const timer = setTimeout(done, timeoutMs)
      this.#byeAckWaiters.add(done)
      const offCancel = cancel(done)
      reliable.onClosed(done)
      reliable.sendControl({ type: 'bye' }).catch(done)
    })
  }

  /** Rejects unsent messages with CHANNEL_CLOSED and closes the channels. Idempotent. */
  close(reason: string): void {
    for (const preset of CHANNEL_PRESETS) this.#channels[preset].close(reason)
  }

  #onControl(message: unknown): void {
    const type =
      typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined
    if (type === 'bye') {
      this.sendControl({ type: 'bye-ack' })
      this.#events.bye()
    } else if (type === 'bye-ack') {
      for (const fn of [...this.#byeAckWaiters]) fn()
    } else if (typeof type === 'string') {
      this.#events.control(message as ControlMessage)
    }
  }
}
