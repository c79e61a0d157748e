import { afterEach, describe, expect, it, vi } from 'vitest'
import { CompletionRecorder } from '../src/transfer/journalCompletions.js'
import {
  type AcceptedTransfer,
  MAX_JOURNAL_ENTRIES,
  MemoryTransferJournal,
  StorageTransferJournal,
  type VerifiedFile,
  withCompleted,
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

  const verified = (id: string, hex = 'c'): VerifiedFile => ({
    id,
    digest: 'sha256-list',
    sha256: hex.repeat(64),
  })
  const threeFiles = (transferId: string): AcceptedTransfer => ({
    peerId: 'ada',
    transferId,
    files: ['0', '1', '2'].map((id) => ({ id, name: `f${id}.bin`, size: 8, type: '', lastModified: 1 })),
    fileIds: ['0', '1'],
  })

  it('StorageTransferJournal: the verified files of an entry (id, digest, hex) are recalled after a reload; withCompleted adds accepted files only, each once (the first record stays)', () => {
    const storage = new MapStorage()
    const entry = withCompleted(threeFiles('t1'), [verified('0'), verified('2'), verified('0', 'd')])
    expect(entry.completed).toEqual([verified('0')])
    new StorageTransferJournal(storage).remember(withCompleted(entry, [verified('1')]))
    expect(new StorageTransferJournal(storage).recall('ada', 't1')?.completed).toEqual([
      verified('0'),
      verified('1'),
    ])
  })

  it('StorageTransferJournal: an entry read back with a malformed completed list, an accepted id that is not among its files, or a size that is not a byte count is ignored whole', () => {
    const storage = new MapStorage()
    const good = withCompleted(threeFiles('ok'), [verified('0')])
    const bad: unknown[] = [
      { ...threeFiles('b1'), completed: 'all' },
      { ...threeFiles('b2'), completed: [{ id: '0', digest: 'md5', sha256: 'c'.repeat(64) }] },
      { ...threeFiles('b3'), completed: [{ id: '0', digest: 'sha256', sha256: 'C'.repeat(64) }] },
      { ...threeFiles('b4'), completed: [verified('2')] }, // not accepted
      { ...threeFiles('b5'), completed: [verified('0'), verified('0')] },
      { ...threeFiles('b6'), completed: [null] },
      { ...threeFiles('b7'), fileIds: ['0', '9'] },
      { ...threeFiles('b8'), files: [{ id: '0', name: 'x', size: -1 }] },
      { ...threeFiles('b9'), files: [{ id: '0', name: 'x', size: 1.5 }] },
    ]
    storage.setItem('parley:accepted-transfers', JSON.stringify([...bad, good]))
    const journal = new StorageTransferJournal(storage)
    expect(journal.entries().map((e) => e.transferId)).toEqual(['ok'])
    expect(journal.recall('ada', 'ok')).toEqual(good)
  })

  it('StorageTransferJournal.entries() lists what a new instance reads back, oldest first', () => {
    const storage = new MapStorage()
    const journal = new StorageTransferJournal(storage)
    journal.remember(entry('t1'))
    journal.remember(entry('t2'))
    journal.remember(entry('t1')) // remembered again: newest
    expect(new StorageTransferJournal(storage).entries().map((e) => e.transferId)).toEqual(['t2', 't1'])
  })

  it('StorageTransferJournal parses the stored text again only when it changed (its own writes are not read back); a change by another tab is seen', () => {
    const storage = new MapStorage()
    const journal = new StorageTransferJournal(storage)
    journal.remember(entry('t1'))
    const parse = vi.spyOn(JSON, 'parse')
    try {
      expect(journal.recall('ada', 't1')?.transferId).toBe('t1')
      journal.remember(withCompleted(journal.recall('ada', 't1')!, [verified('0')]))
      expect(journal.recall('ada', 't1')?.completed).toEqual([verified('0')])
      expect(parse).not.toHaveBeenCalled()
      // another tab (another instance on the same storage) forgets it
      new StorageTransferJournal(storage).forget('ada', 't1')
      parse.mockClear()
      expect(journal.recall('ada', 't1')).toBeUndefined()
      expect(parse).toHaveBeenCalledTimes(1)
    } finally {
      parse.mockRestore()
    }
  })

  it('a journal entry of 10,000 files records 9,000 completions in batches and reads them back after a reload, each once', () => {
    const storage = new MapStorage()
    const files = Array.from({ length: 10_000 }, (_, i) => ({
      id: String(i),
      name: `f${i}.txt`,
      size: 10,
      type: '',
      lastModified: 1,
    }))
    const journal = new StorageTransferJournal(storage)
    journal.remember({ peerId: 'ada', transferId: 'many', files, fileIds: files.map((f) => f.id) })
    for (let from = 0; from < 9000; from += 1000) {
      const batch = files.slice(from, from + 1000).map((f) => verified(f.id))
      // a repeated record keeps the first
      journal.remember(withCompleted(journal.recall('ada', 'many')!, [...batch, verified('0')]))
    }
    const completed = new StorageTransferJournal(storage).recall('ada', 'many')?.completed ?? []
    expect(completed.map((c) => c.id)).toEqual(files.slice(0, 9000).map((f) => f.id))
  })

  describe('CompletionRecorder', () => {
    afterEach(() => {
      vi.useRealTimers()
    })

    it('moveTo() (the sender is back under a new id) writes what waits, then moves the journal entry to the new peer id, completions kept', () => {
      vi.useFakeTimers()
      const journal = new MemoryTransferJournal()
      journal.remember(threeFiles('t1'))
      const recorder = new CompletionRecorder(journal, 'ada', 't1', 250)
      recorder.add(verified('0'))
      recorder.add(verified('1')) // waits for the interval
      recorder.moveTo('ada-2')
      expect(journal.recall('ada', 't1')).toBeUndefined()
      expect(journal.recall('ada-2', 't1')).toMatchObject({
        peerId: 'ada-2',
        transferId: 't1',
        completed: [verified('0'), verified('1')],
      })
      expect(journal.entries()).toHaveLength(1)
    })

    it('add() writes the first verified file at once and later ones together at most every interval; flush() writes what waits at once', () => {
      vi.useFakeTimers()
      const journal = new MemoryTransferJournal()
      journal.remember(threeFiles('t1'))
      const writes = vi.spyOn(journal, 'remember')
      const recorder = new CompletionRecorder(journal, 'ada', 't1', 250)
      recorder.add(verified('0'))
      expect(writes).toHaveBeenCalledTimes(1)
      expect(journal.recall('ada', 't1')?.completed).toEqual([verified('0')])
      recorder.add(verified('1'))
      expect(writes).toHaveBeenCalledTimes(1) // waits for the interval
      vi.advanceTimersByTime(250)
      expect(writes).toHaveBeenCalledTimes(2)
      expect(journal.recall('ada', 't1')?.completed).toEqual([verified('0'), verified('1')])
      journal.remember(threeFiles('t2'))
      const other = new CompletionRecorder(journal, 'ada', 't2', 250)
      other.add(verified('0'))
      other.add(verified('1'))
      other.flush() // the page goes away: no waiting
      expect(journal.recall('ada', 't2')?.completed).toEqual([verified('0'), verified('1')])
    })

    it('a transfer the journal forgot gets no entry back; dispose() drops what waits', () => {
      vi.useFakeTimers()
      const journal = new MemoryTransferJournal()
      new CompletionRecorder(journal, 'ada', 'gone').add(verified('0'))
      expect(journal.entries()).toEqual([])
      journal.remember(threeFiles('t1'))
      const recorder = new CompletionRecorder(journal, 'ada', 't1', 250)
      recorder.add(verified('0'))
      recorder.add(verified('1'))
      recorder.dispose()
      vi.advanceTimersByTime(1000)
      expect(journal.recall('ada', 't1')?.completed).toEqual([verified('0')])
    })
  })
})
