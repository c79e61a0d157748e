import { randomBytes } from 'node:crypto'
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ParleyError } from '../src/errors.js'
import {
  DIRECT_IO_ALIGNMENT,
  type DirectHandle,
  DirectWriteBehind,
  openDirect,
} from '../src/transfer/node/DirectWriteBehind.js'
import { NodeFileSink } from '../src/transfer/node/NodeFileSink.js'

const A = DIRECT_IO_ALIGNMENT
const KiB = 1024
const MiB = 1024 * KiB
const toError = (cause: unknown) => new ParleyError('WRITE_FAILED', 'write failed', { cause })

let dir = ''
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-direct-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Whether this machine's temporary directory takes O_DIRECT writes (ext4, xfs… yes; some tmpfs no). */
const directHere = await (async () => {
  const d = await mkdtemp(join(tmpdir(), 'parley-direct-probe-'))
  try {
    await writeFile(join(d, 'f'), '')
    const h = await openDirect(join(d, 'f'))
    await h?.close()
    return h !== undefined
  } finally {
    await rm(d, { recursive: true, force: true })
  }
})()

/** A direct handle in memory that, like the kernel, refuses memory not aligned to `memoryAlign`
 * (as seen through `offset`: the test's buffers start at an aligned address plus `skew`) and file
 * offsets or lengths not aligned to A. */
function fakeDirect(options: { skew: number }) {
  const file = new Uint8Array(16 * MiB)
  const writes: { position: number; length: number }[] = []
  let closed = 0
  const state = { failing: false }
  const handle: DirectHandle = {
    async write(buffer: Uint8Array, offset = 0, length = buffer.byteLength, position = 0) {
      const address = buffer.byteOffset + offset + options.skew
      if (address % 512 !== 0 || position % A !== 0 || length % A !== 0) {
        throw Object.assign(new Error('EINVAL'), { code: 'EINVAL' })
      }
      if (state.failing) {
        throw Object.assign(new Error('no space'), { code: 'ENOSPC' })
      }
      file.set(buffer.subarray(offset, offset + length), Number(position))
      writes.push({ position: Number(position), length })
      return { bytesWritten: length, buffer }
    },
    async close() {
      closed++
    },
  } as DirectHandle
  return {
    handle,
    file,
    writes,
    state,
    get closed() {
      return closed
    },
  }
}

/** Splits `bytes` into chunks of random sizes (1 B – 300 KiB). */
function* randomChunks(bytes: Uint8Array): Generator<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; ) {
    const n = Math.min(bytes.byteLength - at, 1 + Math.floor(Math.random() * 300 * KiB))
    yield bytes.subarray(at, at + n)
    at += n
  }
}

describe('DirectWriteBehind', () => {
  it('create() finds the aligned start inside its buffer and writes only whole aligned blocks directly', async () => {
    const part = join(dir, 'f')
    const handle = await open(part, 'w+')
    const fake = fakeDirect({ skew: 512 - 80 })
    const writer = await DirectWriteBehind.create(handle, fake.handle, 0, toError, { slabBytes: 64 * KiB })
    expect(writer).toBeInstanceOf(DirectWriteBehind)
    const data = randomBytes(300 * KiB + 123)
    for (const chunk of randomChunks(data)) await writer!.write(chunk)
    await writer!.drain()
    await writer!.close()
    await handle.close()
    for (const w of fake.writes) {
      expect(w.position % A).toBe(0)
      expect(w.length % A).toBe(0)
    }
    // the direct writes hold every whole block; the partial last block went through the handle
    const whole = data.byteLength - (data.byteLength % A)
    expect(Buffer.from(fake.file.subarray(0, whole)).equals(data.subarray(0, whole))).toBe(true)
    const buffered = await readFile(part)
    expect(buffered.subarray(whole).equals(data.subarray(whole))).toBe(true)
    expect(fake.closed).toBe(1)
  })

  it('create() resolves undefined when a probe write fails otherwise than EINVAL (the file system refuses)', async () => {
    const handle = await open(join(dir, 'f'), 'w+')
    const fake = fakeDirect({ skew: 0 })
    fake.state.failing = true
    expect(await DirectWriteBehind.create(handle, fake.handle, 0, toError)).toBeUndefined()
    expect(fake.closed).toBe(1)
    await handle.close()
  })

  it('create() resolves undefined and closes the direct handle when no offset is accepted', async () => {
    const handle = await open(join(dir, 'f'), 'w+')
    const refusing = fakeDirect({ skew: 1 }) // never 512-aligned at a 16-byte step
    expect(await DirectWriteBehind.create(handle, refusing.handle, 0, toError)).toBeUndefined()
    expect(refusing.closed).toBe(1)
    await handle.close()
  })

  it('rejects the next write() and drain() with the first failed direct write, mapped by toError', async () => {
    const handle = await open(join(dir, 'f'), 'w+')
    const fake = fakeDirect({ skew: 0 })
    const writer = await DirectWriteBehind.create(handle, fake.handle, 0, toError, {
      slabBytes: 64 * KiB,
      slabs: 2,
    })
    await writer!.write(new Uint8Array(64 * KiB)) // one slab goes out
    fake.state.failing = true
    let error: unknown
    try {
      for (let i = 0; i < 64; i++) await writer!.write(new Uint8Array(32 * KiB))
      await writer!.drain()
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ParleyError)
    expect((error as ParleyError).code).toBe('WRITE_FAILED')
    await expect(writer!.drain()).rejects.toBe(error)
    await writer!.settle()
    await writer!.close()
    await handle.close()
  })

  it.runIf(directHere)(
    'on a real file, with drains at odd offsets (checkpoints), stores exactly the bytes written',
    async () => {
      const part = join(dir, 'f')
      const handle = await open(part, 'w+')
      const direct = await openDirect(part)
      const writer = await DirectWriteBehind.create(handle, direct!, 0, toError, { slabBytes: 256 * KiB })
      expect(writer).toBeInstanceOf(DirectWriteBehind)
      const data = randomBytes(5 * MiB + 4321)
      let n = 0
      for (const chunk of randomChunks(data)) {
        await writer!.write(chunk)
        if (++n % 3 === 0) {
          await writer!.drain()
          // what a checkpoint promises: everything so far is in the file
          const stored = await readFile(part)
          expect(stored.byteLength).toBeGreaterThanOrEqual(writer!.position)
          expect(stored.subarray(0, writer!.position).equals(data.subarray(0, writer!.position))).toBe(true)
        }
      }
      await writer!.drain()
      await writer!.close()
      await handle.close()
      expect((await readFile(part)).equals(data)).toBe(true)
    },
  )

  it.runIf(directHere)(
    'resumes at an unaligned offset without changing the bytes stored before it',
    async () => {
      const part = join(dir, 'f')
      const data = randomBytes(3 * MiB + 777)
      const resumeAt = 1 * MiB + 1234
      await writeFile(part, data.subarray(0, resumeAt))
      const handle = await open(part, 'r+')
      const writer = await DirectWriteBehind.create(handle, (await openDirect(part))!, resumeAt, toError)
      expect(writer?.position).toBe(resumeAt)
      for (const chunk of randomChunks(data.subarray(resumeAt))) await writer!.write(chunk)
      await writer!.drain()
      await writer!.close()
      await handle.close()
      expect((await readFile(part)).equals(data)).toBe(true)
    },
  )
})

describe('NodeFileSink direct I/O', () => {
  const meta = (size: number) => ({ id: '0', name: 'f.bin', size, type: '', lastModified: 1_700_000_000_000 })

  async function receive(size: number, options: { directIo?: boolean } = {}) {
    const data = randomBytes(size)
    const sink = new NodeFileSink({ dir, ...options })
    expect(await sink.open(meta(size))).toBe(0)
    let n = 0
    for (const chunk of randomChunks(data)) {
      await sink.write(chunk)
      if (++n % 5 === 0) await sink.checkpoint(n) // the offset is the sidecar's business
    }
    const direct = sink.directIo
    await sink.complete()
    expect((await readFile(join(dir, 'f.bin'))).equals(data)).toBe(true)
    return direct
  }

  it.runIf(directHere)(
    'writes a file of 32 MiB or more with O_DIRECT and completes it byte for byte',
    async () => {
      expect(await receive(32 * MiB + 99)).toBe(true)
    },
  )

  it('writes through the page cache when asked (directIo: false) or for a file under 32 MiB', async () => {
    expect(await receive(33 * MiB, { directIo: false })).toBe(false)
    await rm(join(dir, 'f.bin'))
    expect(await receive(32 * MiB - 1)).toBe(false)
  })
})
