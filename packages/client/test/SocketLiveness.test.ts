import { afterEach, describe, expect, it } from 'vitest'
import { isPingingSocket, SocketLiveness } from '../src/SocketLiveness.js'

describe('SocketLiveness', () => {
  let clock = 0
  const watches: SocketLiveness[] = []
  const watch = (onDead: (silentMs: number) => void) => {
    const w = new SocketLiveness(onDead, { now: () => clock, checkEveryMs: 60_000 })
    watches.push(w)
    return w
  }
  afterEach(() => {
    for (const w of watches.splice(0)) w.stop()
    clock = 0
  })

  it('a socket silent for three times the pings’ rhythm (15 s at least) is dead, once; pings and messages keep it alive', () => {
    const dead: number[] = []
    const w = watch((ms) => dead.push(ms))
    for (let i = 0; i < 4; i++) {
      clock += 5000
      w.ping()
    }
    clock += 10_000
    w.message() // a message counts as a sign of life
    clock += 15_000
    w.check()
    expect(dead).toEqual([]) // 15 s: not more than 3 × 5 s
    clock += 1
    w.check()
    w.check()
    expect(dead).toEqual([15_001])
  })

  it('the longest gap seen sets the limit; before two pings there is no verdict', () => {
    const dead: number[] = []
    const w = watch((ms) => dead.push(ms))
    clock += 60_000
    w.check()
    w.ping()
    clock += 120_000
    w.check()
    expect(dead).toEqual([]) // one ping: the server's rhythm is unknown
    w.ping() // a gap of 120 s (a server that pings rarely)
    clock += 359_000
    w.check()
    expect(dead).toEqual([])
    clock += 2000
    w.check()
    expect(dead).toEqual([361_000])
  })

  it('after stop() nothing is judged', () => {
    const dead: number[] = []
    const w = watch((ms) => dead.push(ms))
    w.ping()
    clock += 5000
    w.ping()
    w.stop()
    clock += 100_000
    w.check()
    expect(dead).toEqual([])
  })

  it('isPingingSocket() tells the ws package’s socket (events and terminate) from a W3C one', () => {
    expect(isPingingSocket({ on() {}, terminate() {} })).toBe(true)
    expect(isPingingSocket({ send() {}, close() {} })).toBe(false)
    expect(isPingingSocket(null)).toBe(false)
  })
})
