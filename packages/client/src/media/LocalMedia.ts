/**
 * The local camera, microphone and screen: acquisition with typed errors, device list and
 * `devicechange`, camera/microphone switching (new track, old one stopped), screen capture and a
 * microphone level meter.
 *
 * States (each changed through one transition-checked setter):
 * - lifecycle `live → stopped` (`stop()` is idempotent: it stops every track, the level meter and
 *   the devicechange listener; later calls that would acquire media reject with CLOSED);
 * - screen `off → starting → on → off` (`starting → off` when the picker is cancelled).
 *
 * Events:
 * - `track-replaced(kind, track, previous)` after switchCamera/switchMicrophone: senders must
 *   `replaceTrack(track)` (Room does);
 * - `track-ended(kind)` when a track ends by itself (device unplugged, permission revoked) and,
 *   for `screen`, whenever sharing ends — by the browser's "Stop sharing" button or by stopScreen();
 * - `devicechange(devices)`, `level(rms)` (every 100 ms while someone listens), `screen-state`.
 */
import { ParleyError } from '../errors.js'
import type { Logger } from '../Logger.js'
import { StateMachine, type TransitionTable } from '../StateMachine.js'
import { TypedEmitter } from '../TypedEmitter.js'
import { type AudioContextFactory, AudioLevelMeter, defaultAudioContextFactory } from './audioLevel.js'
import { describeRequest, type MediaRequest, mediaError, mediaUnsupported } from './mediaErrors.js'

export type LocalMediaState = 'live' | 'stopped'
export type ScreenState = 'off' | 'starting' | 'on'
export type LocalTrackKind = 'audio' | 'video' | 'screen'

export type LocalMediaEvents = {
  devicechange: (devices: MediaDeviceInfo[]) => void
  'track-ended': (kind: LocalTrackKind) => void
  level: (rms: number) => void
  'track-replaced': (
    kind: 'audio' | 'video',
    track: MediaStreamTrack,
    previous: MediaStreamTrack | undefined,
  ) => void
  'screen-state': (state: ScreenState) => void
  state: (state: LocalMediaState) => void
}

export interface LocalMediaOptions {
  audio?: boolean | MediaTrackConstraints
  video?: boolean | MediaTrackConstraints
}

export interface DeviceList {
  audioInputs: MediaDeviceInfo[]
  videoInputs: MediaDeviceInfo[]
  audioOutputs: MediaDeviceInfo[]
}

/** The parts of navigator.mediaDevices used here. */
export interface MediaDevicesLike {
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>
  getDisplayMedia?(options?: DisplayMediaStreamOptions): Promise<MediaStream>
  enumerateDevices(): Promise<MediaDeviceInfo[]>
  addEventListener?(type: 'devicechange', listener: () => void): void
  removeEventListener?(type: 'devicechange', listener: () => void): void
}

/** Everything LocalMedia takes from the runtime; injectable for tests. */
export interface MediaEnvironment {
  mediaDevices: MediaDevicesLike | undefined
  createStream: (tracks: MediaStreamTrack[]) => MediaStream
  createAudioContext: AudioContextFactory
  logger: Logger | undefined
}

function defaultCreateStream(tracks: MediaStreamTrack[]): MediaStream {
  if (typeof MediaStream !== 'function') throw mediaUnsupported('getUserMedia')
  return new MediaStream(tracks)
}

export function defaultMediaEnvironment(): MediaEnvironment {
  const nav = (globalThis as { navigator?: { mediaDevices?: MediaDevicesLike } }).navigator
  return {
    mediaDevices: nav?.mediaDevices,
    createStream: defaultCreateStream,
    createAudioContext: defaultAudioContextFactory,
    logger: undefined,
  }
}

const LIFECYCLE: TransitionTable<LocalMediaState> = { live: ['stopped'], stopped: [] }
const SCREEN: TransitionTable<ScreenState> = {
  off: ['starting'],
  starting: ['on', 'off'],
  on: ['off'],
}

/** Screen capture defaults: text-friendly frame rate; `contentHint = 'detail'` is set on the track. */
const SCREEN_CONSTRAINTS: DisplayMediaStreamOptions = {
  video: { frameRate: { ideal: 15, max: 30 } },
  audio: false,
}

const LEVEL_INTERVAL_MS = 100

export class LocalMedia extends TypedEmitter<LocalMediaEvents> {
  readonly #env: MediaEnvironment
  readonly #stream: MediaStream
  readonly #constraints: { audio: boolean | MediaTrackConstraints; video: boolean | MediaTrackConstraints }
  readonly #lifecycle: StateMachine<LocalMediaState>
  readonly #screenState: StateMachine<ScreenState>
  #screenTrack: MediaStreamTrack | undefined
  #screenStarting: Promise<MediaStreamTrack> | undefined
  #meter: AudioLevelMeter | undefined
  #levelTimer: ReturnType<typeof setInterval> | undefined
  #queue: Promise<unknown> = Promise.resolve()
  readonly #onDeviceChange = () => {
    this.#listDevicesFlat()
      .then((devices) => {
        if (this.state === 'live') this.emit('devicechange', devices)
      })
      .catch((error: unknown) => this.#env.logger?.warn({ err: error }, 'enumerateDevices failed'))
  }

  private constructor(env: MediaEnvironment, stream: MediaStream, options: LocalMediaOptions) {
    super()
    this.#env = env
    this.#stream = stream
    this.#constraints = { audio: options.audio ?? false, video: options.video ?? false }
    this.#lifecycle = new StateMachine({
      name: 'LocalMedia',
      initial: 'live',
      table: LIFECYCLE,
      onChange: (s) => this.emit('state', s),
      ...(env.logger ? { logger: env.logger } : {}),
    })
    this.#screenState = new StateMachine({
      name: 'LocalMedia.screen',
      initial: 'off',
      table: SCREEN,
      onChange: (s) => this.emit('screen-state', s),
      ...(env.logger ? { logger: env.logger } : {}),
    })
    for (const track of stream.getTracks()) this.#watch(track)
    env.mediaDevices?.addEventListener?.('devicechange', this.#onDeviceChange)
  }

  /**
   * Opens the requested devices with one getUserMedia call. With neither audio nor video it opens
   * nothing (e.g. to share only a screen later). Rejects with a ParleyError:
   * PERMISSION_DENIED, DEVICE_NOT_FOUND, DEVICE_IN_USE, MEDIA_UNSUPPORTED or INVALID_ARGUMENT.
   */
  static async create(
    options: LocalMediaOptions = {},
    env: Partial<MediaEnvironment> = {},
  ): Promise<LocalMedia> {
    const environment = { ...defaultMediaEnvironment(), ...env }
    const audio = options.audio ?? false
    const video = options.video ?? false
    if (!audio && !video) return new LocalMedia(environment, environment.createStream([]), options)
    const devices = environment.mediaDevices
    if (!devices || typeof devices.getUserMedia !== 'function') throw mediaUnsupported('getUserMedia')
    let stream: MediaStream
    try {
      stream = await devices.getUserMedia({ audio, video })
    } catch (error) {
      throw mediaError(error, describeRequest(Boolean(audio), Boolean(video)))
    }
    return new LocalMedia(environment, stream, options)
  }

  /** Devices by kind. Labels are empty until the page has been granted media access once. */
  static async listDevices(env: Partial<MediaEnvironment> = {}): Promise<DeviceList> {
    const devices = { ...defaultMediaEnvironment(), ...env }.mediaDevices
    if (!devices || typeof devices.enumerateDevices !== 'function') throw mediaUnsupported('enumerateDevices')
    return groupDevices(await devices.enumerateDevices())
  }

  get state(): LocalMediaState {
    return this.#lifecycle.state
  }

  get screenState(): ScreenState {
    return this.#screenState.state
  }

  /** Camera and microphone tracks (the screen track is separate: {@link screenTrack}). */
  get stream(): MediaStream {
    return this.#stream
  }

  get audioTrack(): MediaStreamTrack | undefined {
    return this.#stream.getAudioTracks()[0]
  }

  get videoTrack(): MediaStreamTrack | undefined {
    return this.#stream.getVideoTracks()[0]
  }

  get screenTrack(): MediaStreamTrack | undefined {
    return this.#screenTrack
  }

  /** Replaces the camera with `deviceId`; resolves with the new track (the old one is stopped). */
  switchCamera(deviceId: string): Promise<MediaStreamTrack> {
    return this.#serialize(() => this.#switch('video', deviceId))
  }

  /** Replaces the microphone with `deviceId`; resolves with the new track (the old one is stopped). */
  switchMicrophone(deviceId: string): Promise<MediaStreamTrack> {
    return this.#serialize(() => this.#switch('audio', deviceId))
  }

  /**
   * Asks the user for a screen or window (getDisplayMedia) and resolves with its video track,
   * `contentHint = 'detail'`. While sharing, calling it again returns the same track.
   */
  startScreen(): Promise<MediaStreamTrack> {
    if (this.#screenTrack && this.screenState === 'on') return Promise.resolve(this.#screenTrack)
    if (this.#screenStarting) return this.#screenStarting
    this.#screenStarting = this.#startScreen().finally(() => {
      this.#screenStarting = undefined
    })
    return this.#screenStarting
  }

  /** Stops sharing (emits `track-ended('screen')` if it was on). Idempotent. */
  stopScreen(): void {
    const track = this.#screenTrack
    if (!track) return
    track.stop()
    this.#screenEnded(track)
  }

  /**
   * Current microphone level, RMS of the waveform in 0..1 (speech is typically 0.02–0.3).
   * 0 without a microphone, while muted (track disabled), or where WebAudio is missing.
   */
  audioLevel(): number {
    const track = this.audioTrack
    if (this.state === 'stopped' || !track || !track.enabled || track.readyState === 'ended') return 0
    if (this.#meter?.track !== track) {
      this.#meter?.close()
      this.#meter = AudioLevelMeter.open(track, this.#env.createStream, this.#env.createAudioContext)
    }
    return this.#meter?.level() ?? 0
  }

  override on<K extends keyof LocalMediaEvents>(event: K, fn: LocalMediaEvents[K]): () => void {
    const off = super.on(event, fn)
    if (event === 'level' && this.state === 'live' && this.#levelTimer === undefined) {
      this.#levelTimer = setInterval(() => this.emit('level', this.audioLevel()), LEVEL_INTERVAL_MS)
    }
    return off
  }

  override off<K extends keyof LocalMediaEvents>(event: K, fn: LocalMediaEvents[K]): void {
    super.off(event, fn)
    if (event === 'level' && this.listenerCount('level') === 0) this.#stopLevelTimer()
  }

  /** Stops every track (camera, microphone, screen) and the level meter. Idempotent. */
  stop(): void {
    if (this.state === 'stopped') return
    this.#lifecycle.set('stopped')
    this.#env.mediaDevices?.removeEventListener?.('devicechange', this.#onDeviceChange)
    this.#stopLevelTimer()
    this.#meter?.close()
    this.#meter = undefined
    for (const track of this.#stream.getTracks()) track.stop()
    const screen = this.#screenTrack
    if (screen) {
      screen.stop()
      this.#screenTrack = undefined
      this.#screenState.set('off')
    }
  }

  // ------------------------------------------------------------------ internals

  #assertLive(): void {
    if (this.state === 'stopped') throw new ParleyError('CLOSED', 'This LocalMedia was stopped.')
  }

  #serialize<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(op, op)
    this.#queue = run.catch(() => undefined)
    return run
  }

  async #listDevicesFlat(): Promise<MediaDeviceInfo[]> {
    const devices = this.#env.mediaDevices
    if (!devices) throw mediaUnsupported('enumerateDevices')
    return devices.enumerateDevices()
  }

  async #acquire(kind: 'audio' | 'video', constraints: MediaTrackConstraints): Promise<MediaStreamTrack> {
    const devices = this.#env.mediaDevices
    if (!devices || typeof devices.getUserMedia !== 'function') throw mediaUnsupported('getUserMedia')
    const request: MediaRequest = kind === 'video' ? 'camera' : 'microphone'
    let stream: MediaStream
    try {
      stream = await devices.getUserMedia({ [kind]: constraints })
    } catch (error) {
      throw mediaError(error, request)
    }
    const track = kind === 'video' ? stream.getVideoTracks()[0] : stream.getAudioTracks()[0]
    for (const other of stream.getTracks()) if (other !== track) other.stop()
    if (!track) throw mediaError(new DOMException('no track returned', 'NotFoundError'), request)
    return track
  }

  async #switch(kind: 'audio' | 'video', deviceId: string): Promise<MediaStreamTrack> {
    this.#assertLive()
    if (typeof deviceId !== 'string' || deviceId === '') {
      throw new ParleyError(
        'INVALID_ARGUMENT',
        `switch${kind === 'video' ? 'Camera' : 'Microphone'} needs a deviceId`,
      )
    }
    const previous = kind === 'video' ? this.videoTrack : this.audioTrack
    const base = this.#constraints[kind]
    const constraints: MediaTrackConstraints = {
      ...(typeof base === 'object' ? base : {}),
      deviceId: { exact: deviceId },
    }
    let track: MediaStreamTrack
    let released = false
    try {
      track = await this.#acquire(kind, constraints)
    } catch (error) {
      // Some systems cannot open two cameras (or microphones) at once: release the old one, retry.
      if (!(error instanceof ParleyError) || error.code !== 'DEVICE_IN_USE' || !previous) throw error
      this.#env.logger?.debug({ kind }, 'device busy: releasing the current one and retrying')
      previous.stop()
      released = true
      try {
        track = await this.#acquire(kind, constraints)
      } catch (retryError) {
        this.#stream.removeTrack(previous)
        this.emit('track-ended', kind)
        throw retryError
      }
    }
    if (this.state === 'stopped') {
      track.stop()
      throw new ParleyError('CLOSED', 'This LocalMedia was stopped while switching devices.')
    }
    track.enabled = previous?.enabled ?? true
    if (previous) {
      this.#stream.removeTrack(previous)
      if (!released) previous.stop()
    }
    this.#stream.addTrack(track)
    this.#constraints[kind] = constraints
    this.#watch(track)
    this.emit('track-replaced', kind, track, previous)
    return track
  }

  async #startScreen(): Promise<MediaStreamTrack> {
    this.#assertLive()
    const devices = this.#env.mediaDevices
    if (!devices || typeof devices.getDisplayMedia !== 'function') throw mediaUnsupported('getDisplayMedia')
    this.#screenState.set('starting')
    let stream: MediaStream
    try {
      stream = await devices.getDisplayMedia(SCREEN_CONSTRAINTS)
    } catch (error) {
      this.#screenState.set('off')
      throw mediaError(error, 'screen')
    }
    const track = stream.getVideoTracks()[0]
    for (const other of stream.getTracks()) if (other !== track) other.stop()
    if (!track || this.state === 'stopped') {
      track?.stop()
      this.#screenState.set('off')
      throw this.state === 'stopped'
        ? new ParleyError('CLOSED', 'This LocalMedia was stopped while the screen picker was open.')
        : mediaError(new DOMException('no video track', 'NotFoundError'), 'screen')
    }
    try {
      track.contentHint = 'detail'
    } catch {
      // contentHint unsupported: harmless
    }
    this.#screenTrack = track
    this.#screenState.set('on')
    track.addEventListener('ended', () => this.#screenEnded(track))
    return track
  }

  #screenEnded(track: MediaStreamTrack): void {
    if (this.#screenTrack !== track) return
    this.#screenTrack = undefined
    this.#screenState.set('off')
    this.emit('track-ended', 'screen')
  }

  /** `ended` fires only when a track ends by itself (stop() does not fire it). */
  #watch(track: MediaStreamTrack): void {
    track.addEventListener('ended', () => {
      if (this.state === 'stopped' || !this.#stream.getTracks().includes(track)) return
      this.#env.logger?.info({ kind: track.kind, label: track.label }, 'local track ended')
      this.emit('track-ended', track.kind === 'video' ? 'video' : 'audio')
    })
  }

  #stopLevelTimer(): void {
    if (this.#levelTimer !== undefined) clearInterval(this.#levelTimer)
    this.#levelTimer = undefined
  }
}

export function groupDevices(devices: readonly MediaDeviceInfo[]): DeviceList {
  return {
    audioInputs: devices.filter((d) => d.kind === 'audioinput'),
    videoInputs: devices.filter((d) => d.kind === 'videoinput'),
    audioOutputs: devices.filter((d) => d.kind === 'audiooutput'),
  }
}
