import { type DigestAlgorithm, isDigestAlgorithm } from './hash.js'
import { type FileMeta, isDigestHex } from './messages.js'

/** A file received and verified here: the digest its bytes matched (the sender's `file-end`). */
export interface VerifiedFile {
  readonly id: string
  readonly digest: DigestAlgorithm
  /** 64 lowercase hex digits. */
  readonly sha256: string
}

/** An incoming transfer this side accepted: enough to recognise the same offer after a reload. */
export interface AcceptedTransfer {
  /** The sending peer (its peer id is kept when it resumes its session). */
  readonly peerId: string
  readonly transferId: string
  readonly files: readonly FileMeta[]
  /** The files accepted (the others were declined). */
  readonly fileIds: readonly string[]
  /**
   * Accepted files already received and verified (absent: none yet). After a reload, a file listed
   * here whose sink still holds all of it is not received again (see FileReceiver.accept).
   */
  readonly completed?: readonly VerifiedFile[]
}

/** `entry` with `files` added to its completed files (a file already listed keeps its record). */
export function withCompleted(entry: AcceptedTransfer, files: readonly VerifiedFile[]): AcceptedTransfer {
  const completed = [...(entry.completed ?? [])]
  const accepted = new Set(entry.fileIds)
  const listed = new Set(completed.map((c) => c.id))
  for (const f of files) {
    if (accepted.has(f.id) && !listed.has(f.id)) {
      completed.push(f)
      listed.add(f.id)
    }
  }
  return { ...entry, completed }
}

/**
 * Where a TransferManager remembers the incoming transfers it accepted, so that the same offer
 * made again to a new instance of this page or process (after a reload) is recognised: it comes
 * with `acceptedBefore`, and accepting it continues from the data the sinks kept. Synchronous, so
 * that an entry is written before the page can go away.
 */
export interface TransferJournal {
  recall(peerId: string, transferId: string): AcceptedTransfer | undefined
  remember(entry: AcceptedTransfer): void
  forget(peerId: string, transferId: string): void
}

/** Entries kept at most (the oldest go first). */
export const MAX_JOURNAL_ENTRIES = 32

/** A journal in memory (tests; a process that restarts loses it). */
export class MemoryTransferJournal implements TransferJournal {
  readonly #entries = new Map<string, AcceptedTransfer>()

  recall(peerId: string, transferId: string): AcceptedTransfer | undefined {
    return this.#entries.get(key(peerId, transferId))
  }

  remember(entry: AcceptedTransfer): void {
    const k = key(entry.peerId, entry.transferId)
    this.#entries.delete(k)
    this.#entries.set(k, entry)
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= MAX_JOURNAL_ENTRIES) break
      this.#entries.delete(oldest)
    }
  }

  forget(peerId: string, transferId: string): void {
    this.#entries.delete(key(peerId, transferId))
  }

  /** Every entry, oldest first. */
  entries(): AcceptedTransfer[] {
    return [...this.#entries.values()]
  }
}

/** The part of the Web Storage API the storage journal uses (`sessionStorage`: per tab, survives a reload). */
export type JournalStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>

/**
 * A journal in Web Storage under one key, as JSON. Use `sessionStorage`: it belongs to the tab and
 * survives a reload, like the session the page resumes. Unreadable or malformed content counts as
 * empty; a storage that refuses writes (quota, privacy mode) makes the journal forget.
 */
export class StorageTransferJournal implements TransferJournal {
  readonly #storage: JournalStorage
  readonly #key: string
  /** The last text read or written, and the journal it holds. */
  #cache: { readonly text: string; readonly journal: MemoryTransferJournal } | undefined

  constructor(storage: JournalStorage, key = 'parley:accepted-transfers') {
    this.#storage = storage
    this.#key = key
  }

  recall(peerId: string, transferId: string): AcceptedTransfer | undefined {
    return this.#load().recall(peerId, transferId)
  }

  remember(entry: AcceptedTransfer): void {
    const journal = this.#load()
    journal.remember(entry)
    this.#save(journal)
  }

  /** Every entry, oldest first (e.g. to keep their stored files while this tab may resume them). */
  entries(): AcceptedTransfer[] {
    return this.#load().entries()
  }

  forget(peerId: string, transferId: string): void {
    const journal = this.#load()
    if (!journal.recall(peerId, transferId)) return
    journal.forget(peerId, transferId)
    this.#save(journal)
  }

  /**
   * The journal stored now. Parsed again only when the stored text changed since this journal last
   * read or wrote it (another tab, another journal): a transfer of thousands of files records its
   * completions every 250 ms, and each parse and check of such an entry takes milliseconds.
   */
  #load(): MemoryTransferJournal {
    const text = this.#storage.getItem(this.#key) ?? '[]'
    if (this.#cache?.text === text) return this.#cache.journal
    const journal = new MemoryTransferJournal()
    this.#cache = { text, journal }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return journal
    }
    if (!Array.isArray(parsed)) return journal
    for (const item of parsed) {
      const entry = readEntry(item)
      if (entry) journal.remember(entry)
    }
    return journal
  }

  #save(journal: MemoryTransferJournal): void {
    const entries = journal.entries()
    // the journal was changed: cached again once it is stored as it is
    this.#cache = undefined
    try {
      if (entries.length === 0) {
        this.#storage.removeItem(this.#key)
        this.#cache = { text: '[]', journal }
      } else {
        const text = JSON.stringify(entries)
        this.#storage.setItem(this.#key, text)
        this.#cache = { text, journal }
      }
    } catch {
      // storage full or unavailable: a reload will offer the transfer again instead
    }
  }
}

function key(peerId: string, transferId: string): string {
  return `${peerId}/${transferId}`
}

/** An entry read back from storage (untrusted: anything malformed makes the whole entry ignored). */
function readEntry(x: unknown): AcceptedTransfer | undefined {
  if (typeof x !== 'object' || x === null) return undefined
  const o = x as Record<string, unknown>
  if (typeof o.peerId !== 'string' || typeof o.transferId !== 'string') return undefined
  if (!Array.isArray(o.files) || !Array.isArray(o.fileIds)) return undefined
  const files: FileMeta[] = []
  for (const f of o.files) {
    if (typeof f !== 'object' || f === null) return undefined
    const m = f as Record<string, unknown>
    if (typeof m.id !== 'string' || typeof m.name !== 'string') return undefined
    if (typeof m.size !== 'number' || !Number.isSafeInteger(m.size) || m.size < 0) return undefined
    files.push({
      id: m.id,
      name: m.name,
      size: m.size,
      type: typeof m.type === 'string' ? m.type : '',
      lastModified:
        typeof m.lastModified === 'number' && Number.isFinite(m.lastModified) ? m.lastModified : 0,
    })
  }
  const ids = new Set(files.map((f) => f.id))
  if (!o.fileIds.every((id): id is string => typeof id === 'string' && ids.has(id))) return undefined
  const entry = { peerId: o.peerId, transferId: o.transferId, files, fileIds: o.fileIds }
  if (o.completed === undefined) return entry
  const completed = readCompleted(o.completed, entry.fileIds)
  return completed ? { ...entry, completed } : undefined
}

/** A list of verified files: each an accepted file, once, with a known digest of 64 hex digits. */
function readCompleted(x: unknown, fileIds: readonly string[]): VerifiedFile[] | undefined {
  if (!Array.isArray(x)) return undefined
  const accepted = new Set(fileIds)
  const listed = new Set<string>()
  const completed: VerifiedFile[] = []
  for (const c of x) {
    if (typeof c !== 'object' || c === null) return undefined
    const v = c as Record<string, unknown>
    if (typeof v.id !== 'string' || !accepted.has(v.id) || listed.has(v.id)) return undefined
    if (!isDigestAlgorithm(v.digest) || !isDigestHex(v.sha256)) return undefined
    completed.push({ id: v.id, digest: v.digest, sha256: v.sha256 })
    listed.add(v.id)
  }
  return completed
}
