import type { LocalTrack, MediaKind, PeerLink } from './PeerLink.js'

/**
 * The media side of a PeerSession: the local tracks to send (kept across connection generations and
 * applied to each new connection) and the remote stream the received tracks are gathered in.
 */
export class PeerMedia {
  readonly #localTracks = new Map<MediaKind, LocalTrack>()
  /** The session's current connection: tracks are applied to it only. */
  readonly #current: () => PeerLink | undefined
  #remoteStream: MediaStream | undefined

  constructor(current: () => PeerLink | undefined) {
    this.#current = current
  }

  /** Remote media (browsers), once a track arrived. */
  get remoteStream(): MediaStream | undefined {
    return this.#remoteStream
  }

  /** The kinds that have a local track (null included), live: kinds set meanwhile are visited too. */
  kinds(): IterableIterator<MediaKind> {
    return this.#localTracks.keys()
  }

  /** Records `track` as the local `kind` track (applied to `link` by {@link apply}). */
  setLocal(kind: MediaKind, track: MediaStreamTrack | null, stream: MediaStream | undefined): void {
    this.#localTracks.set(kind, { track, stream })
  }

  /** Applies the local `kind` track to `link` if it is still the current connection. */
  async apply(link: PeerLink, kind: MediaKind): Promise<void> {
    const local = this.#localTracks.get(kind)
    if (this.#current() === link && local) await link.applyLocalTrack(kind, local)
  }

  /** A remote track arrived: the stream it belongs to (a stream of our own when it has none). */
  remoteTrack(event: RTCTrackEvent): MediaStream {
    const track = event.track
    let stream = event.streams[0]
    if (!stream) {
      this.#remoteStream ??= new MediaStream()
      stream = this.#remoteStream
      stream.addTrack(track)
    }
    this.#remoteStream = stream
    return stream
  }

  /** The session is released: the remote stream is gone. */
  clearRemote(): void {
    this.#remoteStream = undefined
  }
}
