/**
 * Camera and microphone problems in plain words, with what to do about them. Keyed by the SDK's
 * stable ParleyError codes (LocalMedia.create maps getUserMedia's DOMExceptions onto them).
 */
export interface Explanation {
  readonly title: string
  readonly detail: string
  /** Whether trying again can help without changing anything outside the page. */
  readonly retry: boolean
}

export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code
  }
  if (error instanceof DOMException) return error.name
  return undefined
}

export function explainMediaError(error: unknown): Explanation {
  switch (errorCode(error)) {
    case 'PERMISSION_DENIED':
    case 'NotAllowedError':
    case 'SecurityError':
      return {
        title: 'Camera and microphone are blocked',
        detail:
          'Your browser did not allow this page to use them. Click the camera icon in the address bar (or the site settings), allow camera and microphone, then try again.',
        retry: true,
      }
    case 'DEVICE_NOT_FOUND':
    case 'NotFoundError':
    case 'OverconstrainedError':
      return {
        title: 'No camera or microphone found',
        detail:
          'Plug in a camera or headset (or enable it in your system settings), then try again. You can also join without them and use chat and the whiteboard.',
        retry: true,
      }
    case 'DEVICE_IN_USE':
    case 'NotReadableError':
    case 'AbortError':
      return {
        title: 'Your camera or microphone is busy',
        detail:
          'Another app or browser tab is using it. Close video apps (Zoom, Teams, other calls) or other tabs using the camera, then try again.',
        retry: true,
      }
    case 'MEDIA_UNSUPPORTED':
    case 'TypeError':
      return {
        title: 'This browser cannot use a camera here',
        detail: window.isSecureContext
          ? 'Use a recent version of Chrome, Edge, Firefox or Safari.'
          : 'Camera access needs a secure page: open this link over https:// (or on localhost).',
        retry: false,
      }
    default:
      return {
        title: 'The camera or microphone could not start',
        detail: `Try again, or pick another device. (${describe(error)})`,
        retry: true,
      }
  }
}

/** The call itself could not start or continue: what happened and what to do. */
export function explainJoinError(error: unknown): Explanation {
  switch (errorCode(error)) {
    case 'SIGNALING_UNREACHABLE':
      return {
        title: 'Cannot reach the Parley server',
        detail: 'Check your internet connection. If it works, the server may be down: try again in a minute.',
        retry: true,
      }
    case 'JOIN_REJECTED':
    case 'ROOM_FULL':
      return {
        title: 'You cannot join this room right now',
        detail: `${describe(error)} — if the room is full, wait until someone leaves and try again.`,
        retry: true,
      }
    case 'UNAUTHORIZED':
      return {
        title: 'This room needs an invitation',
        detail: 'Ask the person who invited you for a fresh link.',
        retry: false,
      }
    case 'TIMEOUT':
    case 'CONNECT_TIMEOUT':
      return {
        title: 'The server took too long to answer',
        detail: 'Your network may be slow or blocking the connection. Try again.',
        retry: true,
      }
    default:
      return { title: 'Something went wrong', detail: `Try again. (${describe(error)})`, retry: true }
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message || error.name
  return String(error)
}
