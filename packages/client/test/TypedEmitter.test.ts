import { describe, expect, it, vi } from 'vitest'
import { TypedEmitter } from '../src/TypedEmitter.js'

interface Events {
  ping: (n: number) => void
  done: () => void
}
class Emitter extends TypedEmitter<Events> {
  fire<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    this.emit(event, ...args)
  }
}

describe('TypedEmitter', () => {
  it('on() delivers events with their arguments and the returned function unsubscribes', () => {
    const e = new Emitter()
    const seen: number[] = []
    const off = e.on('ping', (n) => seen.push(n))
    e.fire('ping', 1)
    off()
    e.fire('ping', 2)
    expect(seen).toEqual([1])
    expect(e.listenerCount('ping')).toBe(0)
  })

  it('once() delivers only the next event', () => {
    const e = new Emitter()
    const fn = vi.fn()
    e.once('done', fn)
    e.fire('done')
    e.fire('done')
    expect(fn).toHaveBeenCalledTimes(1)
  })

  it('a throwing listener does not stop the others and goes to the error handler', () => {
    const errors: unknown[] = []
    const e = new (class extends Emitter {})((error) => errors.push(error))
    const fn = vi.fn()
    e.on('ping', () => {
      throw new Error('boom')
    })
    e.on('ping', fn)
    e.fire('ping', 3)
    expect(fn).toHaveBeenCalledWith(3)
    expect(errors).toHaveLength(1)
  })

  it('a listener removed during emit by another listener still completes the current emit safely', () => {
    const e = new Emitter()
    const calls: string[] = []
    const b = (): void => {
      calls.push('b')
    }
    e.on('done', () => {
      calls.push('a')
      e.off('done', b)
    })
    e.on('done', b)
    e.fire('done')
    e.fire('done')
    expect(calls).toEqual(['a', 'b', 'a'])
  })
})
