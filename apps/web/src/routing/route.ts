import { isRoomCode } from '../rooms/roomCode.js'

/** The screens of the app, derived from the URL only. */
export type Route =
  | { readonly kind: 'home'; readonly notice?: string }
  | { readonly kind: 'room'; readonly code: string; readonly name: string | undefined }

export function parseRoute(pathname: string, search: string): Route {
  const match = /^\/r\/([^/]+)\/?$/.exec(pathname)
  if (match?.[1] !== undefined) {
    let code = ''
    try {
      code = decodeURIComponent(match[1])
    } catch {
      // malformed escape: handled as an invalid code below
    }
    if (!isRoomCode(code)) {
      return { kind: 'home', notice: 'That room link is not valid. Check it, or create a new room.' }
    }
    const name = new URLSearchParams(search).get('name')?.trim()
    return { kind: 'room', code, name: name ? name.slice(0, 64) : undefined }
  }
  return { kind: 'home' }
}

export function roomPath(code: string): string {
  return `/r/${encodeURIComponent(code)}`
}

/** The link to share for a room: never carries the sharer's own name. */
export function roomLink(code: string, origin: string = location.origin): string {
  return `${origin}${roomPath(code)}`
}
