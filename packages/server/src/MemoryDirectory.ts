import type { PeerInfo } from '@parley/protocol'
import type { Directory, DirectoryMember, DirectoryStats, JoinResult } from './Directory.js'

export interface MemoryDirectoryOptions {
  /** Default 16. */
  readonly maxPeersPerRoom?: number
  /** Default 10 000. */
  readonly maxRooms?: number
}

interface Entry {
  readonly room: string
  readonly member: DirectoryMember
}

/** The embedded single-process {@link Directory}: plain maps, every method synchronous. */
export class MemoryDirectory implements Directory {
  private readonly rooms = new Map<string, Map<string, DirectoryMember>>()
  /** peerId → membership, so that routing is one map lookup. */
  private readonly entries = new Map<string, Entry>()
  private readonly maxPeersPerRoom: number
  private readonly maxRooms: number

  constructor(options: MemoryDirectoryOptions = {}) {
    this.maxPeersPerRoom = options.maxPeersPerRoom ?? 16
    this.maxRooms = options.maxRooms ?? 10_000
  }

  join(room: string, member: DirectoryMember): JoinResult {
    let members = this.rooms.get(room)
    if (members === undefined) {
      if (this.rooms.size >= this.maxRooms) return { ok: false, code: 'TOO_MANY_ROOMS' }
      members = new Map()
      this.rooms.set(room, members)
    } else if (members.size >= this.maxPeersPerRoom) {
      return { ok: false, code: 'ROOM_FULL' }
    }
    if (this.entries.has(member.peerId)) throw new Error(`peer ${member.peerId} is already a member`)
    const peers: PeerInfo[] = []
    const joined: PeerInfo = { peerId: member.peerId, name: member.name }
    for (const other of members.values()) {
      peers.push({ peerId: other.peerId, name: other.name })
      other.peerJoined(joined)
    }
    members.set(member.peerId, member)
    this.entries.set(member.peerId, { room, member })
    return { ok: true, peers }
  }

  leave(room: string, peerId: string): void {
    const entry = this.entries.get(peerId)
    if (entry === undefined || entry.room !== room) return
    this.entries.delete(peerId)
    const members = this.rooms.get(room)
    if (members === undefined) return
    members.delete(peerId)
    if (members.size === 0) this.rooms.delete(room)
    else for (const other of members.values()) other.peerLeft(peerId)
  }

  route(room: string, to: string, frame: Buffer): boolean {
    const entry = this.entries.get(to)
    if (entry === undefined || entry.room !== room) return false
    entry.member.deliver(frame)
    return true
  }

  peers(room: string): PeerInfo[] {
    const members = this.rooms.get(room)
    if (members === undefined) return []
    return [...members.values()].map((m) => ({ peerId: m.peerId, name: m.name }))
  }

  stats(): DirectoryStats {
    return { rooms: this.rooms.size, peers: this.entries.size }
  }

  close(): void {
    this.rooms.clear()
    this.entries.clear()
  }
}
