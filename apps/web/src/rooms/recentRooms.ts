/** Rooms this browser joined lately, newest first, kept in localStorage. */

export interface RecentRoom {
  readonly code: string
  readonly joinedAt: number
}

const KEY = 'parley:recent-rooms'
export const MAX_RECENT_ROOMS = 6

type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>

function defaultStorage(): StorageLike | undefined {
  try {
    return globalThis.localStorage
  } catch {
    return undefined // storage disabled (privacy mode, sandboxed frame)
  }
}

function isRecentRoom(value: unknown): value is RecentRoom {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return typeof v.code === 'string' && typeof v.joinedAt === 'number' && Number.isFinite(v.joinedAt)
}

export function loadRecentRooms(storage: StorageLike | undefined = defaultStorage()): RecentRoom[] {
  if (!storage) return []
  try {
    const parsed: unknown = JSON.parse(storage.getItem(KEY) ?? '[]')
    return Array.isArray(parsed) ? parsed.filter(isRecentRoom).slice(0, MAX_RECENT_ROOMS) : []
  } catch {
    return []
  }
}

export function rememberRoom(
  code: string,
  now: number = Date.now(),
  storage: StorageLike | undefined = defaultStorage(),
): RecentRoom[] {
  const rooms = [{ code, joinedAt: now }, ...loadRecentRooms(storage).filter((r) => r.code !== code)].slice(
    0,
    MAX_RECENT_ROOMS,
  )
  try {
    storage?.setItem(KEY, JSON.stringify(rooms))
  } catch {
    // quota or disabled storage: recent rooms are a convenience only
  }
  return rooms
}

export function forgetRoom(code: string, storage: StorageLike | undefined = defaultStorage()): RecentRoom[] {
  const rooms = loadRecentRooms(storage).filter((r) => r.code !== code)
  try {
    storage?.setItem(KEY, JSON.stringify(rooms))
  } catch {
    // ignore
  }
  return rooms
}
