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

/** The optional presets: created when needed once the peer connection is up (see SdkChannels). */
const LATE_PRESETS: readonly ChannelPreset[] = ['unreliable', 'partial']

/** The SDK channels of one peer connection. */
interface LinkChannels {
  readonly pc: RTCPeerConnection
  /**
   * The peer announces the channels it creates and sends on one only once we announced ours
   * (`announceChannels` in its descriptions); undefined until its first description arrived.
   */
  announces: boolean | undefined
  readonly created: Set<ChannelPreset>
  readonly announced: Set<ChannelPreset>
}

/** The control message that announces channels: the sender has them (both sides use fixed ids). */
const CHANNELS_CONTROL = 'channels'

/**
 * The three SDK channels to one peer (`parley:reliable|unreliable|partial`), negotiated channels
 * with fixed ids on each new peer connection, and the goodbye handshake on the reliable one: `bye`
 * travels behind every message sent before it on the ordered channel, so once the peer answers
 * `bye-ack` (or closes) all of them were delivered.
 *
 * The reliable channel is created with the connection (it puts the data section into the first
 * offer). With a peer that announces its channels, `unreliable` and `partial` are created only when
 * needed once the reliable one is open — a message to send, or the peer announcing its own — and
 * each side announces what it created with a `channels` control message on the reliable channel.
 * A negotiated channel drops what arrives before its receiving end exists, so nothing is sent on
 * one before the peer announced it. With a peer that does not announce (SDK versions before it),
 * all three are created before the connection is up, as those versions do, and used at once.
 */
export class SdkChannels {
  readonly #channels: Readonly<Record<ChannelPreset, PresetChannel>>
  readonly #settings: ChannelSettings
  readonly #events: SdkChannelEvents
  readonly #logger: Logger
  readonly #byeAckWaiters = new Set<() => void>()
  #link: LinkChannels | undefined

  constructor(settings: ChannelSettings, events: SdkChannelEvents, logger: Logger) {
    this.#settings = settings
    this.#events = events
    this.#logger = logger
    const presetEvents = {
      onMessage: (message: unknown, preset: ChannelPreset) => events.message(message, preset),
      onControl: (message: unknown) => this.#onControl(message),
      onOpen: (preset: ChannelPreset) => {
        events.open()
        if (preset === 'reliable') this.#reliableOpen()
      },
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
   * A new peer connection: creates the reliable channel on it (before its first description, which
   * then has the data section). The others follow as described above, once {@link remoteAnnounces}
   * tells which way.
   */
  bind(pc: RTCPeerConnection): void {
    this.detach()
    this.#link = { pc, announces: undefined, created: new Set(), announced: new Set() }
    this.#create(this.#link, 'reliable')
  }

  /**
   * The first description of the peer on the current connection arrived: it announces its channels
   * (`announceChannels`) or not. Not: the other two are created now (before the connection is up,
   * as older SDKs do) and used as soon as they open. Later calls change nothing.
   */
  remoteAnnounces(announces: boolean): void {
    const link = this.#link
    if (!link || link.announces !== undefined) return
    link.announces = announces
    if (announces) {
      if (this.#channels.reliable.isOpen) this.#reliableOpen()
      return
    }
    for (const preset of LATE_PRESETS) {
      if (!link.created.has(preset)) this.#create(link, preset)
      this.#channels[preset].release()
    }
  }

  /** The peer connection is gone: queued messages wait for the next one. */
  detach(): void {
    this.#link = undefined
    for (const preset of CHANNEL_PRESETS) this.#channels[preset].detach()
  }

  send(message: unknown, preset: ChannelPreset): Promise<void> {
    const sent = this.#channels[preset].send(message)
    const link = this.#link
    if (link?.announces && !link.created.has(preset) && this.#channels.reliable.isOpen) {
      this.#createAndAnnounce(link, [preset])
    }
    return sent
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

  #create(link: LinkChannels, preset: ChannelPreset): void {
    const pc = link.pc
    const channel = pc.createDataChannel(channelLabel(preset), channelInit(preset, this.#settings))
    retainChannel(channel)
    link.created.add(preset)
    // held until the peer announced its end (or turned out not to announce: remoteAnnounces)
    const held = preset !== 'reliable' && link.announces !== false
    this.#channels[preset].attach(channel, () => pc.sctp?.maxMessageSize, held)
  }

  /** Creates those of `presets` not created yet and announces every one not announced yet. */
  #createAndAnnounce(link: LinkChannels, presets: readonly ChannelPreset[]): void {
    const announce: ChannelPreset[] = []
    for (const preset of presets) {
      if (!link.created.has(preset)) this.#create(link, preset)
      if (!link.announced.has(preset)) {
        link.announced.add(preset)
        announce.push(preset)
      }
    }
    if (announce.length === 0) return
    this.#channels.reliable.sendControl({ type: CHANNELS_CONTROL, presets: announce }).catch(() => undefined)
  }

  /** The reliable channel opened: announce what exists, create and announce what has messages waiting. */
  #reliableOpen(): void {
    const link = this.#link
    if (!link?.announces) return
    const wanted = LATE_PRESETS.filter(
      (preset) => link.created.has(preset) || this.#channels[preset].queuedMessages > 0,
    )
    this.#createAndAnnounce(link, wanted)
  }

  /** The peer announced channels: they can carry messages; create ours if we have not yet. */
  #onChannelsAnnounced(presets: unknown): void {
    const link = this.#link
    if (!link?.announces || !Array.isArray(presets)) return
    const known = LATE_PRESETS.filter((preset) => presets.includes(preset))
    if (known.length === 0) return
    this.#createAndAnnounce(link, known)
    for (const preset of known) this.#channels[preset].release()
    this.#logger.debug({ presets: known }, 'peer announced channels')
  }

  #onControl(message: unknown): void {
    const type =
      typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined
    if (type === CHANNELS_CONTROL) {
      this.#onChannelsAnnounced((message as { presets?: unknown }).presets)
    } else if (type === 'bye') {
      this.sendControl({ type: 'bye-ack' })
      this.#events.bye()
    } else if (type === 'bye-ack') {
      for (const fn of [...this.#byeAckWaiters]) fn()
    } else if (typeof type === 'string') {
      this.#events.control(message as ControlMessage)
    }
  }
}
