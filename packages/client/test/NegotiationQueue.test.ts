import { describe, expect, it } from 'vitest'
import { isParleyError } from '../src/errors.js'
import { NegotiationQueue } from '../src/NegotiationQueue.js'

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

describe('NegotiationQueue', () => {
  it('runs steps one at a time in submission order, never interleaving', async () => {
    const q = new NegotiationQueue()
    const log: string[] = []
    const gate = deferred()
    const a = q.run(async () => {
      log.push('a:start')
      await gate.promise
      log.push('a:end')
    })
    const b = q.run(async () => {
      log.push('b:start')
      log.push('b:end')
    })
    const c = q.run(() => {
      log.push('c')
      return 42
    })
    await Promise.resolve()
    expect(log).toEqual(['a:start'])
    expect(q.pending).toBe(3)
    gate.resolve()
    await Promise.all([a, b])
    expect(await c).toBe(42)
    expect(log).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c'])
    expect(q.pending).toBe(0)
  })

  it('a failing step rejects its own promise and the next steps still run', async () => {
    const q = new NegotiationQueue()
    const failed = q.run(async () => {
      throw new Error('sdp rejected')
    })
    const next = q.run(async () => 'ran')
    await expect(failed).rejects.toThrow('sdp rejected')
    await expect(next).resolves.toBe('ran')
  })

  it('after close() queued steps are skipped and new ones reject with CLOSED', async () => {
    const q = new NegotiationQueue()
    const gate = deferred()
    const started = deferred()
    const first = q.run(async () => {
      started.resolve()
      await gate.promise
    })
    await started.promise
    let ran = false
    const queued = q.run(() => {
      ran = true
    })
    q.close()
    gate.resolve()
    await first
    await expect(queued).rejects.toSatisfy((e) => isParleyError(e, 'CLOSED'))
    expect(ran).toBe(false)
    await expect(q.run(() => 1)).rejects.toSatisfy((e) => isParleyError(e, 'CLOSED'))
  })
})
