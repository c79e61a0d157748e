import type { ChannelPreset, Participant, PeerState, Room } from '../../src/index.js'

/** Resolves with the room's participant `peerId` once it is in `state` (default connected). */
export function participantInState(
  room: Room,
  peerId: string,
  state: PeerState = 'connected',
  timeoutMs = 15_000,
): Promise<Participant> {
  const p = room.participant(peerId)
  if (p?.state === state) return Promise.resolve(p)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`${peerId} not ${state} in time (is ${room.participant(peerId)?.state ?? 'absent'})`))
    }, timeoutMs)
    const off = room.on('connection-state', (participant, s) => {
      // peerId may be the participant's stable id or its current signaling id
      if (room.participant(peerId) !== participant || s !== state) return
      clearTimeout(timer)
      off()
      resolve(participant)
    })
  })
}

/** Resolves once every pair of rooms is connected. */
export async function allConnected(rooms: Room[], timeoutMs = 20_000): Promise<void> {
  await Promise.all(
    rooms.flatMap((room) =>
      rooms
        .filter((other) => other !== room)
        .map((other) => participantInState(room, other.localPeerId, 'connected', timeoutMs)),
    ),
  )
}

export interface Received {
  from: string
  message: unknown
  channel: ChannelPreset
}

/** Collects the next `count` messages a room receives. */
export function nextRoomMessages(room: Room, count: number, timeoutMs = 15_000): Promise<Received[]> {
  return new Promise((resolve, reject) => {
    const got: Received[] = []
    const timer = setTimeout(() => {
      off()
      reject(new Error(`only ${got.length}/${count} messages arrived`))
    }, timeoutMs)
    const off = room.on('message', (p, message, channel) => {
      got.push({ from: p.peerId, message, channel })
      if (got.length < count) return
      clearTimeout(timer)
      off()
      resolve(got)
    })
  })
}

/** Resolves with the next event `event` of the room, or rejects after `timeoutMs`. */
export function nextEvent<T extends unknown[]>(
  room: Room,
  event: 'participant-joined' | 'participant-left' | 'participant-restarted' | 'participant-away' | 'state',
  timeoutMs = 15_000,
  filter: (...args: T) => boolean = () => true,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`no ${event} within ${timeoutMs} ms`))
    }, timeoutMs)
    const off = room.on(event, ((...args: T) => {
      if (!filter(...args)) return
      clearTimeout(timer)
      off()
      resolve(args)
    }) as never)
  })
}

/** The room's resume token (what a page keeps for its reload); throws if it has none. */
export function resumeTokenOf(room: Room): string {
  const token = room.resumeToken
  if (token === undefined) throw new Error('the room has no resume token')
  return token
}
