import { describe, expect, it } from 'vitest'
import {
  type AcceptedTransfer,
  MAX_JOURNAL_ENTRIES,
  MemoryTransferJournal,
  StorageTransferJournal,
} from '../src/transfer/TransferJournal.js'

class MapStorage {
  readonly map = new Map<string, string>()
  failWrites = false
  getItem(key: string): string | null {
    return this.map.get(key) ?? null
  }
  setItem(key: string, value: string): void {
    if (this.failWrites) throw new Error('QuotaExceededError')
    this.map.set(key, value)
  }
  removeItem(key: string): void {
    this.map.delete(key)
  }
}

const entry = (transferId: string, peerId = 'ada'): AcceptedTransfer => ({
  peerId,
  transferId,
  files: [{ id: '0', name: 'big.bin', size: 100 * 1024 * 1024, type: '', lastModified: 1700000000000 }],
  fileIds: ['0'],
})

describe('transfer journals', () => {
  it('StorageTransferJournal: what one instance remembers, a new instance on the same storage recalls (a reload)', () => {
    const storage = new MapStorage()
    new StorageTransferJournal(storage).remember(entry('t1'))
    const reloaded = new StorageTransferJournal(storage)
    expect(reloaded.recall('ada', 't1')).toEqual(entry('t1'))
    expect(reloaded.recall('bo', 't1')).toBeUndefined()
    reloaded.forget('ada', 't1')
    expect(new StorageTransferJournal(storage).recall('ada', 't1')).toBeUndefined()
    expect(storage.map.size).toBe(0)
  })

  it('StorageTransferJournal: corrupt or malformed storage reads as empty; malformed entries are skipped', () => {
    const storage = new MapStorage()
    storage.setItem('parley:accepted-transfers', '{not json')
    expect(new StorageTransferJournal(storage).recall('ada', 't1')).toBeUndefined()
    storage.setItem(
      'parley:accepted-transfers',
      JSON.stringify([{ peerId: 1 }, { ...entry('t2'), fileIds: [3] }, entry('t3'), 'x']),
    )
    const journal = new StorageTransferJournal(storage)
    expect(journal.recall('ada', 't2')).toBeUndefined()
    expect(journal.recall('ada', 't3')).toEqual(entry('t3'))
  })

  it('StorageTransferJournal: a storage refusing writes makes remember() a no-op, never a throw', () => {
    const storage = new MapStorage()
    storage.failWrites = true
    const journal = new StorageTransferJournal(storage)
    expect(() => journal.remember(entry('t1'))).not.toThrow()
    expect(journal.recall('ada', 't1')).toBeUndefined()
  })

  it(`MemoryTransferJournal keeps the newest ${MAX_JOURNAL_ENTRIES} entries`, () => {
    const journal = new MemoryTransferJournal()
    for (let i = 0; i < MAX_JOURNAL_ENTRIES + 5; i++) journal.remember(entry(`t${i}`))
    expect(journal.entries()).toHaveLength(MAX_JOURNAL_ENTRIES)
    expect(journal.recall('ada', 't0')).toBeUndefined()
    expect(journal.recall('ada', `t${MAX_JOURNAL_ENTRIES + 4}`)).toBeDefined()
  })
})
