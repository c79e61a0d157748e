import { ParleyError } from './errors.js'
import {
  isLocalMediaLike,
  type LocalMediaLike,
  type MediaRequest,
  type MediaState,
} from './LocalMediaLike.js'
import type { Logger } from './Logger.js'
import { LocalMedia } from './media/LocalMedia.js'
import type { Participant } from './Participant.js'

type MediaFactory = (request: MediaRequest) => Promise<LocalMediaLike>
let mediaFactory: MediaFactory | undefined = (request) => LocalMedia.create(request)

/** Wires the LocalMedia implementation used when `RoomOptions.media` holds constraints. */
export function registerLocalMediaFactory(factory: MediaFactory): void {
  mediaFactory = factory
}

/**
 * The media of `RoomOptions.media`: the LocalMedia given, or one captured from the constraints
 * (`owned`: the room captured it and stops it); undefined when there is none to publish.
 */
export async function acquireMedia(
  request: LocalMediaLike | MediaRequest | undefined,
): Promise<{ readonly media: LocalMediaLike; readonly owned: boolean } | undefined> {
  if (request === undefined) return undefined
  if (isLocalMediaLike(request)) return { media: request, owned: false }
  if (!request.audio && !request.video) return undefined
  if (!mediaFactory) throw new ParleyError('MEDIA_UNSUPPORTED', 'media capture is not available here')
  return { media: await mediaFactory(request), owned: true }
}

export interface RoomMediaDeps {
  /** Everyone currently in the room. */
  readonly participants: () => Iterable<Participant>
  /** Tells one participant our media state (a `media-state` signal). */
  readonly signal: (participant: Participant, state: MediaState) => void
  readonly logger: Logger
}

/**
 * The local media side of a room: which LocalMedia is published, the media state announced to the
 * others, screen sharing in place of the camera. Tracks reach each peer through its PeerSession
 * (`setLocalTrack`: a transceiver once, then `replaceTrack`, so switches need no renegotiation).
 */
export class RoomMedia {
  readonly #deps: RoomMediaDeps
  #media: LocalMediaLike | undefined
  #owned = false
  #unsubscribe: (() => void) | undefined
  #screenTrack: MediaStreamTrack | undefined
  #state: MediaState = { audio: false, video: false, screen: false }

  constructor(deps: RoomMediaDeps) {
    this.#deps = deps
  }

  get localMedia(): LocalMediaLike | undefined {
    return this.#media
  }

  get state(): MediaState {
    return { ...this.#state }
  }

  /** Uses `media` from now on (`owned`: the room captured it and stops it when leaving). */
  adopt(media: LocalMediaLike, owned: boolean): void {
    if (this.#media !== media) {
      this.#unsubscribe?.()
      this.#media = media
      const offEnded = media.on('track-ended', (kind) => {
        if (kind === 'screen') {
          void this.stopScreenShare()
        } else {
          // the device went away (unplugged, permission revoked): tell the others
          this.#state = { ...this.#state, [kind]: false }
          this.announceToAll()
        }
      })
      // a switched camera/microphone replaces the sent track (replaceTrack, no renegotiation)
      const offReplaced = media.on('track-replaced', () => {
        for (const participant of this.#deps.participants()) void this.publishTo(participant)
      })
      this.#unsubscribe = () => {
        offEnded()
        offReplaced()
      }
    }
    this.#owned = owned
    this.#state = {
      audio: media.audioTrack?.enabled ?? false,
      video: media.videoTrack?.enabled ?? false,
      screen: this.#screenTrack !== undefined,
    }
  }

  /** Starts sending `media` to everyone (and to everyone who joins later). */
  async publish(media: LocalMediaLike): Promise<void> {
    this.adopt(media, this.#media === media && this.#owned)
    await Promise.all([...this.#deps.participants()].map((p) => this.publishTo(p)))
    this.announceToAll()
  }

  /** Sends our tracks to `participant` (a newcomer, or after a device switch). */
  async publishTo(participant: Participant): Promise<void> {
    const media = this.#media
    if (!media) return
    const session = participant.session
    try {
      // both calls record their track synchronously, before the session makes its first offer
      await Promise.all([
        session.setLocalTrack('audio', media.audioTrack ?? null, media.stream),
        session.setLocalTrack('video', this.#screenTrack ?? media.videoTrack ?? null, media.stream),
      ])
    } catch (error) {
      this.#deps.logger.warn({ error, peer: participant.peerId }, 'cannot send media to this peer')
    }
  }

  /** A participant joined: send it our tracks and our media state. */
  welcome(participant: Participant): void {
    if (!this.#media) return
    void this.publishTo(participant)
    this.#deps.signal(participant, this.state)
  }

  setMicrophoneEnabled(on: boolean): void {
    const track = this.#media?.audioTrack
    if (track) track.enabled = on
    this.#state = { ...this.#state, audio: on && track !== undefined }
    this.announceToAll()
  }

  setCameraEnabled(on: boolean): void {
    const track = this.#media?.videoTrack
    if (track) track.enabled = on
    this.#state = { ...this.#state, video: on && track !== undefined }
    this.announceToAll()
  }

  async startScreenShare(): Promise<void> {
    const media = this.#media
    if (!media) throw new ParleyError('MEDIA_UNSUPPORTED', 'publish local media before sharing the screen')
    const track = await media.startScreen()
    this.#screenTrack = track
    await this.#sendVideo(track, media.stream)
    this.#state = { ...this.#state, screen: true }
    this.announceToAll()
  }

  async stopScreenShare(): Promise<void> {
    const media = this.#media
    if (!media || !this.#screenTrack) return
    this.#screenTrack = undefined
    media.stopScreen()
    await this.#sendVideo(media.videoTrack ?? null, media.stream)
    this.#state = { ...this.#state, screen: false }
    this.announceToAll()
  }

  async #sendVideo(track: MediaStreamTrack | null, stream: MediaStream): Promise<void> {
    await Promise.all(
      [...this.#deps.participants()]
        .filter((p) => p.acceptsMedia)
        .map((p) => p.session.setLocalTrack('video', track, stream)),
    )
  }

  announceToAll(): void {
    for (const participant of this.#deps.participants()) this.#deps.signal(participant, this.state)
  }

  /** The room is left: stop listening, and stop the media if the room captured it. Idempotent. */
  close(): void {
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
    if (this.#owned) this.#media?.stop()
    this.#owned = false
  }
}
