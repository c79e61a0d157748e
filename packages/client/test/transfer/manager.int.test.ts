/**
 * TransferManager between two Node peers (node-datachannel) joined to a real signaling server.
 */
import { mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { type ParleyServer, startServer } from '@parley/server'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { Room } from '../../src/index.js'
import type { FileSender } from '../../src/transfer/FileSender.js'
import { NodeFileSink } from '../../src/transfer/node/NodeFileSink.js'
import { NodeFileSource } from '../../src/transfer/node/NodeFileSource.js'
import { type IncomingOffer, TransferManager } from '../../src/transfer/TransferManager.js'
import { sha256OfFile, tempDir, waitForBytes, waitForState, writeRandomFile } from './support.js'

const MiB = 1024 * 1024

describe('TransferManager over a Room (Node peers, real server)', () => {
  let server: ParleyServer
  let dir: { path: string; remove: () => Promise<void> }
  let out: string
  const rooms: Room[] = []
  const managers: TransferManager[] = []

  beforeAll(async () => {
    server = await startServer({ port: 0, host: '127.0.0.1', logLevel: 'silent' })
  })
  afterAll(async () => {
    await server?.close({ graceful: false })
  })
  beforeEach(async () => {
    dir = await tempDir()
    out = join(dir.path, 'out')
    await mkdir(out)
  })
  afterEach(async () => {
    for (const m of managers.splice(0)) m.close()
    await Promise.allSettled(rooms.splice(0).map((r) => r.leave()))
    await dir.remove()
  })

  /** Two rooms in `name`, connected, each with a manager. */
  async function twoPeers(name: string) {
    const a = await Room.join(server.url, name, { name: 'alice' })
    rooms.push(a)
    const b = await Room.join(server.url, name, { name: 'bob' })
    rooms.push(b)
    const connected = (room: Room, peerId: string) =>
      new Promise<void>((resolve) => {
        const check = () => room.participant(peerId)?.state === 'connected' && resolve()
        room.on('connection-state', check)
        check()
      })
    await Promise.all([connected(a, b.localPeerId), connected(b, a.localPeerId)])
    const ma = new TransferManager(a)
    const mb = new TransferManager(b, { sinkFactory: () => new NodeFileSink({ dir: out }) })
    managers.push(ma, mb)
    return { a, b, ma, mb, bob: a.participant(b.localPeerId)! }
  }

  const nextOffer = (m: TransferManager) => new Promise<IncomingOffer>((resolve) => m.once('offer', resolve))

  it('sendFiles() to a participant: the peer gets an offer with the files and accept() receives them', async () => {
    const { ma, mb, bob, a } = await twoPeers('mgr-basic')
    const paths = [join(dir.path, 'one.bin'), join(dir.path, 'two.bin')]
    const hashes = [await writeRandomFile(paths[0]!, 3 * MiB), await writeRandomFile(paths[1]!, 1234)]
    const sources = await Promise.all(paths.map((p) => NodeFileSource.open(p)))
    const offered = nextOffer(mb)
    const updates: string[] = []
    ma.on('transfer', (t) => updates.push(t.state))
    const [sender] = await ma.sendFiles(bob, sources)
    const offer = await offered
    expect(offer.from.peerId).toBe(a.localPeerId)
    expect(offer.files.map((f) => [f.name, f.size])).toEqual([
      ['one.bin', 3 * MiB],
      ['two.bin', 1234],
    ])
    await offer.accept()
    await Promise.all([sender!.finished(), offer.transfer.finished()])
    expect(await sha256OfFile(join(out, 'one.bin'))).toBe(hashes[0])
    expect(await sha256OfFile(join(out, 'two.bin'))).toBe(hashes[1])
    expect(updates).toContain('active')
    expect(updates.at(-1)).toBe('done')
    expect(ma.peerOf(sender!)?.peerId).toBe(bob.peerId)
    for (const s of sources) await s.close()
  })

  it('resumes by itself when the connection is re-established mid-transfer (new connection generation)', async () => {
    const { ma, mb, bob } = await twoPeers('mgr-resume')
    const size = 64 * MiB
    const src = join(dir.path, 'big.bin')
    const expected = await writeRandomFile(src, size)
    const source = await NodeFileSource.open(src)
    const offered = nextOffer(mb)
    const [sender] = (await ma.sendFiles(bob, [source])) as [FileSender]
    const offer = await offered
    await offer.accept()
    await waitForBytes(offer.transfer, 12 * MiB)
    let atCut = { sent: 0, confirmed: 0 }
    sender.once('state', (s) => {
      if (s === 'interrupted')
        atCut = { sent: sender.dataBytesSent, confirmed: sender.progress.confirmedBytes }
    })
    bob.restartIce() // node-datachannel: a new RTCPeerConnection; the transfer channel dies with the old one
    await waitForState(sender, 'interrupted')
    await Promise.all([sender.finished(), offer.transfer.finished()])
    const resumedAt = sender.resumeOffsets[1]!.offset
    expect(resumedAt).toBeGreaterThanOrEqual(atCut.confirmed)
    expect(resumedAt).toBeGreaterThan(0)
    expect(sender.dataBytesSent - size).toBe(atCut.sent - resumedAt)
    expect(await sha256OfFile(join(out, 'big.bin'))).toBe(expected)
    await source.close()
  }, 60_000)

  it("sendFiles('everyone') gives each participant its own transfer", async () => {
    const { a, ma, mb } = await twoPeers('mgr-everyone')
    const c = await Room.join(server.url, 'mgr-everyone', { name: 'carol' })
    rooms.push(c)
    const outC = join(dir.path, 'outC')
    await mkdir(outC)
    const mc = new TransferManager(c, { sinkFactory: () => new NodeFileSink({ dir: outC }) })
    managers.push(mc)
    await new Promise<void>((resolve) => {
      const check = () => a.participant(c.localPeerId)?.state === 'connected' && resolve()
      a.on('connection-state', check)
      check()
    })
    const src = join(dir.path, 'all.txt')
    const expected = await writeRandomFile(src, 100_000)
    const offers = Promise.all([nextOffer(mb), nextOffer(mc)])
    const senders = await ma.sendFiles('everyone', [await NodeFileSource.open(src)])
    expect(senders).toHaveLength(2)
    for (const offer of await offers) await offer.accept()
    await Promise.all(senders.map((s) => s.finished()))
    expect(await sha256OfFile(join(out, 'all.txt'))).toBe(expected)
    expect(await sha256OfFile(join(outC, 'all.txt'))).toBe(expected)
  })

  it('a participant leaving ends its transfers; the receiver keeps the partial file for a later resume', async () => {
    const { b, ma, mb, bob } = await twoPeers('mgr-left')
    const src = join(dir.path, 'big.bin')
    await writeRandomFile(src, 64 * MiB)
    const offered = nextOffer(mb)
    const [sender] = await ma.sendFiles(bob, [await NodeFileSource.open(src)])
    const offer = await offered
    await offer.accept()
    await waitForBytes(offer.transfer, 8 * MiB)
    await b.leave()
    await expect(sender!.finished()).rejects.toMatchObject({ code: 'CLOSED', message: 'bob left' })
    await offer.transfer.settled()
    expect((await readdir(out)).sort()).toEqual(['big.bin.parley-part', 'big.bin.parley-part.json'])
  }, 60_000)
})
