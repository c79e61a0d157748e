import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FileReceiver } from '../../src/transfer/FileReceiver.js'
import { FileSender } from '../../src/transfer/FileSender.js'
import { loadHasherFactory } from '../../src/transfer/hash.js'
import { transferChannelLabel } from '../../src/transfer/messages.js'
import { NodeFileSink } from '../../src/transfer/node/NodeFileSink.js'
import { NodeFileSource } from '../../src/transfer/node/NodeFileSource.js'
import { connectedPair, nextRemoteChannel, sha256OfFile, tempDir, writeRandomFile } from './support.js'

const MiB = 1024 * 1024

describe('FileSender → FileReceiver over node-datachannel', () => {
  let dir: { path: string; remove: () => Promise<void> }
  let pair: Awaited<ReturnType<typeof connectedPair>>
  beforeEach(async () => {
    dir = await tempDir()
    pair = await connectedPair()
  })
  afterEach(async () => {
    pair.close()
    await dir.remove()
  })

  async function start(
    paths: string[],
    outDir: string,
    senderOptions: Partial<ConstructorParameters<typeof FileSender>[0]> = {},
  ) {
    const hasherFactory = await loadHasherFactory()
    const sources = await Promise.all(paths.map((p) => NodeFileSource.open(p)))
    const sender = new FileSender({ sources, hasherFactory, ...senderOptions })
    const remote = nextRemoteChannel(pair.b, 'parley-file:')
    sender.attach(pair.a.createDataChannel(transferChannelLabel(sender.id)), {
      maxMessageSize: pair.a.sctp?.maxMessageSize,
    })
    const receiver = await FileReceiver.fromChannel(await remote, { hasherFactory })
    const sink = () => new NodeFileSink({ dir: outDir })
    return { sender, receiver, sink }
  }

  it('sends 256 MiB with equal SHA-256 on both sides and in the written file', async () => {
    const src = join(dir.path, 'big.bin')
    const expected = await writeRandomFile(src, 256 * MiB)
    const out = join(dir.path, 'out')
    await import('node:fs/promises').then((fs) => fs.mkdir(out))
    const { sender, receiver, sink } = await start([src], out)
    expect(receiver.files.map((f) => [f.name, f.size])).toEqual([['big.bin', 256 * MiB]])
    const started = performance.now()
    await receiver.accept(sink)
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
  }, 120_000)
})
