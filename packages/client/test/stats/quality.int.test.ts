/**
 * Quality events between two Node peers (node-datachannel) through a real signaling server:
 * the stats layer copes with the polyfill's getStats (renamed ids, RTT in ms, no consent counters).
 */
import { type ParleyServer, startServer } from '@parley/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Room } from '../../src/index.js'
import type { QualitySample } from '../../src/stats/quality.js'

describe('quality events in Node (node-datachannel)', () => {
  let server: ParleyServer
  const rooms: Room[] = []

  beforeAll(async () => {
    server = await startServer({ port: 0, host: '127.0.0.1', logLevel: 'silent' })
  })
  afterAll(async () => {
    await Promise.allSettled(rooms.map((r) => r.leave()))
    await server?.close({ graceful: false })
  })

  it("emits samples with a host path and transport bytes while sending, and never 'lost' while idle", async () => {
    const options = { quality: { intervalMs: 500 } }
    const a = await Room.join(server.url, 'quality-node', { name: 'a', ...options })
    rooms.push(a)
    const samples: QualitySample[] = []
    const joined = new Promise<void>((resolve) => a.on('participant-joined', () => resolve()))
    a.on('quality', (_p, sample) => samples.push(sample))
    const b = await Room.join(server.url, 'quality-node', { name: 'b', ...options })
    rooms.push(b)
    await joined
    const peer = b.participant(a.localPeerId)
    expect(peer).toBeDefined()
    // send for a while so that transport bytes flow, then stay idle for longer than lostAfterMs
    const sendingUntil = Date.now() + 2000
    while (Date.now() < sendingUntil) await peer?.send(new Uint8Array(16 * 1024))
    const idle = await new Promise<QualitySample[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no quality samples while idle')), 20_000)
      const idleSamples: QualitySample[] = []
      a.on('quality', (_p, sample) => {
        idleSamples.push(sample)
        if (idleSamples.length >= 14) {
          clearTimeout(timer)
          resolve(idleSamples)
        }
      })
    })
    const busy = samples.filter((s) => s.inbound.transportKbps > 0)
    expect(busy.length).toBeGreaterThan(0)
    for (const s of samples) {
      expect(s.path.local).toBe('host')
      // loopback: a few ms at most (node-datachannel reports whole milliseconds)
      if (s.rttMs !== undefined) expect(s.rttMs).toBeLessThan(250)
    }
    expect(idle.every((s) => s.level !== 'lost')).toBe(true)
    expect(a.participant(b.localPeerId)?.quality).toBeDefined()
  })
})
