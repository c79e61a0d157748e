import { ChatStore } from '../chat/ChatStore.js'
import { parseAppMessage, type WhiteboardWire } from '../messages/appMessages.js'
import type { LocalMediaPort, MeterTrack, ParticipantPort, RoomPort, TrackMeter } from '../sdk/ports.js'
import { Store } from '../state/Store.js'
import { WhiteboardStore } from '../whiteboard/WhiteboardStore.js'
import { NoticeStore } from './NoticeStore.js'
import { SpeakerDetector } from './SpeakerDetector.js'
import type { CallSnapshot, MediaFlags, PeerView, QualityFigures } from './types.js'

/** Samples kept for the bitrate sparkline (one every ~2 s: the last minute or so). */
export const HISTORY_LENGTH = 30
const SELF_REFRESH_MS = 1000
const SPEAKER_SAMPLE_MS = 100

const sameFlags = (a: MediaFlags, b: MediaFlags) =>
  a.audio === b.audio && a.video === b.video && a.screen === b.screen

/**
 * Everything the call screen needs, built from one SDK Room: a snapshot store of the people in the
 * call, plus chat, whiteboard, notices and the active speaker. Components read the stores and call
 * the action methods; only this class subscribes to the Room.
 */
export class CallController extends Store<CallSnapshot> {
  readonly room: RoomPort
  /** The camera and microphone the room publishes (undefined: joined without them). */
  readonly local: LocalMediaPort | undefined
  readonly chat: ChatStore
  readonly board: WhiteboardStore
  readonly notices = new NoticeStore()
  readonly speakers: SpeakerDetector
  readonly #unsubscribe: (() => void)[] = []
  readonly #timers: ReturnType<typeof setInterval>[] = []
  readonly #levels = new Map<string, { track: MediaStreamTrack; meter: TrackMeter }>()
  readonly #meterTrack: MeterTrack
  /** Peers whose connection has opened at least once (whiteboard sync sent). */
  readonly #synced = new Set<string>()
  /** Peers that left with reason 'afresh': they are back at once, as new participants. */
  readonly #metAfresh = new Set<string>()
  #closed = false

  #screenStream: MediaStream | undefined

  constructor(room: RoomPort, local: LocalMediaPort | undefined, meterTrack: MeterTrack = () => undefined) {
    super({
      phase: room.state,
      self: {
        peerId: room.localPeerId,
        name: room.localName,
        media: room.mediaState,
        stream: local?.stream,
        streamVersion: 0,
      },
      peers: [...room.participants.values()].map((p) => toPeerView(p, undefined)),
    })
    this.room = room
    this.local = local
    this.#meterTrack = meterTrack
    this.chat = new ChatStore(
      (m) => room.broadcast(m, { channel: 'reliable' }),
      () => ({ peerId: room.localPeerId, name: room.localName }),
    )
    this.board = new WhiteboardStore(
      {
        broadcastLive: (m) => this.#sendAll(m, 'unreliable'),
        broadcastReliable: (m) => this.#sendAll(m, 'reliable'),
        sendTo: (peerId, m) => {
          void room
            .participant(peerId)
            ?.send(m, { channel: 'reliable' })
            .catch(() => {})
        },
      },
      () => room.localPeerId,
    )
    this.speakers = new SpeakerDetector(() => this.#levelSources())
    this.#subscribe()
    for (const p of room.participants.values()) if (p.state === 'connected') this.#connected(p)
    this.#timers.push(setInterval(() => this.refreshSelf(), SELF_REFRESH_MS))
    this.#timers.push(setInterval(() => this.speakers.sample(), SPEAKER_SAMPLE_MS))
  }

  // ------------------------------------------------------------------ actions

  toggleMic(): void {
    this.room.setMicrophoneEnabled(!this.room.mediaState.audio)
    this.refreshSelf()
  }

  toggleCamera(): void {
    this.room.setCameraEnabled(!this.room.mediaState.video)
    this.refreshSelf()
  }

  /** Starts or stops screen sharing; a refusal of the browser's picker is not an error. */
  async toggleScreen(): Promise<void> {
    try {
      if (this.room.mediaState.screen) await this.room.stopScreenShare()
      else await this.room.startScreenShare()
    } catch (error) {
      if (errorName(error) !== 'NotAllowedError' && errorCodeOf(error) !== 'PERMISSION_DENIED') {
        this.notices.push('Screen sharing could not start. Try again.', 'error')
      }
    } finally {
      this.refreshSelf()
    }
  }

  /** Leaves the room and releases everything. Idempotent. */
  async leave(): Promise<void> {
    if (this.#closed) return
    this.close()
    await this.room.leave().catch(() => {})
    this.local?.stop()
  }

  /** Re-reads the local media state (it also changes when the browser ends a screen share). */
  refreshSelf(): void {
    const s = this.get()
    const media = this.room.mediaState
    const stream = this.#previewStream(media.screen)
    const peerId = this.room.localPeerId
    const same = sameFlags(media, s.self.media) && stream === s.self.stream && peerId === s.self.peerId
    if (same && this.room.state === s.phase) return
    this.set({
      ...s,
      phase: this.room.state,
      // the peer id changes when the server lost our session (restart) and we joined again
      self: same ? s.self : { ...s.self, peerId, media, stream, streamVersion: s.self.streamVersion + 1 },
    })
  }

  /** The local tile shows the shared screen while sharing, the camera otherwise. */
  #previewStream(sharing: boolean): MediaStream | undefined {
    const screen = sharing ? this.local?.screenTrack : undefined
    if (!screen) {
      this.#screenStream = undefined
      return this.local?.stream
    }
    if (this.#screenStream?.getVideoTracks()[0] !== screen) this.#screenStream = new MediaStream([screen])
    return this.#screenStream
  }

  /** Stops listening and timers (does not leave the room: see leave()). */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const off of this.#unsubscribe.splice(0)) off()
    for (const t of this.#timers.splice(0)) clearInterval(t)
    for (const { meter } of this.#levels.values()) meter.close()
    this.#levels.clear()
    this.notices.close()
  }

  // ------------------------------------------------------------------ room events

  #subscribe(): void {
    const room = this.room
    const on = this.#unsubscribe
    on.push(
      room.on('state', (phase) => {
        const previous = this.get().phase
        this.set({ ...this.get(), phase })
        // after a rejoin the SDK learns our new peer id right after announcing the state
        queueMicrotask(() => this.refreshSelf())
        if (phase === 'joined' && previous === 'reconnecting') this.notices.push('Reconnected')
      }),
    )
    on.push(
      room.on('participant-joined', (p) => {
        this.refreshSelf()
        this.#upsert(p)
        // one met afresh (left with reason 'afresh' just before) never went away for the user
        if (!this.#metAfresh.delete(p.peerId)) this.notices.push(`${p.name || 'Someone'} joined`)
      }),
    )
    on.push(
      room.on('participant-left', (p, reason) => {
        const s = this.get()
        this.set({ ...s, peers: s.peers.filter((v) => v.peerId !== p.peerId) })
        this.#synced.delete(p.peerId)
        this.board.peerLeft(p.peerId)
        this.#dropLevel(p.peerId)
        if (reason === 'afresh') this.#metAfresh.add(p.peerId)
        else this.notices.push(`${p.name || 'Someone'} left`)
      }),
    )
    on.push(room.on('track', (p) => this.#upsert(p, { bumpStream: true })))
    on.push(room.on('track-removed', (p) => this.#upsert(p, { bumpStream: true })))
    on.push(room.on('media-state', (p) => this.#upsert(p)))
    on.push(
      room.on('connection-state', (p, state) => {
        this.#upsert(p)
        if (state === 'connected') this.#connected(p)
      }),
    )
    on.push(room.on('quality', (p, sample) => this.#upsert(p, { sample })))
    on.push(room.on('message', (p, message) => this.#message(p, message)))
    on.push(room.on('error', (error) => this.notices.push(error.message || 'Connection problem', 'warn')))
  }

  #connected(p: ParticipantPort): void {
    if (this.#synced.has(p.peerId)) return
    this.#synced.add(p.peerId)
    this.board.peerConnected(p.peerId)
  }

  #message(p: ParticipantPort, data: unknown): void {
    const message = parseAppMessage(data)
    if (!message) return
    if (message.type === 'chat') this.chat.receive(p.peerId, p.name, message)
    else this.board.receive(p.peerId, message)
  }

  #sendAll(message: WhiteboardWire, channel: 'reliable' | 'unreliable'): void {
    void this.room.broadcast(message, { channel }).catch(() => {})
  }

  /** Rebuilds one participant's view from the SDK object (inserting it if new). */
  #upsert(p: ParticipantPort, change: { bumpStream?: boolean; sample?: QualityFigures } = {}): void {
    const s = this.get()
    const index = s.peers.findIndex((v) => v.peerId === p.peerId)
    const previous = index >= 0 ? s.peers[index] : undefined
    let view = toPeerView(p, previous)
    if (change.bumpStream) view = { ...view, streamVersion: view.streamVersion + 1 }
    if (change.sample) {
      view = {
        ...view,
        quality: change.sample,
        bitrateHistory: [...view.bitrateHistory, change.sample.inbound.bitrateKbps].slice(-HISTORY_LENGTH),
      }
    }
    const peers = [...s.peers]
    if (index >= 0) peers[index] = view
    else peers.push(view)
    this.set({ ...s, peers })
  }

  // ------------------------------------------------------------------ speaker levels

  #levelSources() {
    const sources: { id: string; level: () => number }[] = []
    const local = this.local
    if (local && this.room.mediaState.audio)
      sources.push({ id: this.room.localPeerId, level: () => local.audioLevel() })
    for (const peer of this.get().peers) {
      const track = peer.media.audio ? peer.stream?.getAudioTracks()[0] : undefined
      if (!track) {
        this.#dropLevel(peer.peerId)
        continue
      }
      let entry = this.#levels.get(peer.peerId)
      if (entry?.track !== track) {
        this.#dropLevel(peer.peerId)
        const meter = this.#meterTrack(track)
        if (!meter) continue
        entry = { track, meter }
        this.#levels.set(peer.peerId, entry)
      }
      const meter = entry.meter
      sources.push({ id: peer.peerId, level: () => meter.level() })
    }
    return sources
  }

  #dropLevel(peerId: string): void {
    this.#levels.get(peerId)?.meter.close()
    this.#levels.delete(peerId)
  }
}

function toPeerView(p: ParticipantPort, previous: PeerView | undefined): PeerView {
  return {
    peerId: p.peerId,
    name: p.name,
    connection: p.state,
    media: previous && sameFlags(previous.media, p.mediaState) ? previous.media : { ...p.mediaState },
    stream: p.stream,
    streamVersion: previous ? previous.streamVersion + (previous.stream === p.stream ? 0 : 1) : 0,
    quality: previous?.quality ?? p.quality,
    bitrateHistory: previous?.bitrateHistory ?? [],
    sas: p.sas,
  }
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined
}

function errorCodeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined
}
