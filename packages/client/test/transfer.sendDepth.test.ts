import { describe, expect, it } from 'vitest'
import { SendDepth } from '../src/transfer/SendDepth.js'
import { defaultSendSettings } from '../src/transfer/SendPause.js'

const KiB = 1024

describe('SendDepth', () => {
  it('starts at the initial depth, kept within min and max', () => {
    expect(new SendDepth({ min: 64 * KiB, max: 4096 * KiB, initial: 256 * KiB }).bytes).toBe(256 * KiB)
    expect(new SendDepth({ min: 64 * KiB, max: 4096 * KiB }).bytes).toBe(256 * KiB)
    expect(new SendDepth({ min: 64 * KiB, max: 128 * KiB, initial: 1024 * KiB }).bytes).toBe(128 * KiB)
    expect(new SendDepth({ min: 64 * KiB, max: 128 * KiB, initial: 1 }).bytes).toBe(64 * KiB)
  })

  it('refilled() with less than a quarter of the depth still queued (the thread came back late) doubles it, up to max', () => {
    const depth = new SendDepth({ min: 64 * KiB, max: 512 * KiB, initial: 64 * KiB })
    expect(depth.refilled(0)).toBe(true)
    expect(depth.bytes).toBe(128 * KiB)
    expect(depth.refilled(32 * KiB - 1)).toBe(true)
    expect(depth.bytes).toBe(256 * KiB)
    expect(depth.refilled(0)).toBe(true)
    expect(depth.bytes).toBe(512 * KiB)
    expect(depth.refilled(0)).toBe(false)
    expect(depth.bytes).toBe(512 * KiB)
    expect(depth.grown).toBe(3)
  })

  it('calmRefills refills in a row with at least half the depth still queued halve it, down to min', () => {
    const depth = new SendDepth({ min: 64 * KiB, max: 4096 * KiB, initial: 256 * KiB, calmRefills: 4 })
    for (let i = 0; i < 3; i++) expect(depth.refilled(128 * KiB)).toBe(false)
    expect(depth.bytes).toBe(256 * KiB)
    expect(depth.refilled(256 * KiB)).toBe(true)
    expect(depth.bytes).toBe(128 * KiB)
    for (let i = 0; i < 4; i++) depth.refilled(64 * KiB)
    expect(depth.bytes).toBe(64 * KiB)
    for (let i = 0; i < 8; i++) expect(depth.refilled(64 * KiB)).toBe(false)
    expect(depth.bytes).toBe(64 * KiB)
    expect(depth.grown).toBe(0)
  })

  it('a refill between a quarter and a half of the depth neither grows it nor counts as calm; a late one starts the count again', () => {
    const depth = new SendDepth({ min: 64 * KiB, max: 4096 * KiB, initial: 256 * KiB, calmRefills: 4 })
    for (let i = 0; i < 3; i++) depth.refilled(200 * KiB)
    expect(depth.refilled(100 * KiB)).toBe(false) // between: the count starts again
    for (let i = 0; i < 3; i++) expect(depth.refilled(200 * KiB)).toBe(false)
    expect(depth.bytes).toBe(256 * KiB)
    expect(depth.refilled(0)).toBe(true)
    expect(depth.bytes).toBe(512 * KiB)
    for (let i = 0; i < 3; i++) expect(depth.refilled(256 * KiB)).toBe(false)
    expect(depth.refilled(256 * KiB)).toBe(true)
    expect(depth.bytes).toBe(256 * KiB)
  })
})

describe('defaultSendSettings', () => {
  it('in Node: 256 KiB chunks and fixed water marks of 8 / 4 MiB, no adaptive depth', () => {
    expect(defaultSendSettings()).toEqual({ chunkSize: 256 * KiB, high: 8192 * KiB, low: 4096 * KiB })
  })
})
