/** Minimal in-memory stand-ins for MediaStreamTrack, MediaStream, mediaDevices and AudioContext. */
import type { AnalyserLike, AudioContextLike } from '../../src/media/audioLevel.js'
import type { MediaDevicesLike, MediaEnvironment } from '../../src/media/LocalMedia.js'

let nextId = 0

export class FakeTrack {
  readonly id = `t${++nextId}`
  enabled = true
  readyState: 'live' | 'ended' = 'live'
  contentHint = ''
  stopCalls = 0
  readonly #ended = new Set<() => void>()
  constructor(
    readonly kind: 'audio' | 'video',
    readonly label = `${kind} ${nextId}`,
    readonly deviceId = 'default',
  ) {}
  stop(): void {
    this.stopCalls++
    this.readyState = 'ended' // like browsers: stop() does not fire 'ended'
  }
  addEventListener(type: string, fn: () => void): void {
    if (type === 'ended') this.#ended.add(fn)
  }
  removeEventListener(type: string, fn: () => void): void {
    if (type === 'ended') this.#ended.delete(fn)
  }
  getSettings(): MediaTrackSettings {
    return { deviceId: this.deviceId }
  }
  /** The device went away / the user clicked "Stop sharing". */
  endExternally(): void {
    this.readyState = 'ended'
    for (const fn of this.#ended) fn()
  }
}

export class FakeStream {
  readonly #tracks: FakeTrack[]
  constructor(tracks: FakeTrack[] = []) {
    this.#tracks = [...tracks]
  }
  getTracks(): FakeTrack[] {
    return [...this.#tracks]
  }
  getAudioTracks(): FakeTrack[] {
    return this.#tracks.filter((t) => t.kind === 'audio')
  }
  getVideoTracks(): FakeTrack[] {
    return this.#tracks.filter((t) => t.kind === 'video')
  }
  addTrack(t: FakeTrack): void {
    if (!this.#tracks.includes(t)) this.#tracks.push(t)
  }
  removeTrack(t: FakeTrack): void {
    const i = this.#tracks.indexOf(t)
    if (i >= 0) this.#tracks.splice(i, 1)
  }
}

export function domError(name: string, message = name, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name }, extra)
}

type Gum = (constraints: MediaStreamConstraints) => Promise<FakeStream>

export class FakeDevices {
  gumCalls: MediaStreamConstraints[] = []
  displayCalls = 0
  /** Override to fail or customise; default: one live track per requested kind. */
  gum: Gum = async (c) => {
    const tracks: FakeTrack[] = []
    const deviceOf = (v: unknown) => {
      const exact = (v as { deviceId?: { exact?: string } } | undefined)?.deviceId?.exact
      return exact ?? 'default'
    }
    if (c.audio) tracks.push(new FakeTrack('audio', 'mic', deviceOf(c.audio)))
    if (c.video) tracks.push(new FakeTrack('video', 'cam', deviceOf(c.video)))
    return new FakeStream(tracks)
  }
  display: () => Promise<FakeStream> = async () => new FakeStream([new FakeTrack('video', 'screen')])
  devices: Partial<MediaDeviceInfo>[] = [
    { kind: 'audioinput', deviceId: 'mic1', label: 'Mic 1' },
    { kind: 'videoinput', deviceId: 'cam1', label: 'Cam 1' },
    { kind: 'videoinput', deviceId: 'cam2', label: 'Cam 2' },
    { kind: 'audiooutput', deviceId: 'spk1', label: 'Speaker' },
  ]
  readonly listeners = new Set<() => void>()

  asMediaDevices(): MediaDevicesLike {
    return {
      getUserMedia: async (c) => {
        this.gumCalls.push(c)
        return (await this.gum(c)) as unknown as MediaStream
      },
      getDisplayMedia: async () => {
        this.displayCalls++
        return (await this.display()) as unknown as MediaStream
      },
      enumerateDevices: async () => this.devices as MediaDeviceInfo[],
      addEventListener: (_t, l) => this.listeners.add(l),
      removeEventListener: (_t, l) => this.listeners.delete(l),
    }
  }

  fireDeviceChange(): void {
    for (const l of this.listeners) l()
  }
}

export class FakeAudioContext implements AudioContextLike {
  state = 'running'
  closed = 0
  samples: number[] = []
  readonly sources: FakeStream[] = []
  createMediaStreamSource(stream: MediaStream) {
    this.sources.push(stream as unknown as FakeStream)
    return { connect: () => undefined, disconnect: () => undefined }
  }
  createAnalyser(): AnalyserLike {
    return {
      fftSize: 8,
      getFloatTimeDomainData: (array: Float32Array) => {
        // the configured waveform, repeated over the whole window
        for (let i = 0; i < array.length; i++) array[i] = this.samples[i % this.samples.length] ?? 0
      },
      disconnect: () => undefined,
    }
  }
  async close(): Promise<void> {
    this.closed++
  }
}

export function env(devices: FakeDevices, ctx?: FakeAudioContext): Partial<MediaEnvironment> {
  return {
    mediaDevices: devices.asMediaDevices(),
    createStream: (tracks) => new FakeStream(tracks as unknown as FakeTrack[]) as unknown as MediaStream,
    createAudioContext: () => ctx,
  }
}
