// File drop: `drop.ts <room> <file>...` offers the files to everyone in the room, and to whoever
// joins; `drop.ts <room>` accepts every offer into ./received, each file verified by its SHA-256.
import { mkdir } from 'node:fs/promises'
import { NodeFileSink, NodeFileSource, type Participant, Room, TransferManager } from '@parley/client'

const url = process.env.PARLEY_URL ?? 'http://localhost:8080'
const [roomName = 'file-drop', ...paths] = process.argv.slice(2)
const sending = paths.length > 0
const room = await Room.join(url, roomName, { name: sending ? 'sender' : 'receiver' })
const transfers = new TransferManager(room)
console.log(`joined ${roomName} as ${room.localName}`)

if (sending) {
  const sources = await Promise.all(paths.map((path) => NodeFileSource.open(path)))
  const offered = new Set<string>()
  const offerTo = async (peer: Participant) => {
    if (offered.has(peer.peerId)) return // connected again (a new connection): the transfer resumes
    offered.add(peer.peerId)
    const [transfer] = await transfers.sendFiles(peer, sources)
    transfer?.on('progress', (p) =>
      console.log(`to ${peer.name}: ${Math.floor((100 * p.bytes) / p.totalBytes)}%`),
    )
    transfer?.finished().then(
      () => console.log(`${peer.name} has the files, verified`),
      (error: Error) => console.log(`to ${peer.name}: ${error.message}`),
    )
  }
  room.on('connection-state', (peer, state) => {
    if (state === 'connected') void offerTo(peer)
  })
} else {
  await mkdir('received', { recursive: true })
  transfers.on('offer', async (offer) => {
    console.log(`${offer.from.name} offers ${offer.files.map((f) => f.name).join(', ')}`)
    const sinks = new Map<string, NodeFileSink>()
    try {
      await offer.accept('all', (file) => {
        const sink = new NodeFileSink({ dir: 'received' })
        sinks.set(file.id, sink)
        return sink
      })
      await offer.transfer.finished()
      for (const f of offer.transfer.files) console.log(`saved ${sinks.get(f.id)?.path}, SHA-256 ${f.sha256}`)
    } catch (error) {
      console.log(`from ${offer.from.name}: ${(error as Error).message}`) // e.g. FILE_EXISTS, DISK_FULL
    }
  })
}
