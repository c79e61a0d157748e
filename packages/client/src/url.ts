import { WS_PATH } from '@parley/protocol'
import { ParleyError } from './errors.js'

/**
 * The signaling WebSocket URL for a server address: `http(s)://host[:port][/base]` becomes
 * `ws(s)://host[:port][/base]/ws`; a `ws(s)://` URL is used as given (`/ws` added if it has no path).
 */
export function signalingUrl(serverUrl: string): string {
  let url: URL
  try {
    url = new URL(serverUrl)
  } catch (cause) {
    throw new ParleyError('INVALID_ARGUMENT', `invalid server URL: ${serverUrl}`, { cause })
  }
  url.hash = ''
  switch (url.protocol) {
    case 'http:':
    case 'https:':
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
      url.pathname = `${url.pathname.replace(/\/+$/, '')}${WS_PATH}`
      return url.toString()
    case 'ws:':
    case 'wss:':
      if (url.pathname === '/' || url.pathname === '') url.pathname = WS_PATH
      return url.toString()
    default:
      throw new ParleyError(
        'INVALID_ARGUMENT',
        `server URL must be http(s):// or ws(s)://, got ${url.protocol}`,
      )
  }
}
