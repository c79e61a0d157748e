// peerjs-server (the `peer` npm package) as users run it, for the signaling benchmark.
// Clients connect to ws://HOST:PORT/peerjs?key=peerjs&id=<id>&token=<token>.
// Only the connection limit is raised (default 5000) so that the idle-connection figure can be measured.
import { PeerServer } from 'peer'

const port = Number(process.env.PORT)
const host = process.env.HOST ?? '127.0.0.1'
if (!Number.isInteger(port) || port <= 0) {
  console.error('PORT must be a TCP port')
  process.exit(2)
}

const server = PeerServer({ port, host, path: '/', concurrent_limit: 1_000_000 })
server.on('error', (error) => console.error(error))

// A clean exit on SIGTERM lets `node --cpu-prof` write its profile.
process.on('SIGTERM', () => process.exit(0))
