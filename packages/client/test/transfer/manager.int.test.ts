/**
 * TransferManager between two Node peers (node-datachannel) joined to a real signaling server.
 */
import { mkdir, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { type ParleyServer, startServer } from '@parley/server'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type LeaveReason, type Participant, Room } from '../../src/index.js'
import type { FileSender } from '../../src/transfer/FileSender.js'
import { NodeFileSink } from '../../src/transfer/node/NodeFileSink.js'
import { NodeFileSource } from '../../src/transfer/node/NodeFileSource.js'
import { MemoryTransferJournal } from '../../src/transfer/TransferJournal.js'
import { type IncomingOffer, TransferManager } from '../../src/transfer/TransferManager.js'
import { allConnected, nextEvent, resumeTokenOf } from '../support/rooms.js'
import { TcpProxy } from '../support/TcpProxy.js'
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
  /** Sources belong to the caller: every one a test opens is closed after it. */
  const sources: NodeFileSource[] = []
  async function openSource(path: string): Promise<NodeFileSource> {
    const source = await NodeFileSource.open(path)
    sources.push(source)
    return source
  }

  afterEach(async () => {
    for (const m of managers.splice(0)) m.close()
    await Promise.all(sources.splice(0).map((s) => s.close()))
    await Promise.allSettled(rooms.splice(0).map((r) => r.leave()))
    await dir.remove()
  })

  /** Two rooms in `name`, connected, each with a manager (bob's with `receiver` options). */
  async function twoPeers(
    name: string,
    bob: {
      room?: Parameters<typeof Room.join>[2]
      manager?: ConstructorParameters<typeof TransferManager>[1]
    } = {},
  ) {
    const a = await Room.join(server.url, name, { name: 'alice' })
    rooms.push(a)
    const b = await Room.join(server.url, name, { name: 'bob', ...bob.room })
    rooms.push(b)
    const connected = (room: Room, peerId: string) =>
      new Promise<void>((resolve) => {
        const check = () => room.participant(peerId)?.state === 'connected' && resolve()
        room.on('connection-state', check)
        check()
      })
    await Promise.all([connected(a, b.localPeerId), connected(b, a.localPeerId)])
    const ma = new TransferManager(a)
    const mb = new TransferManager(b, { sinkFactory: () => new NodeFileSink({ dir: out }), ...bob.manager })
    managers.push(ma, mb)
    return { a, b, ma, mb, bob: a.participant(b.localPeerId)! }
  }

  const nextOffer = (m: TransferManager) => new Promise<IncomingOffer>((resolve) => m.once('offer', resolve))

  /** Alice offers Bob a 64 MiB file of random bytes: the sender and Bob's offer, not yet accepted. */
  async function offerBigFile(ma: TransferManager, mb: TransferManager, bob: Participant) {
    const size = 64 * MiB
    const src = join(dir.path, 'big.bin')
    const expected = await writeRandomFile(src, size)
    const source = await openSource(src)
    const offered = nextOffer(mb)
    const [sender] = (await ma.sendFiles(bob, [source])) as [FileSender]
    return { size, expected, source, sender, offer: await offered }
  }

  it('sendFiles() to a participant: the peer gets an offer with the files and accept() receives them', async () => {
    const { ma, mb, bob, a } = await twoPeers('mgr-basic')
    const paths = [join(dir.path, 'one.bin'), join(dir.path, 'two.bin')]
    const hashes = [await writeRandomFile(paths[0]!, 3 * MiB), await writeRandomFile(paths[1]!, 1234)]
    const sources = await Promise.all(paths.map((p) => openSource(p)))
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
    const { size, expected, source, sender, offer } = await offerBigFile(ma, mb, bob)
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
    const senders = await ma.sendFiles('everyone', [await openSource(src)])
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
    const [sender] = await ma.sendFiles(bob, [await openSource(src)])
    const offer = await offered
    await offer.accept()
    await waitForBytes(offer.transfer, 8 * MiB)
    await b.leave()
    await expect(sender!.finished()).rejects.toMatchObject({ code: 'CLOSED', message: 'bob left' })
    await offer.transfer.settled()
    expect((await readdir(out)).sort()).toEqual(['big.bin.parley-part', 'big.bin.parley-part.json'])
  }, 60_000)

  it('Room.suspend() of the receiver, then a new Room joined with its resumeToken (a reload): the transfer continues by itself from the confirmed offset; no confirmed byte is sent again', async () => {
    const journal = new MemoryTransferJournal()
    const { a, b, ma, mb, bob } = await twoPeers('mgr-reload', { manager: { journal } })
    const { size, expected, source, sender, offer } = await offerBigFile(ma, mb, bob)
    expect(offer.acceptedBefore).toBeUndefined()
    await offer.accept()
    await waitForBytes(offer.transfer, 12 * MiB)
    const seen: string[] = []
    a.on('participant-left', (p) => seen.push(`left ${p.peerId}`))
    a.on('participant-restarted', (p) => seen.push(`restarted ${p.peerId}`))
    let atCut = { sent: 0, confirmed: 0 }
    sender.once('state', (s) => {
      if (s === 'interrupted')
        atCut = { sent: sender.dataBytesSent, confirmed: sender.progress.confirmedBytes }
    })

    const token = resumeTokenOf(b)
    b.suspend() // what pagehide does with pageHide: 'suspend'
    await offer.transfer.settled() // the receiver stopped here and kept its partial file
    expect(offer.transfer.error?.code).toBe('CLOSED')
    await waitForState(sender, 'interrupted')

    const b2 = await Room.join(server.url, 'mgr-reload', { name: 'bob', resume: token })
    rooms.push(b2)
    expect(b2.localPeerId).toBe(b.localPeerId)
    const mb2 = new TransferManager(b2, { journal, sinkFactory: () => new NodeFileSink({ dir: out }) })
    managers.push(mb2)
    const again = await nextOffer(mb2)
    expect(again.transfer.id).toBe(sender.id)
    expect(again.acceptedBefore).toEqual(['0'])
    await again.accept(again.acceptedBefore)
    await Promise.all([sender.finished(), again.transfer.finished()])

    expect(seen).toEqual([`restarted ${b.localPeerId}`])
    expect(a.participant(b.localPeerId)).toBe(bob)
    const resumedAt = sender.resumeOffsets.at(-1)!.offset
    expect(resumedAt).toBeGreaterThanOrEqual(atCut.confirmed)
    expect(resumedAt).toBeGreaterThan(0)
    // the only bytes sent twice were in flight at the cut: [resumedAt, end of the first attempt)
    expect(sender.dataBytesSent - size).toBe(atCut.sent - resumedAt)
    expect(await sha256OfFile(join(out, 'big.bin'))).toBe(expected)
    expect(journal.entries()).toEqual([]) // done: forgotten
    await source.close()
  }, 90_000)

  /**
   * Bob's page reloads: his Room suspends, `meanwhile` runs (the page is gone), and a new Room takes
   * his session over with a manager on the same journal. Resolves with the offer it gets again.
   */
  async function reloadBob(
    name: string,
    b: Room,
    journal: MemoryTransferJournal,
    meanwhile = async () => {},
  ) {
    const token = resumeTokenOf(b)
    b.suspend() // what pagehide does with pageHide: 'suspend'
    await meanwhile()
    const b2 = await Room.join(server.url, name, { name: 'bob', resume: token })
    rooms.push(b2)
    expect(b2.localPeerId).toBe(b.localPeerId)
    const mb2 = new TransferManager(b2, { journal, sinkFactory: () => new NodeFileSink({ dir: out }) })
    managers.push(mb2)
    return nextOffer(mb2)
  }

  /** Alice offers Bob three files (4 MiB, 64 MiB, 2 MiB); Bob accepts them all. */
  async function offerThreeFiles(ma: TransferManager, mb: TransferManager, bob: Participant) {
    const sizes = [4 * MiB, 64 * MiB, 2 * MiB]
    const names = ['one.bin', 'two.bin', 'three.bin']
    const expected = await Promise.all(names.map((n, i) => writeRandomFile(join(dir.path, n), sizes[i]!)))
    const sources = await Promise.all(names.map((n) => openSource(join(dir.path, n))))
    const offered = nextOffer(mb)
    const [sender] = (await ma.sendFiles(bob, sources)) as [FileSender]
    const offer = await offered
    await offer.accept()
    return { sizes, names, expected, sources, sender, offer, total: sizes.reduce((a, b) => a + b, 0) }
  }

  it('a reload of the receiver after the first of three files was verified: acceptedBefore re-accepts, the first is reported completed from the journal (no byte of it sent again, its digest kept), the second continues from where the receiver stored it (no confirmed byte of any file sent again); the journal is forgotten when done', async () => {
    const journal = new MemoryTransferJournal()
    const { b, ma, mb, bob } = await twoPeers('mgr-reload-multi', { manager: { journal } })
    const { sizes, names, expected, sources, sender, offer, total } = await offerThreeFiles(ma, mb, bob)
    await waitForBytes(offer.transfer, sizes[0]! + 12 * MiB)
    expect(offer.transfer.files[0]?.status).toBe('done')
    const verified = offer.transfer.files[0]!
    expect(journal.entries()[0]?.completed).toEqual([
      { id: '0', digest: verified.digest, sha256: verified.sha256 },
    ])
    const again = await reloadBob('mgr-reload-multi', b, journal, () => offer.transfer.settled())
    expect(again.acceptedBefore).toEqual(['0', '1', '2'])
    await again.accept(again.acceptedBefore)
    expect(again.transfer.files[0]).toMatchObject({
      status: 'done',
      sha256: verified.sha256,
      digest: verified.digest,
    })
    await Promise.all([sender.finished(), again.transfer.finished()])

    const attemptsOf = (id: string) => sender.attempts.filter((a) => a.fileId === id)
    // file 0: one attempt only, never asked for again
    expect(attemptsOf('0')).toHaveLength(1)
    // file 1 was resumed after the reload, not restarted
    const second = attemptsOf('1')
    expect(second.length).toBeGreaterThanOrEqual(2)
    expect(second.at(-1)!.from).toBeGreaterThan(0)
    // no attempt re-sends a byte the receiver had confirmed; the bytes sent twice are the ones in
    // flight when the page went away (file 2 may have started already)
    let resent = 0
    for (const id of ['0', '1', '2']) {
      const attempts = attemptsOf(id)
      expect(attempts[0]?.from).toBe(0)
      expect(attempts.at(-1)?.to).toBe(sizes[Number(id)])
      for (let k = 1; k < attempts.length; k++) {
        expect(attempts[k]!.from).toBeGreaterThanOrEqual(attempts[k - 1]!.confirmed)
        resent += attempts[k - 1]!.to - attempts[k]!.from
      }
    }
    expect(sender.dataBytesSent - total).toBe(resent)
    for (const [i, n] of names.entries()) expect(await sha256OfFile(join(out, n))).toBe(expected[i])
    expect(again.transfer.files.map((f) => f.status)).toEqual(['done', 'done', 'done'])
    expect(journal.entries()).toEqual([]) // done: forgotten
    for (const s of sources) await s.close()
  }, 90_000)

  it('a reload of the receiver whose verified first file is gone meanwhile: that file is received again from byte 0 (the sender accepts the request), the transfer ends done with the same bytes', async () => {
    const journal = new MemoryTransferJournal()
    const { b, ma, mb, bob } = await twoPeers('mgr-reload-gone', { manager: { journal } })
    const { sizes, names, expected, sources, sender, offer } = await offerThreeFiles(ma, mb, bob)
    await waitForBytes(offer.transfer, sizes[0]! + 8 * MiB)
    const again = await reloadBob('mgr-reload-gone', b, journal, async () => {
      await offer.transfer.settled()
      await rm(join(out, names[0]!)) // e.g. storage cleaned up meanwhile
    })
    await again.accept(again.acceptedBefore)
    await Promise.all([sender.finished(), again.transfer.finished()])
    expect(sender.attempts.filter((a) => a.fileId === '0').map((a) => a.from)).toEqual([0, 0])
    for (const [i, n] of names.entries()) expect(await sha256OfFile(join(out, n))).toBe(expected[i])
    for (const s of sources) await s.close()
  }, 90_000)

  it('a reload of the receiver whose journal records another digest for the first file than the sender announces: the file is not taken as completed but verified in place against the digest the sender sends at its end (no byte of it sent), and ends done', async () => {
    const journal = new MemoryTransferJournal()
    const { b, ma, mb, bob } = await twoPeers('mgr-reload-mismatch', { manager: { journal } })
    const { sizes, names, expected, sources, sender, offer } = await offerThreeFiles(ma, mb, bob)
    await waitForBytes(offer.transfer, sizes[0]! + 8 * MiB)
    const again = await reloadBob('mgr-reload-mismatch', b, journal, async () => {
      await offer.transfer.settled()
      const entry = journal.entries()[0]!
      journal.remember({
        ...entry,
        completed: entry.completed!.map((c) => ({ ...c, sha256: '0'.repeat(64) })),
      })
    })
    await again.accept(again.acceptedBefore)
    await Promise.all([sender.finished(), again.transfer.finished()])
    const first = sender.attempts.filter((a) => a.fileId === '0')
    expect(first.map((a) => [a.from, a.to])).toEqual([
      [0, sizes[0]],
      [sizes[0], sizes[0]],
    ])
    expect(again.transfer.files[0]?.sha256).toBe(offer.transfer.files[0]?.sha256)
    for (const [i, n] of names.entries()) expect(await sha256OfFile(join(out, n))).toBe(expected[i])
    for (const s of sources) await s.close()
  }, 90_000)

  it('a suspended receiver that does not come back: the sender sees it leave when the grace it announced ends, and the transfer fails with "bob left"', async () => {
    const { ma, mb, bob, a } = await twoPeers('mgr-gone', { room: { suspendGraceMs: 300 } })
    const src = join(dir.path, 'big.bin')
    await writeRandomFile(src, 64 * MiB)
    const offered = nextOffer(mb)
    const [sender] = await ma.sendFiles(bob, [await openSource(src)])
    const offer = await offered
    await offer.accept()
    await waitForBytes(offer.transfer, 4 * MiB)
    const left = new Promise<string>((resolve) => a.once('participant-left', (p) => resolve(p.peerId)))
    ;(rooms.at(-1) as Room).suspend()
    await expect(sender!.finished()).rejects.toMatchObject({ code: 'CLOSED', message: 'bob left' })
    expect(await left).toBe(bob.peerId)
  }, 60_000)

  it('the SENDER reloads (suspend, then a new Room with its resumeToken): the receiver ends that transfer as its sender is gone, and keeps the partial file', async () => {
    const { a, b, ma, mb } = await twoPeers('mgr-sender-reload')
    const src = join(dir.path, 'big.bin')
    await writeRandomFile(src, 64 * MiB)
    const offered = nextOffer(mb)
    const alice = b.participant(a.localPeerId)!
    await ma.sendFiles(a.participant(b.localPeerId)!, [await openSource(src)])
    const offer = await offered
    await offer.accept()
    await waitForBytes(offer.transfer, 4 * MiB)
    // alice (the sender) reloads
    const token = resumeTokenOf(a)
    a.suspend()
    const a2 = await Room.join(server.url, 'mgr-sender-reload', { name: 'alice', resume: token })
    rooms.push(a2)
    await expect(offer.transfer.finished()).rejects.toMatchObject({
      code: 'CLOSED',
      message: 'alice reloaded; the sender has to send again',
    })
    await offer.transfer.settled()
    expect(b.participant(a2.localPeerId)).toBe(alice)
    expect((await readdir(out)).sort()).toEqual(['big.bin.parley-part', 'big.bin.parley-part.json'])
  }, 60_000)

  /**
   * Alice sends Bob a 128 MiB file; once 4 MiB arrived, the signaling of `cut` (alice or bob) goes
   * down past the server's resume grace (300 ms): the server ends its session and tells the other
   * it left (`dropped`), which closes the connection. Its signaling comes back: it re-joins under a
   * new id and meets the other afresh.
   */
  async function dropMidTransfer(cut: 'alice' | 'bob', alice: { awaitRejoin?: boolean } = {}) {
    const s = await startServer({ port: 0, host: '127.0.0.1', logLevel: 'silent', resumeGraceMs: 300 })
    const proxy = await TcpProxy.start(s.port)
    const stop = async () => {
      proxy.close()
      await s.close({ graceful: false })
    }
    const name = `mgr-dropped-${cut}`
    const via = (who: string) => (who === cut ? proxy.url : s.url)
    const reconnect = { initialDelayMs: 50, maxDelayMs: 200 }
    const a = await Room.join(via('alice'), name, { name: 'alice', reconnect })
    rooms.push(a)
    const b = await Room.join(via('bob'), name, { name: 'bob', reconnect })
    rooms.push(b)
    await allConnected([a, b])
    const ma = new TransferManager(a, alice)
    const mb = new TransferManager(b, { sinkFactory: () => new NodeFileSink({ dir: out }) })
    managers.push(ma, mb)
    const size = 128 * MiB
    const src = join(dir.path, 'big.bin')
    const expected = await writeRandomFile(src, size)
    const offered = nextOffer(mb)
    const [sender] = (await ma.sendFiles(a.participant(b.localPeerId)!, [await openSource(src)])) as [
      FileSender,
    ]
    const offer = await offered
    await offer.accept()
    await waitForBytes(offer.transfer, 4 * MiB)
    const reasons: string[] = []
    const note = (who: string) => (p: Participant, reason: LeaveReason) =>
      reasons.push(`${who}: ${p.name} ${reason}`)
    a.on('participant-left', note('alice'))
    b.on('participant-left', note('bob'))
    let atCut = { sent: 0, confirmed: 0 }
    sender.once('state', (state) => {
      if (state === 'interrupted')
        atCut = { sent: sender.dataBytesSent, confirmed: sender.progress.confirmedBytes }
    })
    const later: IncomingOffer[] = []
    mb.on('offer', (o) => later.push(o))
    const [cutRoom, other] = cut === 'alice' ? [a, b] : [b, a]
    const oldId = cutRoom.localPeerId
    proxy.pause()
    proxy.dropAll()
    await nextEvent(other, 'participant-left', 10_000, (p: Participant) => p.peerId === oldId)
    const back = nextEvent(cutRoom, 'state', 15_000, (st) => st === 'joined')
    proxy.resume()
    await back
    expect(cutRoom.localPeerId).not.toBe(oldId)
    return { a, b, ma, mb, size, expected, sender, offer, later, reasons, atCut: () => atCut, stop }
  }

  /**
   * The transfer of `dropMidTransfer` went on after the cut from the receiver's stored offset:
   * resumed once at least, at or after the last offset confirmed before the cut, every byte sent
   * twice accounted for by the cut, and the file whole.
   */
  async function expectResumedWhole(t: Awaited<ReturnType<typeof dropMidTransfer>>) {
    const cut = t.atCut()
    const resumedAt = t.sender.resumeOffsets.at(-1)!.offset
    expect(t.sender.resumeOffsets.length).toBeGreaterThan(1)
    expect(resumedAt).toBeGreaterThanOrEqual(cut.confirmed)
    expect(resumedAt).toBeGreaterThan(0)
    expect(t.sender.dataBytesSent - t.size).toBe(cut.sent - resumedAt)
    expect(await sha256OfFile(join(out, 'big.bin'))).toBe(t.expected)
  }

  it('the SENDER is dropped by the server mid-transfer (its signaling down past the resume grace) and re-joins under a new id: it offers again to the receiver met afresh, the receiver takes the offer from the new id as the same transfer (no new offer event), which continues from the confirmed offset (no confirmed byte sent again) and ends done with the same bytes', async () => {
    const t = await dropMidTransfer('alice')
    try {
      await Promise.all([t.sender.finished(), t.offer.transfer.finished()])
      expect(t.reasons).toEqual(['bob: alice dropped', 'alice: bob afresh'])
      expect(t.later).toEqual([])
      expect(t.mb.peerOf(t.offer.transfer)?.peerId).toBe(t.a.localPeerId)
      expect(t.ma.peerOf(t.sender)).toBe(t.a.participant(t.b.localPeerId))
      await expectResumedWhole(t)
    } finally {
      await t.stop()
    }
  }, 90_000)

  it('the RECEIVER is dropped by the server mid-transfer and re-joins under a new id: it meets the sender afresh and reclaims the transfer, the sender moves it over to the new id and offers again, and it continues from the confirmed offset (no confirmed byte sent again) and ends done with the same bytes', async () => {
    const t = await dropMidTransfer('bob')
    try {
      await Promise.all([t.sender.finished(), t.offer.transfer.finished()])
      expect(t.reasons).toEqual(['alice: bob dropped', 'bob: alice afresh'])
      expect(t.later).toEqual([])
      expect(t.ma.peerOf(t.sender)?.peerId).toBe(t.b.localPeerId)
      expect(t.mb.peerOf(t.offer.transfer)).toBe(t.b.participant(t.a.localPeerId))
      await expectResumedWhole(t)
    } finally {
      await t.stop()
    }
  }, 90_000)

  it('a sender with awaitRejoin false ends its transfer when the receiver is dropped ("bob left"); the receiver back under a new id reclaims it and is told it has ended', async () => {
    const t = await dropMidTransfer('bob', { awaitRejoin: false })
    try {
      await expect(t.sender.finished()).rejects.toMatchObject({ code: 'CLOSED', message: 'bob left' })
      await expect(t.offer.transfer.finished()).rejects.toMatchObject({
        code: 'CLOSED',
        message: 'this transfer has ended',
      })
      expect(t.reasons).toEqual(['alice: bob dropped', 'bob: alice afresh'])
    } finally {
      await t.stop()
    }
  }, 90_000)
})
