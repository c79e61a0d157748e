// The raw ceiling of the signaling benchmark: the least a Node + `ws` relay can do per signal.
// A client connects to ws://HOST:PORT/?id=<id>&peer=<peer id> and gets {"type":"open"}; every frame
// it sends is forwarded verbatim, unparsed, to <peer> (no validation, no `from` stamping, no rooms,
// limits, logs or metrics), with the sends of one event-loop turn batched per socket (cork, then one
// uncork in setImmediate) so that frames for one peer share one write.
import { WebSocketServer } from 'ws'

const port = Number(process.env.PORT)
const host = process.env.HOST ?? '127.0.0.1'
if (!Number.isInteger(port) || port <= 0) {
  console.error('PORT must be a TCP port')
  process.exit(2)
}

/** @type {Map<string, import('ws').WebSocket>} */
const sockets = new Map()
/** @type {import('node:net').Socket[]} */
let corked = []
let flushScheduled = false

function flush() {
  flushScheduled = false
  const list = corked
  corked = []
  for (const socket of list) socket.uncork()
}

/**
 * @param {import('ws').WebSocket} ws
 * @param {Buffer} frame
 */
function forward(ws, frame) {
  // ws keeps its net.Socket private; the ceiling reaches in to batch writes.
  /** @type {import('node:net').Socket} */
  const socket = /** @type {any} */ (ws)._socket
  if (!socket.writableCorked) {
    socket.cork()
    corked.push(socket)
    if (!flushScheduled) {
      flushScheduled = true
      setImmediate(flush)
    }
  }
  ws.send(frame, { binary: false })
}

const wss = new WebSocketServer({ port, host })

wss.on('connection', (socket, request) => {
  const query = new URL(request.url ?? '/', 'ws://forward').searchParams
  const id = query.get('id')
  const peer = query.get('peer')
  if (!id || !peer || sockets.has(id)) {
    socket.close(1008, 'bad id')
    return
  }
  sockets.set(id, socket)
  socket.on('error', () => {})
  socket.on('close', () => sockets.delete(id))
  socket.on('message', (frame) => {
    const to = sockets.get(peer)
    if (to) forward(to, /** @type {Buffer} */ (frame))
  })
  socket.send('{"type":"open"}')
})

// A clean exit on SIGTERM lets `node --cpu-prof` write its profile.
process.on('SIGTERM', () => process.exit(0))
