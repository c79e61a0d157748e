import { describe, expect, it } from 'vitest'
import { ParleyError } from '../src/errors.js'
import { BufferPool } from '../src/transfer/BufferPool.js'
import { type GatherTarget, WriteGatherer } from '../src/transfer/WriteGatherer.js'

const KiB = 1024
const STAGE = 64 * KiB

interface Put {
  at: number
  bytes: Uint8Array
  gathered: boolean
  settle(error?: unknown): void
}

/** A target whose writes settle when the test says, recording each one (bytes copied). */
function recordingTarget(pool = new BufferPool(STAGE, 8)) {
  const puts: Put[] = []
  const file = new Uint8Array(1024 * KiB)
  const target: GatherTarget = {
    take: () => pool.take(),
    put: (at, bytes, gathered) =>
      new Promise<void>((resolve, reject) => {
        file.set(bytes, at)
        puts.push({
          at,
          bytes: bytes.slice(),
          gathered,
          settle: (error) => (error === undefined ? resolve() : reject(error)),
        })
      }),
  }
  return { target, puts, file, pool }
}

const toError = (error: unknown) => new ParleyError('WRITE_FAILED', 'write failed', { cause: error })

function pattern(from: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i++) bytes[i] = (from + i) & 0xff
  return bytes
}

/** Settles every recorded write as it comes (a target that always keeps up). */
function settleAll(puts: Put[]): void {
  for (const put of puts) put.settle()
}

describe('WriteGatherer', () => {
  it('write() of 4 KiB chunks hands the target one write per stageBytes, at the right offsets, and drain() writes the remainder', async () => {
    const { target, puts, file } = recordingTarget()
    const g = new WriteGatherer(target, { stageBytes: STAGE, maxInFlight: 4, toError })
    const size = 2 * STAGE + 1000
    g.reset(0, 8 * STAGE) // a larger file: the last 1000 bytes stay gathered
    for (let at = 0; at < size; at += 4 * KiB) {
      const chunk = pattern(at, Math.min(4 * KiB, size - at))
      const writing = g.write(chunk)
      settleAll(puts)
      await writing
    }
    expect(puts.map((p) => [p.at, p.bytes.byteLength, p.gathered])).toEqual([
      [0, STAGE, true],
      [STAGE, STAGE, true],
    ])
    expect(g.staged).toBe(1000)
    expect(g.position).toBe(size)
    const draining = g.drain()
    settleAll(puts)
    await draining
    expect(puts.map((p) => [p.at, p.bytes.byteLength])).toEqual([
      [0, STAGE],
      [STAGE, STAGE],
      [2 * STAGE, 1000],
    ])
    expect(file.subarray(0, size)).toEqual(pattern(0, size))
  })

  it('a chunk of stageBytes or more with nothing gathered is handed over as it is (not gathered, not copied)', async () => {
    const { target, puts } = recordingTarget()
    const g = new WriteGatherer(target, { stageBytes: STAGE, maxInFlight: 4, toError })
    g.reset(0, 4 * STAGE)
    const big = pattern(0, 2 * STAGE)
    const writing = g.write(big)
    settleAll(puts)
    await writing
    expect(puts).toHaveLength(1)
    expect(puts[0]).toMatchObject({ at: 0, gathered: false })
    expect(puts[0]?.bytes.byteLength).toBe(2 * STAGE)
  })

  it('the last buffer of a file is sized to what the file has left; a full stage comes from take()', async () => {
    const pool = new BufferPool(STAGE, 8)
    const spare = new Uint8Array(STAGE)
    pool.give(spare.buffer)
    const taken: ArrayBuffer[] = []
    const { target, puts } = recordingTarget(pool)
    const put = target.put
    target.put = (at, bytes, gathered) => {
      taken.push(bytes.buffer)
      return put(at, bytes, gathered)
    }
    const g = new WriteGatherer(target, { stageBytes: STAGE, maxInFlight: 4, toError })
    g.reset(0, STAGE + 100)
    for (let at = 0; at < STAGE + 100; at += 50) {
      const writing = g.write(pattern(at, Math.min(50, STAGE + 100 - at)))
      settleAll(puts)
      await writing
    }
    expect(taken).toHaveLength(2)
    expect(taken[0]).toBe(spare.buffer)
    // the file's last 100 bytes filled a buffer of their own size: written without a drain
    expect(taken[1]?.byteLength).toBe(100)
    expect(g.staged).toBe(0)
  })

  it('write() waits while maxInFlight writes are pending and resolves once one settles', async () => {
    const { target, puts } = recordingTarget()
    const g = new WriteGatherer(target, { stageBytes: STAGE, maxInFlight: 2, toError })
    g.reset(0, 8 * STAGE)
    await g.write(pattern(0, STAGE))
    let third = false
    const second = g.write(pattern(STAGE, STAGE))
    void second.then(() => {
      third = true
    })
    await Promise.resolve()
    await Promise.resolve()
    expect(g.pending).toBe(2)
    expect(third).toBe(false)
    puts[0]?.settle()
    await second
    expect(third).toBe(true)
    expect(g.pending).toBe(1)
  })

  it('a failed write rejects the next write() and drain() with the sink’s error (cause kept)', async () => {
    const { target, puts } = recordingTarget()
    const g = new WriteGatherer(target, { stageBytes: STAGE, maxInFlight: 4, toError })
    g.reset(0, 8 * STAGE)
    await g.write(pattern(0, STAGE))
    const disk = new Error('disk gone')
    puts[0]?.settle(disk)
    await g.settle()
    await expect(g.write(pattern(STAGE, 10))).rejects.toMatchObject({ code: 'WRITE_FAILED', cause: disk })
    await expect(g.drain()).rejects.toMatchObject({ code: 'WRITE_FAILED' })
  })

  it('a target that throws at once fails like a rejected write, not the caller’s write()', async () => {
    const g = new WriteGatherer(
      {
        take: () => new Uint8Array(STAGE),
        put: () => {
          throw new Error('closed')
        },
      },
      { stageBytes: STAGE, maxInFlight: 4, toError },
    )
    g.reset(0, 4 * STAGE)
    await g.write(pattern(0, STAGE))
    await expect(g.drain()).rejects.toMatchObject({ code: 'WRITE_FAILED' })
  })

  it('drop() forgets what is gathered (never written) and moves the position back to the last byte handed over', async () => {
    const { target, puts } = recordingTarget()
    const g = new WriteGatherer(target, { stageBytes: STAGE, maxInFlight: 4, toError })
    g.reset(10, 8 * STAGE)
    await g.write(pattern(0, 3000))
    expect(g.position).toBe(3010)
    g.drop()
    expect(g.staged).toBe(0)
    expect(g.position).toBe(10)
    await g.drain()
    expect(puts).toHaveLength(0)
  })

  it('options must be positive integers (INVALID_ARGUMENT)', () => {
    const target = recordingTarget().target
    expect(() => new WriteGatherer(target, { stageBytes: 0, maxInFlight: 4, toError })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
    expect(() => new WriteGatherer(target, { stageBytes: STAGE, maxInFlight: 1.5, toError })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })
})
