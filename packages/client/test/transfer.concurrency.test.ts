import { describe, expect, it } from 'vitest'
import { eachLimited, InFlight } from '../src/transfer/concurrency.js'

/** A task that settles when told to, recording when it started. */
function gated() {
  const started: number[] = []
  const release = new Map<number, (fail?: Error) => void>()
  let running = 0
  let most = 0
  const task = (n: number) =>
    new Promise<void>((resolve, reject) => {
      started.push(n)
      most = Math.max(most, ++running)
      release.set(n, (fail) => {
        running--
        if (fail) reject(fail)
        else resolve()
      })
    })
  return { started, release, task, most: () => most, running: () => running }
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve))

describe('eachLimited', () => {
  it('starts the items in order, never more than the limit at once, and resolves when all are done', async () => {
    const g = gated()
    const items = [0, 1, 2, 3, 4, 5, 6]
    let done = false
    const all = eachLimited(items, 3, g.task).then(() => {
      done = true
    })
    await settle()
    expect(g.started).toEqual([0, 1, 2])
    g.release.get(1)?.()
    g.release.delete(1)
    await settle()
    expect(g.started).toEqual([0, 1, 2, 3])
    for (const n of items) {
      g.release.get(n)?.()
      g.release.delete(n)
      await settle()
    }
    await all
    expect(done).toBe(true)
    expect(g.started).toEqual(items)
    expect(g.most()).toBe(3)
  })

  it('after a failure starts nothing more, and rejects with it once the started tasks settled', async () => {
    const g = gated()
    let outcome: unknown
    const all = eachLimited([0, 1, 2, 3, 4], 2, g.task).catch((error: unknown) => {
      outcome = error
    })
    await settle()
    g.release.get(0)?.(new Error('no room'))
    await settle()
    expect(g.started).toEqual([0, 1]) // nothing started after the failure
    expect(outcome).toBeUndefined() // task 1 still runs
    g.release.get(1)?.()
    await all
    expect(outcome).toMatchObject({ message: 'no room' })
    expect(g.running()).toBe(0)
  })

  it('starts nothing more once stop() says so', async () => {
    const seen: number[] = []
    let stop = false
    await eachLimited(
      [0, 1, 2, 3],
      1,
      async (n) => {
        seen.push(n)
        if (n === 1) stop = true
      },
      () => stop,
    )
    expect(seen).toEqual([0, 1])
  })
})

describe('InFlight', () => {
  it('room() waits while the limit runs; idle() waits for all, including tasks added meanwhile; failures go to onError', async () => {
    const g = gated()
    const errors: unknown[] = []
    const inFlight = new InFlight(2)
    inFlight.add(g.task(0), (e) => errors.push(e))
    inFlight.add(g.task(1), (e) => errors.push(e))
    let roomy = false
    const room = inFlight.room().then(() => {
      roomy = true
    })
    await settle()
    expect(roomy).toBe(false)
    g.release.get(0)?.(new Error('rename failed'))
    await room
    expect(inFlight.size).toBe(1)
    expect(errors).toMatchObject([{ message: 'rename failed' }])
    let idle = false
    const idling = inFlight.idle().then(() => {
      idle = true
    })
    inFlight.add(g.task(2), (e) => errors.push(e))
    g.release.get(1)?.()
    await settle()
    expect(idle).toBe(false) // task 2 was added meanwhile
    g.release.get(2)?.()
    await idling
    expect(inFlight.size).toBe(0)
    expect(errors).toHaveLength(1)
  })
})
