import type { MediaFlags, PeerConnection, QualityFigures, RoomPhase } from '../../src/call/types.js'
import type {
  ChannelPreset,
  LocalMediaPort,
  ParticipantPort,
  RoomEventsPort,
  RoomPort,
  SendOptions,
} from '../../src/sdk/ports.js'

export interface Sent {
  to: string | '*'
  message: unknown
  channel: ChannelPreset | undefined
}

export class FakeParticipant implements ParticipantPort {
  state: PeerConnection = 'connecting'
  mediaState: MediaFlags = { audio: true, video: true, screen: false }
  stream: MediaStream | undefined = undefined
  quality: QualityFigures | undefined = undefined
  sas: string | undefined = undefined
  constructor(
    readonly peerId: string,
    readonly name: string,
    private readonly sent: Sent[],
  ) {}
  async send(message: unknown, options?: SendOptions): Promise<void> {
    this.sent.push({ to: this.peerId, message, channel: options?.channel })
  }
}

/** An in-memory RoomPort whose events the test fires by hand. */
export class FakeRoom implements RoomPort {
  localPeerId = 'me'
  readonly localName = 'Me'
  readonly resumeToken = 'resume-me'
  state: RoomPhase = 'joined'
  readonly participants = new Map<string, FakeParticipant>()
  localMedia: LocalMediaPort | undefined = undefined
  mediaState: MediaFlags = { audio: true, video: true, screen: false }
  readonly sent: Sent[] = []
  left = false
  readonly #listeners = new Map<string, Set<(...args: never[]) => void>>()

  participant(peerId: string) {
    return this.participants.get(peerId)
  }

  on<K extends keyof RoomEventsPort>(event: K, fn: RoomEventsPort[K]): () => void {
    const set = this.#listeners.get(event) ?? new Set()
    this.#listeners.set(event, set)
    set.add(fn as (...args: never[]) => void)
    return () => set.delete(fn as (...args: never[]) => void)
  }

  fire<K extends keyof RoomEventsPort>(event: K, ...args: Parameters<RoomEventsPort[K]>): void {
    for (const fn of this.#listeners.get(event) ?? []) (fn as (...a: unknown[]) => void)(...args)
  }

  listenerCount(): number {
    let n = 0
    for (const s of this.#listeners.values()) n += s.size
    return n
  }

  async broadcast(message: unknown, options?: SendOptions): Promise<void> {
    this.sent.push({ to: '*', message, channel: options?.channel })
  }

  setMicrophoneEnabled(on: boolean): void {
    this.mediaState = { ...this.mediaState, audio: on }
  }

  setCameraEnabled(on: boolean): void {
    this.mediaState = { ...this.mediaState, video: on }
  }

  async startScreenShare(): Promise<void> {
    this.mediaState = { ...this.mediaState, screen: true }
  }

  async stopScreenShare(): Promise<void> {
    this.mediaState = { ...this.mediaState, screen: false }
  }

  async leave(): Promise<void> {
    this.left = true
    this.state = 'left'
  }

  /** Adds a participant and fires participant-joined. */
  join(peerId: string, name: string): FakeParticipant {
    const p = new FakeParticipant(peerId, name, this.sent)
    this.participants.set(peerId, p)
    this.fire('participant-joined', p)
    return p
  }
}
