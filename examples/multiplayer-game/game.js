// Tiny multiplayer game: every player is a dot; positions travel peer to peer over the
// `unreliable` preset (unordered, no retransmissions): a lost update is simply replaced by the next.
import { Room } from '/parley.js'

const params = new URLSearchParams(location.search)
const server = params.get('server') ?? `http://${location.hostname}:8080`
const roomName = params.get('room') ?? 'game'
const name = params.get('name') ?? `player-${Math.floor(Math.random() * 1000)}`

const canvas = document.querySelector('#field')
const ctx = canvas.getContext('2d')
const status = document.querySelector('#status')

const me = { x: 100 + Math.random() * 600, y: 100 + Math.random() * 300, seq: 0 }
/** peerId → { name, x, y, shownX, shownY, seq } */
const others = new Map()
const keys = new Set()
addEventListener('keydown', (e) => keys.add(e.key.toLowerCase()))
addEventListener('keyup', (e) => keys.delete(e.key.toLowerCase()))

const room = await Room.join(server, roomName, { name })
window.game = { room, me, others } // for the end-to-end test and for curious developers
status.textContent = `${name} in room "${roomName}" — ${room.participants.size} other(s)`

room.on('participant-joined', (p) =>
  others.set(p.peerId, { name: p.name, x: 0, y: 0, shownX: 0, shownY: 0, seq: -1 }),
)
room.on('participant-left', (p) => others.delete(p.peerId))
room.on('connection-state', () => {
  const connected = [...room.participants.values()].filter((p) => p.state === 'connected').length
  status.textContent = `${name} in room "${roomName}" — ${connected} connected`
})
room.on('message', (p, msg, channel) => {
  if (channel !== 'unreliable' || typeof msg !== 'object' || msg === null || msg.t !== 'pos') return
  const o = others.get(p.peerId) ?? { name: p.name, shownX: msg.x, shownY: msg.y, seq: -1 }
  if (msg.seq <= o.seq) return // unordered channel: ignore an update older than the one we have
  Object.assign(o, { x: msg.x, y: msg.y, seq: msg.seq })
  others.set(p.peerId, o)
})

function color(id) {
  let h = 0
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) % 360
  return `hsl(${h} 70% 60%)`
}

function step() {
  const speed = 4
  if (keys.has('arrowleft') || keys.has('a')) me.x -= speed
  if (keys.has('arrowright') || keys.has('d')) me.x += speed
  if (keys.has('arrowup') || keys.has('w')) me.y -= speed
  if (keys.has('arrowdown') || keys.has('s')) me.y += speed
  me.x = Math.max(10, Math.min(canvas.width - 10, me.x))
  me.y = Math.max(10, Math.min(canvas.height - 10, me.y))
}

function draw() {
  ctx.clearRect(0, 0, canvas.width, canvas.height)
  for (const [id, o] of others) {
    // smooth towards the latest known position
    o.shownX += (o.x - o.shownX) * 0.3
    o.shownY += (o.y - o.shownY) * 0.3
    dot(o.shownX, o.shownY, color(id), o.name)
  }
  dot(me.x, me.y, color(room.localPeerId), `${name} (you)`)
}

function dot(x, y, fill, label) {
  ctx.fillStyle = fill
  ctx.beginPath()
  ctx.arc(x, y, 10, 0, Math.PI * 2)
  ctx.fill()
  ctx.fillStyle = '#ddd'
  ctx.fillText(label, x + 14, y + 4)
}

function frame() {
  step()
  draw()
  requestAnimationFrame(frame)
}
requestAnimationFrame(frame)

// 30 position updates per second to everyone, fire and forget
setInterval(() => {
  me.seq++
  void room
    .broadcast({ t: 'pos', x: Math.round(me.x), y: Math.round(me.y), seq: me.seq }, { channel: 'unreliable' })
    .catch(() => {})
}, 33)
