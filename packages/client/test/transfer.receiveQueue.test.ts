import { describe, expect, it } from 'vitest'
import { ReceiveQueue } from '../src/transfer/ReceiveQueue.js'

describe('ReceiveQueue', () => {
  it('writes in order, stores ends concurrently, reports them in file order; after a failed end nothing later is reported', async () => {
    const log: string[] = []
    const failures: unknown[] = []
    const gates = new Map<string, () => void>()
    const queue = new ReceiveQueue<string>({
      start: (r) => log.push(`start ${r}`),
      data: async (r, bytes) => {
        log.push(`data ${r} ${bytes.byteLength}`)
      },
      store: (r) =>
        new Promise<string>((resolve, reject) => {
          gates.set(r, () => (r === 'c' ? reject(new Error('c: disk full')) : resolve(`digest of ${r}`)))
        }),
      stored: (r, digest) => log.push(`stored ${r} (${digest})`),
      failed: (error) => failures.push(error),
      stopped: () => false,
    })
    for (const r of ['a', 'b', 'c', 'd']) {
      queue.push({ k: 'start', r })
      queue.push({ k: 'data', r, bytes: new Uint8Array(3) })
      queue.push({ k: 'end', r, sha256: 'x' })
    }
    // every file's bytes are written although no end is stored yet
    while (gates.size < 4) await new Promise((resolve) => setImmediate(resolve))
    expect(log.filter((l) => l.startsWith('data'))).toEqual(['data a 3', 'data b 3', 'data c 3', 'data d 3'])
    gates.get('b')?.() // stored first, reported after a
    gates.get('d')?.()
    await new Promise((resolve) => setImmediate(resolve))
    expect(log.filter((l) => l.startsWith('stored'))).toEqual([])
    gates.get('a')?.()
    gates.get('c')?.()
    await queue.drained()
    expect(log.filter((l) => l.startsWith('stored'))).toEqual([
      'stored a (digest of a)',
      'stored b (digest of b)',
    ])
    expect(failures).toMatchObject([{ message: 'c: disk full' }])
  })
})
