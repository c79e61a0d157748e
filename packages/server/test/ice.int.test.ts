import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { joined, testServer } from './support/server.js'

describe('ICE servers in welcome', () => {
  it('gives each peer ephemeral TURN REST credentials: <expiry>:<peerId> and base64 HMAC-SHA1', async () => {
    const secret = 'coturn-static-auth-secret'
    const server = await testServer({
      stunUrls: ['stun:127.0.0.1:3478'],
      turnUrls: ['turn:127.0.0.1:3478?transport=udp', 'turns:127.0.0.1:5349'],
      turnSecret: secret,
      turnTtlMs: 3_600_000,
    })
    const before = Math.floor(Date.now() / 1000)
    const a = await joined(server, 'r')
    const b = await joined(server, 'r')
    const after = Math.ceil(Date.now() / 1000)
    for (const { welcome } of [a, b]) {
      const [stun, turn] = welcome.iceServers
      expect(welcome.iceServers).toHaveLength(2)
      expect(stun).toEqual({ urls: ['stun:127.0.0.1:3478'] })
      expect(turn?.urls).toEqual(['turn:127.0.0.1:3478?transport=udp', 'turns:127.0.0.1:5349'])
      const [expiry, peerId] = (turn?.username ?? '').split(':')
      expect(peerId).toBe(welcome.peerId)
      expect(Number(expiry)).toBeGreaterThanOrEqual(before + 3600)
      expect(Number(expiry)).toBeLessThanOrEqual(after + 3600)
      const expected = createHmac('sha1', secret)
        .update(turn?.username ?? '')
        .digest('base64')
      expect(turn?.credential).toBe(expected)
    }
    expect(a.welcome.iceServers[1]?.username).not.toBe(b.welcome.iceServers[1]?.username)
  })

  it('hands out static TURN credentials when configured instead of a secret', async () => {
    const server = await testServer({
      turnUrls: ['turn:127.0.0.1:3478'],
      turnUsername: 'user',
      turnCredential: 'pass',
    })
    const { welcome } = await joined(server, 'r')
    expect(welcome.iceServers).toEqual([
      { urls: ['turn:127.0.0.1:3478'], username: 'user', credential: 'pass' },
    ])
  })
})
