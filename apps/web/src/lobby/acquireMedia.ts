import { errorCode } from '../sdk/mediaErrors.js'
import type { LocalMediaPort, MediaPort } from '../sdk/ports.js'
import type { MediaPrefs } from './mediaPrefs.js'

export type AcquireResult =
  | { readonly ok: true; readonly local: LocalMediaPort; readonly missing: 'audio' | 'video' | undefined }
  | { readonly ok: false; readonly error: unknown }

const NOT_FOUND = new Set(['DEVICE_NOT_FOUND', 'NotFoundError', 'OverconstrainedError'])

/**
 * Opens camera and microphone for the lobby preview. A remembered device that is gone falls back
 * to the default one; a machine with only a microphone (or only a camera) still gets that one.
 */
export async function acquireMedia(media: MediaPort, prefs: MediaPrefs): Promise<AcquireResult> {
  const audio: boolean | MediaTrackConstraints = prefs.audioDeviceId
    ? { deviceId: { ideal: prefs.audioDeviceId } }
    : true
  const video: boolean | MediaTrackConstraints = prefs.videoDeviceId
    ? { deviceId: { ideal: prefs.videoDeviceId } }
    : true
  let first: unknown
  try {
    return { ok: true, local: await media.create({ audio, video }), missing: undefined }
  } catch (error) {
    first = error
  }
  if (!NOT_FOUND.has(errorCode(first) ?? '')) return { ok: false, error: first }
  // One kind of device is missing: try each alone.
  try {
    return { ok: true, local: await media.create({ audio, video: false }), missing: 'video' }
  } catch {
    // no microphone either, or it failed: try the camera alone
  }
  try {
    return { ok: true, local: await media.create({ audio: false, video }), missing: 'audio' }
  } catch {
    return { ok: false, error: first }
  }
}
