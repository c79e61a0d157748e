import { ErrorCode } from '@parley/protocol'
import { SignJWT, UnsecuredJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { connect, connectionsDropTo, joined, testServer } from './support/server.js'

const SECRET = 'a-test-secret-of-at-least-32-bytes!'
const key = new TextEncoder().encode(SECRET)
const now = (): number => Math.floor(Date.now() / 1000)

function token(
  claims: Record<string, unknown>,
  options: { alg?: string; secret?: Uint8Array; exp?: number | null } = {},
) {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? 'HS256' }).setIssuedAt()
  if (options.exp !== null) jwt.setExpirationTime(options.exp ?? now() + 60)
  return jwt.sign(options.secret ?? key)
}

async function joinWith(server: Awaited<ReturnType<typeof testServer>>, room: string, tokenValue?: string) {
  const client = await connect(server)
  client.send({
    type: 'join',
    room,
    name: 'FromJoin',
    id: 'j',
    ...(tokenValue === undefined ? {} : { token: tokenValue }),
  })
  return client.next((m) => m.type === 'welcome' || m.type === 'error')
}

describe('JWT auth', () => {
  it('accepts a valid HS256 token for the room; its name claim overrides the join name', async () => {
    const server = await testServer({ authSecret: SECRET })
    const first = await joined(server, 'r', { token: await token({ room: 'r', name: 'FromToken' }) })
    expect(first.welcome.type).toBe('welcome')
    const second = await joined(server, 'r', { name: 'Bob', token: await token({ room: 'r' }) })
    expect(second.welcome.peers).toEqual([{ peerId: first.welcome.peerId, name: 'FromToken' }])
  })

  it('accepts a token whose room claim is "*" for any room', async () => {
    const server = await testServer({ authSecret: SECRET })
    expect(await joinWith(server, 'anything', await token({ room: '*' }))).toMatchObject({ type: 'welcome' })
  })

  it('refuses with UNAUTHORIZED: no token, bad signature, other room, expired, no exp, no room, alg none, HS512', async () => {
    const server = await testServer({ authSecret: SECRET })
    const other = new TextEncoder().encode('another-secret-another-secret-123')
    const cases: [string, string | undefined][] = [
      ['missing', undefined],
      ['garbage', 'not.a.jwt'],
      ['bad signature', await token({ room: 'r' }, { secret: other })],
      ['other room', await token({ room: 'other' })],
      ['expired', await token({ room: 'r' }, { exp: now() - 60 })],
      ['no exp', await token({ room: 'r' }, { exp: null })],
      ['no room', await token({ name: 'x' })],
      ['room not a string', await token({ room: ['r'] })],
      ['name too long', await token({ room: 'r', name: 'n'.repeat(65) })],
      ['alg none', new UnsecuredJWT({ room: 'r' }).setExpirationTime(now() + 60).encode()],
      ['HS512', await token({ room: 'r' }, { alg: 'HS512' })],
    ]
    for (const [label, value] of cases) {
      const reply = await joinWith(server, 'r', value)
      expect(reply, label).toMatchObject({ type: 'error', code: ErrorCode.UNAUTHORIZED, ref: 'j' })
    }
    const expired = await joinWith(server, 'r', await token({ room: 'r' }, { exp: now() - 60 }))
    expect(expired.message).toMatch(/expired/)
  })

  it('does not ask a resuming session for a token again', async () => {
    const server = await testServer({ authSecret: SECRET })
    const b = await joined(server, 'r', { token: await token({ room: 'r' }) })
    b.client.drop()
    await connectionsDropTo(server, 0)
    const b2 = await connect(server)
    b2.send({ type: 'join', room: 'r', resume: b.welcome.resume })
    expect(await b2.nextOf('welcome')).toMatchObject({ peerId: b.welcome.peerId, resumed: true })
  })

  it('ignores tokens when no auth secret is configured', async () => {
    const server = await testServer()
    expect(await joinWith(server, 'r', 'whatever')).toMatchObject({ type: 'welcome' })
  })
})
