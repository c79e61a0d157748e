// Hello, data channel: run it in two terminals; each greets whoever joins and prints what it receives.
import { Room } from '@parley/client'

const url = process.env.PARLEY_URL ?? 'http://localhost:8080'
const room = await Room.join(url, 'hello', { name: process.argv[2] ?? 'anon' })
room.on('participant-joined', (peer) => peer.send({ text: `hello ${peer.name}, I am ${room.localName}` }))
room.on('message', (peer, message) => console.log(`${peer.name}:`, message))
