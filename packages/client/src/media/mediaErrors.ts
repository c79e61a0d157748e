/**
 * Maps getUserMedia / getDisplayMedia failures (DOMException names) to typed ParleyErrors whose
 * messages tell a person what happened and what to do.
 */
import { ParleyError } from '../errors.js'

/** What was being requested, in words shown to people. */
export type MediaRequest = 'camera' | 'microphone' | 'camera and microphone' | 'screen'

function errorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const name = (error as { name?: unknown }).name
  return typeof name === 'string' ? name : undefined
}

function constraintName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const c = (error as { constraint?: unknown }).constraint
  return typeof c === 'string' && c !== '' ? c : undefined
}

function subject(request: MediaRequest): string {
  return request === 'screen' ? 'Screen sharing' : `Access to the ${request}`
}

/** `request` from what a getUserMedia call asked for. */
export function describeRequest(audio: boolean, video: boolean): MediaRequest {
  if (audio && video) return 'camera and microphone'
  return video ? 'camera' : 'microphone'
}

/** The ParleyError for a failed media request (a ParleyError is returned unchanged). */
export function mediaError(error: unknown, request: MediaRequest): ParleyError {
  if (error instanceof ParleyError) return error
  const name = errorName(error)
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError': // pre-standard Chrome
      return new ParleyError(
        'PERMISSION_DENIED',
        request === 'screen'
          ? 'Screen sharing was cancelled or is not allowed. Choose a screen or window to share and try again.'
          : `${subject(request)} was denied. Allow it for this site in the browser's settings (the icon next to the address) and try again.`,
        { cause: error },
      )
    case 'SecurityError':
      return new ParleyError(
        'PERMISSION_DENIED',
        `${subject(request)} is blocked by the page's security policy: the page must be served over https (or from localhost) and be allowed to use the ${request}.`,
        { cause: error },
      )
    case 'NotFoundError':
    case 'DevicesNotFoundError':
      return new ParleyError(
        'DEVICE_NOT_FOUND',
        request === 'screen'
          ? 'There is no screen or window to share.'
          : `No ${request} was found. Connect one, check that it is enabled in the system settings, and try again.`,
        { cause: error },
      )
    case 'OverconstrainedError':
    case 'ConstraintNotSatisfiedError': {
      const constraint = constraintName(error)
      return new ParleyError(
        'DEVICE_NOT_FOUND',
        `No ${request} matches the requested settings${constraint ? ` (${constraint})` : ''}. It may have been unplugged; choose another device.`,
        { cause: error },
      )
    }
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return new ParleyError(
        'DEVICE_IN_USE',
        request === 'screen'
          ? 'Screen sharing could not start: the system refused to capture the screen.'
          : `The ${request} could not be started: it is probably in use by another application (or another tab). Close it there and try again.`,
        { cause: error },
      )
    case 'TypeError':
      return new ParleyError('INVALID_ARGUMENT', `Invalid ${request} request: ${String(messageOf(error))}`, {
        cause: error,
      })
    default:
      return new ParleyError(
        'DEVICE_IN_USE',
        `The ${request} could not be started (${name ?? 'unknown error'}: ${String(messageOf(error))}).`,
        { cause: error },
      )
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message
  if (typeof error === 'object' && error !== null) {
    const m = (error as { message?: unknown }).message
    if (typeof m === 'string') return m
  }
  return String(error)
}

/** Error for a runtime without navigator.mediaDevices (insecure page, Node, old browser). */
export function mediaUnsupported(what: 'getUserMedia' | 'getDisplayMedia' | 'enumerateDevices'): ParleyError {
  return new ParleyError(
    'MEDIA_UNSUPPORTED',
    what === 'getDisplayMedia'
      ? 'This browser cannot share the screen (navigator.mediaDevices.getDisplayMedia is missing).'
      : 'This browser cannot access the camera or microphone here: navigator.mediaDevices is missing. Serve the page over https (or from localhost), or use a browser that supports WebRTC.',
  )
}
