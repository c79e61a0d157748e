import type { TransferJournal, VerifiedFile } from './TransferJournal.js'
import { withCompleted } from './TransferJournal.js'

/** Least time between two journal writes of one transfer's completed files, ms. */
export const COMPLETION_WRITE_INTERVAL_MS = 250

/**
 * Records in a journal the files a receiver verified, so that a reloaded page does not receive them
 * again. Each write rewrites the journal (Web Storage holds one string), so a transfer of thousands
 * of small files writes at most every `intervalMs`: the first completion at once, later ones
 * together. `flush()` writes what waits at once (the page going away: the manager's close). A file
 * verified in the last `intervalMs` before a page vanished without `pagehide` is not recorded;
 * after the reload it is verified in place instead (its sink still holds it), never taken on trust.
 */
export class CompletionRecorder {
  readonly #journal: TransferJournal
  #peerId: string
  readonly #transferId: string
  readonly #intervalMs: number
  #pending: VerifiedFile[] = []
  #lastWrite = Number.NEGATIVE_INFINITY
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(
    journal: TransferJournal,
    peerId: string,
    transferId: string,
    intervalMs = COMPLETION_WRITE_INTERVAL_MS,
  ) {
    this.#journal = journal
    this.#peerId = peerId
    this.#transferId = transferId
    this.#intervalMs = intervalMs
  }

  /** A file was verified: recorded now, or with the next write. */
  add(file: VerifiedFile): void {
    this.#pending.push(file)
    const wait = this.#lastWrite + this.#intervalMs - Date.now()
    if (wait <= 0) this.flush()
    else this.#timer ??= setTimeout(() => this.flush(), wait)
  }

  /** Writes the files waiting, if the journal still has the transfer. */
  flush(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#pending.length === 0) return
    const files = this.#pending
    this.#pending = []
    this.#lastWrite = Date.now()
    const entry = this.#journal.recall(this.#peerId, this.#transferId)
    if (entry) this.#journal.remember(withCompleted(entry, files))
  }

  /** The transfer now belongs to the sender's new peer id: its journal entry moves along. */
  moveTo(peerId: string): void {
    this.flush()
    const entry = this.#journal.recall(this.#peerId, this.#transferId)
    if (entry) {
      this.#journal.forget(this.#peerId, this.#transferId)
      this.#journal.remember({ ...entry, peerId })
    }
    this.#peerId = peerId
  }

  /** Drops what waits (the transfer ended and its entry is forgotten). */
  dispose(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#pending = []
  }
}
