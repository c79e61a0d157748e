import { afterEach, describe, expect, it } from 'vitest'
import { CallController, HISTORY_LENGTH } from '../src/call/CallController.js'
import type { QualityFigures } from '../src/call/types.js'
import { FakeRoom } from './support/FakeRoom.js'

const controllers: CallController[] = []
afterEach(() => {
  for (const c of controllers.splice(0)) c.close()
})

function setup() {
  const room = new FakeRoom()
  const controller = new CallController(room, undefined)
  controllers.push(controller)
  return { room, controller }
}

const sample = (kbps: number): QualityFigures => ({
  level: 'good',
  timestamp: 0,
  inbound: { bitrateKbps: kbps, packetsLostPct: 0, jitterMs: 1, fps: 20, width: 640, height: 480 },
  outbound: { bitrateKbps: 1, packetsLostPct: 0, jitterMs: 1, fps: 20, width: 640, height: 480 },
  rttMs: 3,
  path: { local: 'host', remote: 'host', protocol: 'udp' },
})

describe('CallController', () => {
  it('participant-joined and participant-left update the peers and push notices', () => {
    const { room, controller } = setup()
    room.join('p1', 'Ada')
    expect(controller.get().peers.map((p) => p.name)).toEqual(['Ada'])
    expect(controller.notices.get().map((n) => n.text)).toEqual(['Ada joined'])
    room.fire('participant-left', room.participants.get('p1')!, 'left')
    expect(controller.get().peers).toEqual([])
    expect(controller.notices.get().map((n) => n.text)).toEqual(['Ada joined', 'Ada left'])
  })

  it('a peer met afresh (participant-left with reason afresh, then joined again) stays listed and gets no left/joined notices', () => {
    const { room, controller } = setup()
    room.join('p1', 'Ada')
    room.fire('participant-left', room.participants.get('p1')!, 'afresh')
    room.participants.delete('p1')
    room.join('p1', 'Ada')
    expect(controller.get().peers.map((p) => p.name)).toEqual(['Ada'])
    expect(controller.notices.get().map((n) => n.text)).toEqual(['Ada joined'])
    room.fire('participant-left', room.participants.get('p1')!, 'left')
    expect(controller.notices.get().map((n) => n.text)).toEqual(['Ada joined', 'Ada left'])
  })

  it('media-state from a peer shows in its view', () => {
    const { room, controller } = setup()
    const p = room.join('p1', 'Ada')
    p.mediaState = { audio: false, video: true, screen: false }
    room.fire('media-state', p, p.mediaState)
    expect(controller.get().peers[0]?.media.audio).toBe(false)
  })

  it('a first connection asks that peer for its whiteboard once', () => {
    const { room } = setup()
    const p = room.join('p1', 'Ada')
    p.state = 'connected'
    room.fire('connection-state', p, 'connected')
    room.fire('connection-state', p, 'connected')
    expect(room.sent.filter((s) => (s.message as { type: string }).type === 'wb-sync-request')).toEqual([
      { to: 'p1', message: { type: 'wb-sync-request' }, channel: 'reliable' },
    ])
  })

  it('chat messages from peers are validated and land in the chat store; junk is ignored', () => {
    const { room, controller } = setup()
    const p = room.join('p1', 'Ada')
    room.fire('message', p, { type: 'chat', id: '1', text: 'hello', sentAt: 1 }, 'reliable')
    room.fire('message', p, { type: 'chat', id: 2 }, 'reliable')
    room.fire('message', p, 'nonsense', 'reliable')
    expect(controller.chat.get().entries.map((e) => [e.fromName, e.text])).toEqual([['Ada', 'hello']])
  })

  it('chat send goes out on the reliable channel', () => {
    const { room, controller } = setup()
    controller.chat.send('hi')
    expect(room.sent).toMatchObject([{ to: '*', channel: 'reliable', message: { type: 'chat', text: 'hi' } }])
  })

  it('quality samples keep a bounded bitrate history', () => {
    const { room, controller } = setup()
    const p = room.join('p1', 'Ada')
    for (let i = 0; i < HISTORY_LENGTH + 5; i++) room.fire('quality', p, sample(i))
    const view = controller.get().peers[0]
    expect(view?.bitrateHistory).toHaveLength(HISTORY_LENGTH)
    expect(view?.bitrateHistory.at(-1)).toBe(HISTORY_LENGTH + 4)
    expect(view?.quality?.inbound.bitrateKbps).toBe(HISTORY_LENGTH + 4)
  })

  it('toggles change the local media state; state reconnecting shows in the snapshot', async () => {
    const { room, controller } = setup()
    controller.toggleMic()
    expect(controller.get().self.media.audio).toBe(false)
    controller.toggleCamera()
    expect(controller.get().self.media.video).toBe(false)
    await controller.toggleScreen()
    expect(controller.get().self.media.screen).toBe(true)
    room.state = 'reconnecting'
    room.fire('state', 'reconnecting')
    expect(controller.get().phase).toBe('reconnecting')
  })

  it('a new local peer id after the server lost the session shows in the snapshot', async () => {
    const { room, controller } = setup()
    ;(room as { localPeerId: string }).localPeerId = 'me-again'
    room.fire('state', 'joined')
    await Promise.resolve()
    expect(controller.get().self.peerId).toBe('me-again')
  })

  it('leave leaves the room once and unsubscribes every listener', async () => {
    const { room, controller } = setup()
    expect(room.listenerCount()).toBeGreaterThan(0)
    await controller.leave()
    await controller.leave()
    expect(room.left).toBe(true)
    expect(room.listenerCount()).toBe(0)
  })
})
