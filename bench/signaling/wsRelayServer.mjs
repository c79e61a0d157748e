// The naive relay of the signaling benchmark: what a minimal hand-written JSON relay over `ws` costs.
// A client connects to ws://HOST:PORT/?id=<id> and gets {"type":"open"}; a frame {"to":id,"data":{…}}
// is parsed, routed and re-serialized as {"type":"signal","from":sender,"data":{…}}. No validation,
// no rooms, no limits, no logs, no metrics.
import { WebSocketServer } from 'ws'

const port = Number(process.env.PORT)
const host = process.env.HOST ?? '127.0.0.1'
if (!Number.isInteger(port) || port <= 0) {
  console.error('PORT must be a TCP port')
  process.exit(2)
}

/** @type {Map<string, import('ws').WebSocket>} */
const sockets = new Map()
const wss = new WebSocketServer({ port, host })

wss.on('connection', (socket, request) => {
  const id = new URL(request.url ?? '/', 'ws://relay').searchParams.get('id')
  if (!id || sockets.has(id)) {
    socket.close(1008, 'bad id')
    return
  }
  sockets.set(id, socket)
  socket.on('error', () => {})
  socket.on('close', () => sockets.delete(id))
  socket.on('message', (frame) => {
    try {
      const message = JSON.parse(String(frame))
      sockets.get(message.to)?.send(JSON.stringify({ type: 'signal', from: id, data: message.data }))
    } catch {
      // not JSON: dropped
    }
  })
  socket.send('{"type":"open"}')
})

// A clean exit on SIGTERM lets `node --cpu-prof` write its profile.
process.on('SIGTERM', () => process.exit(0))
