import { describe, expect, it } from 'vitest'
import { forgetRoom, loadRecentRooms, MAX_RECENT_ROOMS, rememberRoom } from '../src/rooms/recentRooms.js'

function memoryStorage(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial))
  return {
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    removeItem: (k: string) => void data.delete(k),
  }
}

describe('recent rooms', () => {
  it('rememberRoom puts the room first, without duplicates, capped', () => {
    const storage = memoryStorage()
    for (let i = 0; i < 10; i++) rememberRoom(`room-${i}`, i, storage)
    rememberRoom('room-7', 100, storage)
    const rooms = loadRecentRooms(storage)
    expect(rooms).toHaveLength(MAX_RECENT_ROOMS)
    expect(rooms[0]).toEqual({ code: 'room-7', joinedAt: 100 })
    expect(rooms.filter((r) => r.code === 'room-7')).toHaveLength(1)
  })

  it('loadRecentRooms ignores corrupt storage and malformed entries', () => {
    expect(loadRecentRooms(memoryStorage({ 'parley:recent-rooms': '{nope' }))).toEqual([])
    const mixed = JSON.stringify([{ code: 'ok', joinedAt: 1 }, { code: 3 }, null, 'x'])
    expect(loadRecentRooms(memoryStorage({ 'parley:recent-rooms': mixed }))).toEqual([
      { code: 'ok', joinedAt: 1 },
    ])
  })

  it('forgetRoom removes one room', () => {
    const storage = memoryStorage()
    rememberRoom('a', 1, storage)
    rememberRoom('b', 2, storage)
    expect(forgetRoom('a', storage).map((r) => r.code)).toEqual(['b'])
  })
})
