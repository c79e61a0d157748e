import { readdirSync, readlinkSync } from 'node:fs'
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FILES_READ_AHEAD } from '../src/transfer/FileReaders.js'
import { FileReceiver } from '../src/transfer/FileReceiver.js'
import { FileSender } from '../src/transfer/FileSender.js'
import { tsHashers } from '../src/transfer/hash.js'
import { NodeFileSink } from '../src/transfer/node/NodeFileSink.js'
import { NodeFileSource } from '../src/transfer/node/NodeFileSource.js'
import { memoryChannelPair } from './transfer/memoryChannel.js'
import { fileMeta, tempDir } from './transfer/support.js'

/** How many of this process's file descriptors point inside `dir` (Linux: /proc/self/fd). */
function descriptorsIn(dir: string): number {
  let count = 0
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(`${dir}/`)) count++
    } catch {
      // closed meanwhile (the readdir's own descriptor)
    }
  }
  return count
}

const meta = fileMeta

describe('file descriptors of Node sources and sinks', () => {
  let dir: { path: string; remove: () => Promise<void> }
  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(() => dir.remove())

  it('NodeFileSource holds no descriptor after open(), holds one between reads, and none once a read reaches the end', async () => {
    const path = join(dir.path, 'f.bin')
    await writeFile(path, 'abcdefgh')
    const source = await NodeFileSource.open(path)
    expect(descriptorsIn(dir.path)).toBe(0)
    expect(Buffer.from(await source.read(0, 4)).toString()).toBe('abcd')
    expect(descriptorsIn(dir.path)).toBe(1)
    expect(Buffer.from(await source.read(4, 4)).toString()).toBe('efgh')
    expect(descriptorsIn(dir.path)).toBe(0)
    // a resume reads it again
    expect(Buffer.from(await source.read(2, 6)).toString()).toBe('cdefgh')
    expect(descriptorsIn(dir.path)).toBe(0)
    await source.close()
    await expect(source.read(0, 1)).rejects.toMatchObject({ code: 'READ_FAILED' })
  })

  it('NodeFileSource.read() rejects with READ_FAILED when the file changed or was replaced since it was offered', async () => {
    const path = join(dir.path, 'f.bin')
    await writeFile(path, 'abcdefgh')
    const grown = await NodeFileSource.open(path)
    await appendFile(path, 'ij')
    await expect(grown.read(0, 8)).rejects.toMatchObject({
      code: 'READ_FAILED',
      message: expect.stringContaining('changed since it was offered'),
    })
    const replaced = await NodeFileSource.open(path)
    await writeFile(join(dir.path, 'other'), 'abcdefghij')
    const { rename } = await import('node:fs/promises')
    await rename(join(dir.path, 'other'), path)
    await expect(replaced.read(0, 8)).rejects.toMatchObject({ code: 'READ_FAILED' })
    expect(descriptorsIn(dir.path)).toBe(0)
  })

  it('NodeFileSink holds no descriptor after open() (fresh, resumed or received earlier) until its first write, and none once complete', async () => {
    const sinks: NodeFileSink[] = []
    for (let i = 0; i < 50; i++) {
      const sink = new NodeFileSink({ dir: dir.path })
      expect(await sink.open(meta(`f${i}.bin`, 40 << 20))).toBe(0)
      sinks.push(sink)
    }
    expect(descriptorsIn(dir.path)).toBe(0)
    const first = sinks[0]!
    await first.write(new Uint8Array(1 << 20).fill(1))
    await first.checkpoint(1 << 20)
    expect(descriptorsIn(dir.path)).toBeGreaterThan(0)
    await first.close()
    expect(descriptorsIn(dir.path)).toBe(0)
    for (const sink of sinks.slice(1)) await sink.discard()

    // resumed: the stored prefix is read back without keeping the file open
    const again = new NodeFileSink({ dir: dir.path })
    expect(await again.open(meta('f0.bin', 40 << 20))).toBe(1 << 20)
    expect(descriptorsIn(dir.path)).toBe(0)
    expect((await again.readBack(0, 4)).every((b) => b === 1)).toBe(true)
    expect(descriptorsIn(dir.path)).toBe(0)
    await again.write(new Uint8Array(39 << 20).fill(2))
    await again.complete()
    expect(descriptorsIn(dir.path)).toBe(0)
    const file = await readFile(join(dir.path, 'f0.bin'))
    expect([file.length, file[0], file[(1 << 20) - 1], file[1 << 20], file[file.length - 1]]).toEqual([
      40 << 20,
      1,
      1,
      2,
      2,
    ])

    // received earlier: verified in place, never held open
    const earlier = new NodeFileSink({ dir: dir.path })
    expect(await earlier.open(meta('f0.bin', 40 << 20))).toBe(40 << 20)
    expect(earlier.existing).toBe(true)
    expect(descriptorsIn(dir.path)).toBe(0)
    expect((await earlier.readBack((40 << 20) - 2, 2)).every((b) => b === 2)).toBe(true)
    await earlier.complete()
    expect(descriptorsIn(dir.path)).toBe(0)
  })

  it('a transfer of 300 files from Node sources to Node sinks never holds more than a few descriptors on either side', async () => {
    const src = join(dir.path, 'src')
    const out = join(dir.path, 'out')
    await mkdir(src)
    await mkdir(out)
    const names = Array.from({ length: 300 }, (_, i) => `${String(i).padStart(3, '0')}.txt`)
    for (const [i, name] of names.entries()) await writeFile(join(src, name), `file ${i}\n`.repeat(i))
    const sources = await Promise.all(names.map((n) => NodeFileSource.open(join(src, n))))
    const { local, remote } = memoryChannelPair('parley-file:fds')
    const sender = new FileSender({ id: 'fds', sources, hashers: tsHashers })
    sender.attach(local.asChannel())
    const receiver = await FileReceiver.fromChannel(remote.asChannel(), { hashers: tsHashers }, 5000)
    let most = { sending: 0, receiving: 0 }
    const sample = () => {
      most = {
        sending: Math.max(most.sending, descriptorsIn(src)),
        receiving: Math.max(most.receiving, descriptorsIn(out)),
      }
    }
    sender.on('progress', sample)
    receiver.on('progress', sample)
    receiver.on('file', sample)
    sender.on('file', sample)
    await receiver.accept(() => new NodeFileSink({ dir: out }))
    sample()
    await Promise.all([sender.finished(), receiver.finished()])
    sample()
    await Promise.all(sources.map((s) => s.close()))
    for (const i of [0, 150, 299]) {
      expect(await readFile(join(out, names[i]!), 'utf8')).toBe(`file ${i}\n`.repeat(i))
    }
    // the file being sent and the files read ahead of their turn, each perhaps beside one read to
    // its end whose close is still queued; the file being written and the ends still queued
    expect(most.sending).toBeLessThanOrEqual(2 * (1 + FILES_READ_AHEAD))
    expect(most.receiving).toBeLessThanOrEqual(10)
    expect(descriptorsIn(dir.path)).toBe(0)
  })
})
