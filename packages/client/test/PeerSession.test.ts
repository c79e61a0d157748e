import { afterEach, describe, expect, it } from 'vitest'
import type { PeerSession } from '../src/PeerSession.js'
import { retainedChannelCount } from '../src/runtime.js'
import { nextMessages, sessionPair, waitForState } from './support/pair.js'

/** PeerSession over node-datachannel, two sessions in this process, signals through memory. */
describe('PeerSession (node-datachannel)', () => {
  let cleanup: (() => void) | undefined
  afterEach(() => {
    cleanup?.()
    cleanup = undefined
  })

  it('the side with the smaller id is polite and both connect: new → connecting → connected', async () => {
    const { a, b, close } = await sessionPair()
    cleanup = close
    const states: string[] = []
    a.on('state', (s) => states.push(s))
    expect(a.polite).toBe(true)
    expect(b.polite).toBe(false)
    a.start()
    b.start()
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')])
    expect(states).toEqual(['connecting', 'connected'])
  })

  it('delivers JSON and bytes both ways on all three presets', async () => {
    const { a, b, close } = await sessionPair()
    cleanup = close
    a.start()
    b.start()
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')])
    for (const preset of ['reliable', 'unreliable', 'partial'] as const) {
      const atB = nextMessages(b, 2)
      const atA = nextMessages(a, 2)
      await a.send({ preset, from: 'a' }, preset)
      await a.send(new Uint8Array([1, 2, 3]), preset)
      await b.send({ preset, from: 'b' }, preset)
      await b.send(new Uint8Array([4, 5]), preset)
      expect(await atB).toEqual([{ preset, from: 'a' }, new Uint8Array([1, 2, 3])])
      expect(await atA).toEqual([{ preset, from: 'b' }, new Uint8Array([4, 5])])
    }
  })

  it('a node-datachannel offerer sends no candidate before it has the answer (no early DTLS), and connects at once', async () => {
    // the answer path is slow, as through a busy server; the direct path is fast
    const { a, b, signals, close } = await sessionPair({ only: { a: {}, b: {} }, latency: { 'peer-a': 150 } })
    cleanup = close
    a.start()
    b.start()
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')])
    // b is impolite: it offers
    const offer = signals.find((s) => s.from === 'peer-b' && s.signal.kind === 'description')
    expect(offer?.signal.kind === 'description' && offer.signal.description.sdp).not.toMatch(/a=candidate/)
    const answerAt = signals.findIndex((s) => s.from === 'peer-a' && s.signal.kind === 'description')
    const firstOffererCandidate = signals.findIndex(
      (s) => s.from === 'peer-b' && s.signal.kind === 'candidate',
    )
    expect(answerAt).toBeGreaterThanOrEqual(0)
    expect(firstOffererCandidate).toBeGreaterThan(answerAt)
    expect(
      signals.some(
        (s) => s.from === 'peer-b' && s.signal.kind === 'candidate' && s.signal.candidate === null,
      ),
    ).toBe(true)
    expect(a.connectionInfo.epoch).toBe(0)
  })

  it('send() before the connection exists waits and delivers once connected', async () => {
    const { a, b, close } = await sessionPair()
    cleanup = close
    const received = nextMessages(b, 1)
    a.start()
    const sent = a.send({ early: true })
    b.start()
    await sent
    expect(await received).toEqual([{ early: true }])
  })

  it('messages sent before the connection exists arrive on every preset (the optional channels come later)', async () => {
    const { a, b, close } = await sessionPair()
    cleanup = close
    const atB = nextMessages(b, 3)
    const atA = nextMessages(a, 2)
    a.start()
    const sent = [a.send('r', 'reliable'), a.send('u', 'unreliable'), a.send('p', 'partial')]
    b.start()
    const back = [b.send('u', 'unreliable'), b.send('p', 'partial')]
    await Promise.all([...sent, ...back])
    expect((await atB).sort()).toEqual(['p', 'r', 'u'])
    expect((await atA).sort()).toEqual(['p', 'u'])
  })

  for (const old of ['a', 'b'] as const) {
    it(`works with a peer of an SDK version before channel announcements (${old === 'a' ? 'polite' : 'impolite'} side)`, async () => {
      const { a, b, signals, close } = await sessionPair({ only: { [old]: { announceChannels: false } } })
      cleanup = close
      const atB = nextMessages(b, 3)
      const atA = nextMessages(a, 3)
      a.start()
      const early = a.send('early-u', 'unreliable')
      b.start()
      await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')])
      await early
      await Promise.all([a.send('r', 'reliable'), a.send('p', 'partial')])
      await Promise.all((['reliable', 'unreliable', 'partial'] as const).map((p) => b.send(p, p)))
      expect((await atB).sort()).toEqual(['early-u', 'p', 'r'])
      expect((await atA).sort()).toEqual(['partial', 'reliable', 'unreliable'])
      const oldPeer = old === 'a' ? 'peer-a' : 'peer-b'
      for (const { from, signal } of signals.filter((s) => s.signal.kind === 'description')) {
        expect(signal.kind === 'description' && signal.announceChannels).toBe(
          from === oldPeer ? undefined : true,
        )
      }
    })
  }

  it('a 5 MiB message is chunked below max-message-size and arrives intact', async () => {
    const { a, b, close } = await sessionPair()
    cleanup = close
    a.start()
    b.start()
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')])
    const big = new Uint8Array(5 * 1024 * 1024)
    for (let i = 0; i < big.length; i += 4096) big[i] = (i / 4096) & 0xff
    big[big.length - 1] = 0xee
    const received = nextMessages(b, 1, 30_000)
    await a.send(big)
    const [got] = (await received) as [Uint8Array]
    expect(got.byteLength).toBe(big.byteLength)
    expect(Buffer.compare(Buffer.from(got), Buffer.from(big))).toBe(0)
  })

  it('connect timeout: when the first attempt cannot connect, a new connection generation connects', async () => {
    // drop every candidate and the answer of generation 0: that attempt can never connect
    const { a, b, signals, close } = await sessionPair({
      connectTimeoutMs: 1500,
      filter: (_from, s) =>
        !(
          (s.kind === 'candidate' || s.kind === 'description') &&
          (s.epoch ?? 0) === 0 &&
          !(s.kind === 'description' && s.description.type === 'offer')
        ),
    })
    cleanup = close
    a.start()
    b.start()
    await Promise.all([waitForState(a, 'connected', 20_000), waitForState(b, 'connected', 20_000)])
    expect(a.connectionInfo.epoch).toBeGreaterThanOrEqual(1)
    expect(b.connectionInfo.epoch).toBe(a.connectionInfo.epoch)
    expect(signals.some((s) => s.signal.kind === 'description' && (s.signal.epoch ?? 0) >= 1)).toBe(true)
    const got = nextMessages(a, 1)
    await b.send('after retry')
    expect(await got).toEqual(['after retry'])
  })

  it('a polite side whose connection timed out asks the impolite side for a new generation', async () => {
    // b's first offer is lost; b's own timeout is far away, so only a's 'reconnect' request can help
    let dropped = 0
    const { a, b, signals, close } = await sessionPair({
      only: { a: { connectTimeoutMs: 1000 }, b: { connectTimeoutMs: 60_000 } },
      filter: (from, s) => {
        // lose b's first offer entirely
        if (
          from === 'peer-b' &&
          (s.kind === 'description' || s.kind === 'candidate') &&
          (s.epoch ?? 0) === 0
        ) {
          dropped++
          return false
        }
        return true
      },
    })
    cleanup = close
    a.start()
    b.start()
    await Promise.all([waitForState(a, 'connected', 20_000), waitForState(b, 'connected', 20_000)])
    expect(dropped).toBeGreaterThan(0)
    expect(a.connectionInfo.epoch).toBeGreaterThanOrEqual(1)
    const requests = signals.filter((s) => s.signal.kind === 'reconnect').map((s) => s.from)
    expect(requests.length).toBeGreaterThan(0)
    expect(new Set(requests)).toEqual(new Set(['peer-a']))
  })

  it('gives up after maxConnectAttempts: state failed with CONNECT_TIMEOUT, pending sends reject', async () => {
    const { a, b, close } = await sessionPair({
      connectTimeoutMs: 300,
      maxConnectAttempts: 2,
      filter: () => false,
    })
    cleanup = close
    const errors: string[] = []
    b.on('error', (e) => errors.push(e.code))
    const pending = b.send('lost')
    a.start()
    b.start()
    await waitForState(b, 'failed', 10_000)
    expect(errors).toEqual(['CONNECT_TIMEOUT'])
    await expect(pending).rejects.toMatchObject({ code: 'CHANNEL_CLOSED' })
  })

  it('both sides compute the same short authentication string from the DTLS fingerprints', async () => {
    const { a, b, close } = await sessionPair()
    cleanup = close
    const sasA = new Promise<string>((r) => a.once('sas', r))
    const sasB = new Promise<string>((r) => b.once('sas', r))
    a.start()
    b.start()
    const [x, y] = await Promise.all([sasA, sasB])
    expect(x).toMatch(/^\d{3} \d{3}$/)
    expect(x).toBe(y)
  })

  it('remote raw channels arrive as data-channel events; parley:* labels are reserved', async () => {
    const { a, b, close } = await sessionPair()
    cleanup = close
    a.start()
    b.start()
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')])
    expect(() => a.createDataChannel('parley:mine')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
    const arrived = new Promise<RTCDataChannel>((r) => b.once('data-channel', r))
    const channel = a.createDataChannel('file-1')
    const remote = await arrived
    expect(remote.label).toBe('file-1')
    const text = new Promise<string>((r) => {
      remote.onmessage = (e) => r(String(e.data))
    })
    await new Promise<void>((r) => {
      if (channel.readyState === 'open') r()
      else channel.onopen = () => r()
    })
    channel.send('raw hello')
    expect(await text).toBe('raw hello')
  })

  it('close() is idempotent, ends in closed, releases channels and rejects later sends', async () => {
    const { a, b, close } = await sessionPair()
    cleanup = close
    a.start()
    b.start()
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')])
    // the optional presets exist once used: use all three so that both sides hold three channels
    const atB = nextMessages(b, 3)
    await Promise.all((['reliable', 'unreliable', 'partial'] as const).map((p) => a.send(p, p)))
    expect((await atB).sort()).toEqual(['partial', 'reliable', 'unreliable'])
    const before = retainedChannelCount()
    expect(before).toBeGreaterThanOrEqual(6)
    const states: string[] = []
    a.on('state', (s) => states.push(s))
    a.close()
    a.close()
    expect(a.state).toBe('closed')
    expect(states).toEqual(['closed'])
    expect(a.peerConnection).toBeUndefined()
    await expect(a.send('x')).rejects.toMatchObject({ code: 'CHANNEL_CLOSED' })
    await waitFor(() => retainedChannelCount() <= before - 3)
  })

  it('the remote side notices a closed peer and says so (bye over the data channel)', async () => {
    const { a, b, close } = await sessionPair()
    cleanup = close
    a.start()
    b.start()
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')])
    const bye = new Promise<void>((r) => b.once('bye', r))
    await a.sayGoodbye(500)
    await bye
  })
})

async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

export type { PeerSession }
