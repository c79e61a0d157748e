/**
 * What Room needs from local media (the media engineer's LocalMedia satisfies it): the tracks to
 * publish, screen capture, and a way to learn that a track ended (e.g. the user stopped sharing).
 */
export interface LocalMediaLike {
  readonly stream: MediaStream
  readonly audioTrack: MediaStreamTrack | undefined
  readonly videoTrack: MediaStreamTrack | undefined
  /** Starts screen capture and returns its video track. */
  startScreen(): Promise<MediaStreamTrack>
  /** Stops screen capture (idempotent). */
  stopScreen(): void
  /** Stops every track (idempotent). */
  stop(): void
  on(event: 'track-ended', fn: (kind: 'audio' | 'video' | 'screen') => void): () => void
  /** A camera or microphone was switched (LocalMedia.switchCamera/switchMicrophone): resend it. */
  on(event: 'track-replaced', fn: (kind: 'audio' | 'video', track: MediaStreamTrack) => void): () => void
}

/** Media to capture when joining, as for getUserMedia. */
export interface MediaRequest {
  audio?: boolean | MediaTrackConstraints
  video?: boolean | MediaTrackConstraints
}

/** Local media state as signalled to the other peers (`media-state` signal). */
export interface MediaState {
  audio: boolean
  video: boolean
  screen: boolean
}

export function isLocalMediaLike(value: unknown): value is LocalMediaLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    'stream' in value &&
    typeof (value as { startScreen?: unknown }).startScreen === 'function'
  )
}
