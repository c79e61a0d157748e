import { mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ParleyError } from '../../src/errors.js'
import { FileReceiver, type FileReceiverOptions, readOffer } from '../../src/transfer/FileReceiver.js'
import { FileSender, type FileSenderOptions } from '../../src/transfer/FileSender.js'
import type { FileSink } from '../../src/transfer/FileSink.js'
import { loadHashers, webCryptoHashers } from '../../src/transfer/hash.js'
import { transferChannelLabel } from '../../src/transfer/messages.js'
import { NodeFileSink } from '../../src/transfer/node/NodeFileSink.js'
import { NodeFileSource } from '../../src/transfer/node/NodeFileSource.js'
import { TransferChannel } from '../../src/transfer/TransferChannel.js'
import {
  connectedPair,
  nextRemoteChannel,
  sha256ListOfFile,
  sha256OfFile,
  tempDir,
  waitForBytes,
  waitForState,
  writeRandomFile,
} from './support.js'

const MiB = 1024 * 1024
/**
 * The digest the pair ends up with, and the sender's hashers that make it so: the default (two Node
 * ends: sha256), or a WebCrypto sender as a browser's (sha256-list, other resume points).
 */
const DIGESTS = [
  ['sha256', undefined],
  ['sha256-list', webCryptoHashers(globalThis.crypto.subtle)],
] as const
type Pair = Awaited<ReturnType<typeof connectedPair>>

describe('FileSender → FileReceiver over node-datachannel', () => {
  let dir: { path: string; remove: () => Promise<void> }
  let out: string
  const pairs: Pair[] = []
  const newPair = async () => {
    const pair = await connectedPair()
    pairs.push(pair)
    return pair
  }
  beforeEach(async () => {
    dir = await tempDir()
    out = join(dir.path, 'out')
    await mkdir(out)
  })
  /** Sources belong to the caller: every one a test opens is closed after it. */
  const opened: NodeFileSource[] = []
  afterEach(async () => {
    for (const p of pairs.splice(0)) p.close()
    await Promise.all(opened.splice(0).map((s) => s.close()))
    await dir.remove()
  })

  /** Sender on pair.a, receiver (created from the offer) on pair.b. */
  async function start(
    pair: Pair,
    paths: string[],
    senderOptions: Partial<FileSenderOptions> = {},
    receiverOptions: Partial<FileReceiverOptions> = {},
  ) {
    const hashers = await loadHashers()
    const sources = await Promise.all(paths.map((p) => NodeFileSource.open(p)))
    opened.push(...sources)
    const logger = process.env.DEBUG_TRANSFER
      ? { debug: console.log, info: console.log, warn: console.log, error: console.log }
      : undefined
    const sender = new FileSender({ sources, hashers, ...(logger ? { logger } : {}), ...senderOptions })
    const remote = nextRemoteChannel(pair.b, 'parley-file:')
    sender.attach(pair.a.createDataChannel(transferChannelLabel(sender.id)), {
      maxMessageSize: pair.a.sctp?.maxMessageSize,
    })
    const receiver = await FileReceiver.fromChannel(await remote, {
      hashers,
      ...(logger ? { logger } : {}),
      ...receiverOptions,
    })
    for (const t of [sender, receiver])
      if (logger) t.on('state', (s, e) => console.log(t.direction, s, e?.message))
    return { sender, receiver }
  }

  /** Re-attaches both ends on a fresh connection, as a reconnecting TransferManager does. */
  async function reattach(pair: Pair, sender: FileSender, receiver: FileReceiver) {
    const remote = nextRemoteChannel(pair.b, 'parley-file:')
    sender.attach(pair.a.createDataChannel(transferChannelLabel(sender.id)), {
      maxMessageSize: pair.a.sctp?.maxMessageSize,
    })
    const link = new TransferChannel(await remote)
    receiver.adopt(link, await readOffer(link, 10_000))
  }

  const sink =
    (options: { overwrite?: boolean } = {}) =>
    () =>
      new NodeFileSink({ dir: out, ...options })

  it('sends 256 MiB with equal SHA-256 on both sides and in the written file', async () => {
    const src = join(dir.path, 'big.bin')
    const expected = await writeRandomFile(src, 256 * MiB)
    const { sender, receiver } = await start(await newPair(), [src])
    expect(receiver.files.map((f) => [f.name, f.size])).toEqual([['big.bin', 256 * MiB]])
    const started = performance.now()
    await receiver.accept(sink())
    await Promise.all([sender.finished(), receiver.finished()])
    const seconds = (performance.now() - started) / 1000
    console.log(
      `256 MiB in ${seconds.toFixed(2)} s = ${(256 / seconds).toFixed(1)} MiB/s, chunk ${sender.chunkSize}`,
    )
    expect(sender.files[0]?.sha256).toBe(expected)
    expect(receiver.files[0]?.sha256).toBe(expected)
    expect(await sha256OfFile(join(out, 'big.bin'))).toBe(expected)
    expect(await readdir(out)).toEqual(['big.bin'])
    expect(sender.dataBytesSent).toBe(256 * MiB)
    expect(sender.progress).toMatchObject({ bytes: 256 * MiB, confirmedBytes: 256 * MiB, etaSeconds: 0 })
  }, 120_000)

  it('sends five files of one offer (including an empty one) in order, each verified', async () => {
    const sizes = [0, 1, 65_537, 3 * MiB + 5, 256 * 1024]
    const paths: string[] = []
    const hashes: string[] = []
    for (const [i, size] of sizes.entries()) {
      const p = join(dir.path, `f${i}.dat`)
      hashes.push(await writeRandomFile(p, size))
      paths.push(p)
    }
    const { sender, receiver } = await start(await newPair(), paths)
    expect(receiver.files.map((f) => f.size)).toEqual(sizes)
    const order: string[] = []
    receiver.on('file', (f) => f.status === 'done' && order.push(f.id))
    await receiver.accept(sink())
    await Promise.all([sender.finished(), receiver.finished()])
    expect(order).toEqual(['0', '1', '2', '3', '4'])
    for (const [i] of sizes.entries()) {
      expect(await sha256OfFile(join(out, `f${i}.dat`))).toBe(hashes[i])
    }
    expect(sender.files.every((f) => f.status === 'done')).toBe(true)
  }, 60_000)

  it('decline() of the offer cancels the sender with DECLINED and the reason; nothing is written', async () => {
    const src = join(dir.path, 'a.txt')
    await writeFile(src, 'hello')
    const { sender, receiver } = await start(await newPair(), [src])
    await receiver.decline('not now')
    await expect(sender.finished()).rejects.toMatchObject({ code: 'DECLINED', message: 'declined: not now' })
    expect(sender.state).toBe('cancelled')
    expect(receiver.state).toBe('cancelled')
    expect(await readdir(out)).toEqual([])
  })

  it('accept() of some files declines the others: only the accepted ones are sent', async () => {
    const paths = [join(dir.path, 'keep.txt'), join(dir.path, 'skip.txt')]
    await writeFile(paths[0]!, 'keep me')
    await writeFile(paths[1]!, 'skip me')
    const { sender, receiver } = await start(await newPair(), paths)
    await receiver.accept(sink(), ['0'])
    await Promise.all([sender.finished(), receiver.finished()])
    expect(sender.files.map((f) => f.status)).toEqual(['done', 'declined'])
    expect(receiver.files.map((f) => f.status)).toEqual(['done', 'declined'])
    expect(sender.dataBytesSent).toBe(7)
    expect(await readdir(out)).toEqual(['keep.txt'])
  })

  for (const side of ['sender', 'receiver'] as const) {
    it(`cancel() by the ${side} mid-way shows the reason on the other side and discards the partial file`, async () => {
      const src = join(dir.path, 'big.bin')
      await writeRandomFile(src, 128 * MiB)
      const { sender, receiver } = await start(await newPair(), [src])
      await receiver.accept(sink())
      await waitForBytes(receiver, 8 * MiB)
      const [canceller, other] = side === 'sender' ? [sender, receiver] : [receiver, sender]
      await canceller.cancel('changed my mind')
      await expect(other.finished()).rejects.toMatchObject({ code: 'CANCELLED', message: 'changed my mind' })
      await expect(canceller.finished()).rejects.toBeInstanceOf(ParleyError)
      expect(sender.state).toBe('cancelled')
      expect(receiver.state).toBe('cancelled')
      expect(receiver.progress.bytes).toBeLessThan(128 * MiB)
      await receiver.settled()
      expect(await readdir(out)).toEqual([])
    }, 60_000)
  }

  it.each(DIGESTS)(
    'resumes after the connection is lost from the offset the receiver stored: no stored byte is sent twice (%s)',
    async (digest, senderHashers) => {
      const size = 96 * MiB
      const src = join(dir.path, 'big.bin')
      const expected = await writeRandomFile(src, size)
      const first = await newPair()
      // a WebCrypto sender (as a browser's) makes the pair use the hash list: its resume points differ
      const { sender, receiver } = await start(first, [src], senderHashers ? { hashers: senderHashers } : {})
      let received = 0
      receiver.on('progress', (p) => {
        received = p.bytes
      })
      await receiver.accept(sink())
      await waitForBytes(receiver, 24 * MiB)
      first.close() // the connection goes away mid-transfer
      await Promise.all([waitForState(sender, 'interrupted'), waitForState(receiver, 'interrupted')])
      const sentAtCut = sender.dataBytesSent
      const confirmedAtCut = sender.progress.confirmedBytes
      expect(sentAtCut).toBeLessThan(size)
      await reattach(await newPair(), sender, receiver)
      await Promise.all([sender.finished(), receiver.finished()])
      const [attempt1, attempt2] = sender.resumeOffsets
      expect(attempt1).toEqual({ fileId: '0', offset: 0 })
      // the second attempt starts where the receiver's storage ended: at or after every confirmation
      expect(attempt2!.offset).toBeGreaterThanOrEqual(confirmedAtCut)
      expect(attempt2!.offset).toBeGreaterThan(0)
      expect(attempt2!.offset).toBeLessThanOrEqual(sentAtCut)
      // bytes sent twice = only those in flight at the cut, past the stored offset
      expect(sender.dataBytesSent - size).toBe(sentAtCut - attempt2!.offset)
      expect(received).toBe(size)
      expect(await sha256OfFile(join(out, 'big.bin'))).toBe(expected)
      expect(receiver.files[0]?.digest).toBe(digest)
      expect(receiver.files[0]?.sha256).toBe(digest === 'sha256' ? expected : await sha256ListOfFile(src))
    },
    90_000,
  )

  it('resumes from the partial file and its sidecar when the receiving process restarted', async () => {
    const size = 64 * MiB
    const src = join(dir.path, 'big.bin')
    const expected = await writeRandomFile(src, size)
    const first = await newPair()
    const { sender, receiver } = await start(first, [src])
    await receiver.accept(sink())
    await waitForBytes(receiver, 16 * MiB)
    first.close()
    await waitForState(sender, 'interrupted')
    // the receiving process goes away: only the disk remains (partial file + sidecar)
    receiver.close('process exit')
    await receiver.settled()
    const sidecar = JSON.parse(await readFile(join(out, 'big.bin.parley-part.json'), 'utf8'))
    expect(sidecar).toMatchObject({ name: 'big.bin', size })
    expect(sidecar.offset).toBeGreaterThanOrEqual(16 * MiB)
    // a new receiver gets the repeated offer and resumes from the sidecar's offset
    const second = await newPair()
    const remote = nextRemoteChannel(second.b, 'parley-file:')
    sender.attach(second.a.createDataChannel(transferChannelLabel(sender.id)), {
      maxMessageSize: second.a.sctp?.maxMessageSize,
    })
    const again = await FileReceiver.fromChannel(await remote, { hashers: await loadHashers() })
    expect(again.id).toBe(sender.id)
    await again.accept(sink())
    await Promise.all([sender.finished(), again.finished()])
    expect(sender.resumeOffsets[1]).toEqual({ fileId: '0', offset: sidecar.offset })
    expect(await sha256OfFile(join(out, 'big.bin'))).toBe(expected)
    expect(await readdir(out)).toEqual(['big.bin'])
  }, 90_000)

  it.each(DIGESTS)(
    'a chunk corrupted in transit fails both sides with INTEGRITY and discards the partial file (%s)',
    async (_digest, senderHashers) => {
      const src = join(dir.path, 'big.bin')
      await writeRandomFile(src, 8 * MiB)
      const { sender, receiver } = await start(await newPair(), [src], {
        ...(senderHashers ? { hashers: senderHashers } : {}),
        mutateChunk: (_id, offset, chunk) => {
          if (offset !== 2 * 256 * 1024) return chunk
          const bad = new Uint8Array(chunk)
          bad[100] = (bad[100] ?? 0) ^ 0xff
          return bad
        },
      })
      await receiver.accept(sink())
      await expect(receiver.finished()).rejects.toMatchObject({ code: 'INTEGRITY' })
      await expect(sender.finished()).rejects.toMatchObject({ code: 'INTEGRITY' })
      expect(receiver.error?.message).toMatch(/SHA-256 mismatch/)
      expect(sender.error?.message).toMatch(/SHA-256 mismatch/)
      await receiver.settled()
      expect(await readdir(out)).toEqual([])
    },
    60_000,
  )

  it('a disk slower than the network makes the receiver pause the sender; its queue stays bounded', async () => {
    const src = join(dir.path, 'big.bin')
    const expected = await writeRandomFile(src, 32 * MiB)
    const { sender, receiver } = await start(
      await newPair(),
      [src],
      {},
      {
        pauseAboveBytes: 2 * MiB,
        continueBelowBytes: 512 * 1024,
        maxQueuedBytes: 24 * MiB,
      },
    )
    // The disk stalls on the first write until the sender reports that it was paused.
    const paused = new Promise<void>((resolve) => sender.on('flow', (p) => p && resolve()))
    let maxQueued = 0
    const stalled = (): FileSink => {
      const inner = new NodeFileSink({ dir: out })
      return {
        open: (f) => inner.open(f),
        readBack: (o, l) => inner.readBack(o, l),
        write: async (chunk) => {
          maxQueued = Math.max(maxQueued, receiver.queuedBytes)
          await paused
          await inner.write(chunk)
        },
        checkpoint: (o) => inner.checkpoint(o),
        complete: () => inner.complete(),
        discard: () => inner.discard(),
        close: () => inner.close(),
      }
    }
    const flow: boolean[] = []
    sender.on('flow', (p) => flow.push(p))
    await receiver.accept(stalled)
    await Promise.all([sender.finished(), receiver.finished()])
    expect(await sha256OfFile(join(out, 'big.bin'))).toBe(expected)
    expect(flow[0]).toBe(true) // paused while the disk stalled…
    expect(flow).toContain(false) // …and told to continue once it caught up
    expect(receiver.queuedBytes).toBe(0)
    expect(maxQueued).toBeLessThan(24 * MiB) // the sender stopped before the receiver's hard limit
  }, 90_000)

  it('a sink failing with DISK_FULL fails both sides with that code and keeps the partial for a resume', async () => {
    const src = join(dir.path, 'big.bin')
    await writeRandomFile(src, 16 * MiB)
    const { sender, receiver } = await start(await newPair(), [src])
    const full = (): FileSink => {
      const inner = new NodeFileSink({ dir: out })
      let written = 0
      return {
        open: (f) => inner.open(f),
        readBack: (o, l) => inner.readBack(o, l),
        write: async (chunk) => {
          if (written + chunk.byteLength > 4 * MiB)
            throw new ParleyError('DISK_FULL', 'disk full while writing')
          written += chunk.byteLength
          await inner.write(chunk)
        },
        checkpoint: (o) => inner.checkpoint(o),
        complete: () => inner.complete(),
        discard: () => inner.discard(),
        close: () => inner.close(),
      }
    }
    await receiver.accept(full)
    await expect(receiver.finished()).rejects.toMatchObject({ code: 'DISK_FULL' })
    await expect(sender.finished()).rejects.toMatchObject({
      code: 'DISK_FULL',
      message: 'disk full while writing',
    })
    await receiver.settled()
    expect((await readdir(out)).sort()).toEqual(['big.bin.parley-part', 'big.bin.parley-part.json'])
  }, 60_000)

  it('a receive run again after its first files completed verifies those in place (same size and time): none of their bytes is sent again', async () => {
    const sizes = [2 * MiB, 3 * MiB + 7, MiB]
    const paths: string[] = []
    const hashes: string[] = []
    for (const [i, size] of sizes.entries()) {
      const path = join(dir.path, `f${i}.bin`)
      hashes.push(await writeRandomFile(path, size))
      await utimes(path, new Date(), new Date(1_700_000_000_000 + i * 1000))
      paths.push(path)
    }
    // first run: only the first two files get through (the receiver declines the third)
    const first = await start(await newPair(), paths)
    await first.receiver.accept(sink(), ['0', '1'])
    await Promise.all([first.receiver.finished(), first.sender.finished()])
    expect((await stat(join(out, 'f0.bin'))).mtimeMs).toBe(1_700_000_000_000) // the sender's time
    // second run, same three files: the two already here are checked, the third is received
    const again = await start(await newPair(), paths)
    await again.receiver.accept(sink())
    await Promise.all([again.receiver.finished(), again.sender.finished()])
    expect(again.sender.dataBytesSent).toBe(sizes[2])
    expect(again.receiver.files.map((f) => f.status)).toEqual(['done', 'done', 'done'])
    expect([0, 1, 2].map((i) => again.receiver.sink(String(i))?.existing)).toEqual([true, true, false])
    for (const [i, expected] of hashes.entries()) {
      expect(await sha256OfFile(join(out, `f${i}.bin`))).toBe(expected)
    }
    expect((await readdir(out)).sort()).toEqual(['f0.bin', 'f1.bin', 'f2.bin'])
  }, 60_000)

  it('a file here with the same size and time but other content fails with FILE_EXISTS and is left untouched', async () => {
    const src = join(dir.path, 'same.bin')
    await writeRandomFile(src, 2 * MiB)
    const time = new Date(1_700_000_000_000)
    await utimes(src, time, time)
    const impostor = join(out, 'same.bin')
    const other = await writeRandomFile(impostor, 2 * MiB)
    await utimes(impostor, time, time)
    const { sender, receiver } = await start(await newPair(), [src])
    await receiver.accept(sink())
    await expect(receiver.finished()).rejects.toMatchObject({ code: 'FILE_EXISTS', message: /other content/ })
    await expect(sender.finished()).rejects.toMatchObject({ code: 'FILE_EXISTS' })
    expect(sender.dataBytesSent).toBe(0)
    await receiver.settled()
    expect(await sha256OfFile(impostor)).toBe(other)
    expect(await readdir(out)).toEqual(['same.bin'])
  }, 60_000)
})
