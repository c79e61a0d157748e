// A Node bot that joins a room and sends every message back to its sender, on the channel it came on.
import { Room } from '@parley/client'

const server = process.env.PARLEY_URL ?? 'http://localhost:8080'
const roomName = process.argv[2] ?? 'echo'

const room = await Room.join(server, roomName, { name: 'echo-bot' })
console.log(`echo-bot joined ${roomName} on ${server} as ${room.localPeerId}`)

room.on('participant-joined', (peer) => console.log(`+ ${peer.name || peer.peerId}`))
room.on('participant-left', (peer) => console.log(`- ${peer.name || peer.peerId}`))
room.on('message', (peer, message, channel) => {
  peer
    .send(message, { channel })
    .catch((error: unknown) => console.error(`echo to ${peer.peerId} failed:`, error))
})
room.on('error', (error) => console.error(`[${error.code}] ${error.message}`))

// leave cleanly: the others see it at once, queued echoes are delivered first
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void room.leave().then(() => process.exit(0))
  })
}
