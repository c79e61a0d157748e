/**
 * Microphone level through WebAudio: a MediaStreamAudioSourceNode feeding an AnalyserNode (not
 * connected to the speakers). `level()` is the RMS of the latest time-domain window, 0..1.
 */

/** Root mean square of PCM samples in [-1, 1], clamped to [0, 1]; 0 for an empty buffer. */
export function rms(samples: ArrayLike<number>): number {
  const n = samples.length
  if (n === 0) return 0
  let sum = 0
  for (let i = 0; i < n; i++) {
    const s = samples[i] ?? 0
    sum += s * s
  }
  const value = Math.sqrt(sum / n)
  return Number.isFinite(value) ? Math.min(1, value) : 0
}

/** The parts of WebAudio the meter uses (a real AudioContext satisfies it). */
export interface AnalyserLike {
  fftSize: number
  getFloatTimeDomainData(array: Float32Array<ArrayBuffer>): void
  disconnect(): void
}
export interface AudioContextLike {
  readonly state?: string
  createMediaStreamSource(stream: MediaStream): { connect(node: AnalyserLike): unknown; disconnect(): void }
  createAnalyser(): AnalyserLike
  resume?(): Promise<void>
  close(): Promise<void>
}

export type AudioContextFactory = () => AudioContextLike | undefined

/** The browser's AudioContext, or undefined where WebAudio is missing (Node). */
export const defaultAudioContextFactory: AudioContextFactory = () => {
  const Ctor = (globalThis as unknown as { AudioContext?: new () => AudioContextLike }).AudioContext
  return Ctor ? new Ctor() : undefined
}

/** One analyser on one audio track. `close()` is idempotent and releases the audio graph. */
export class AudioLevelMeter {
  readonly track: MediaStreamTrack
  readonly #context: AudioContextLike
  readonly #source: { disconnect(): void }
  readonly #analyser: AnalyserLike
  readonly #buffer: Float32Array<ArrayBuffer>
  #closed = false

  private constructor(
    track: MediaStreamTrack,
    context: AudioContextLike,
    source: { disconnect(): void },
    analyser: AnalyserLike,
  ) {
    this.track = track
    this.#context = context
    this.#source = source
    this.#analyser = analyser
    this.#buffer = new Float32Array(analyser.fftSize)
  }

  /**
   * A meter on any audio track, e.g. a remote participant's, for an active-speaker indicator.
   * undefined where WebAudio or MediaStream is missing. Close it when done.
   */
  static forTrack(track: MediaStreamTrack): AudioLevelMeter | undefined {
    if (typeof MediaStream !== 'function') return undefined
    return AudioLevelMeter.open(track, (tracks) => new MediaStream(tracks), defaultAudioContextFactory)
  }

  /** undefined when WebAudio is unavailable or the graph cannot be built. */
  static open(
    track: MediaStreamTrack,
    createStream: (tracks: MediaStreamTrack[]) => MediaStream,
    factory: AudioContextFactory,
  ): AudioLevelMeter | undefined {
    let context: AudioContextLike | undefined
    try {
      context = factory()
      if (!context) return undefined
      const source = context.createMediaStreamSource(createStream([track]))
      const analyser = context.createAnalyser()
      analyser.fftSize = 1024
      source.connect(analyser)
      // Autoplay policies may start the context suspended; a suspended graph reads silence.
      if (context.state === 'suspended') context.resume?.().catch(() => undefined)
      return new AudioLevelMeter(track, context, source, analyser)
    } catch {
      context?.close().catch(() => undefined)
      return undefined
    }
  }

  /** Current RMS level, 0..1 (0 once closed). */
  level(): number {
    if (this.#closed) return 0
    this.#analyser.getFloatTimeDomainData(this.#buffer)
    return rms(this.#buffer)
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    try {
      this.#source.disconnect()
      this.#analyser.disconnect()
    } catch {
      // already disconnected
    }
    this.#context.close().catch(() => undefined)
  }
}
