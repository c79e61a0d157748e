import { ParleyError, ParleyErrorCode, toParleyError } from '../errors.js'
import { type Logger, silentLogger } from '../Logger.js'
import { StateMachine, type TransitionTable } from '../StateMachine.js'
import { TypedEmitter } from '../TypedEmitter.js'
import type { DigestAlgorithm } from './hash.js'
import type { FileMeta } from './messages.js'
import { eta, RateMeter, type TransferProgress } from './Progress.js'

/**
 * State of a transfer (same on both sides):
 * - offered: the offer is out, no answer yet;
 * - active: files are moving;
 * - interrupted: the channel went away (connection lost); waits to be re-attached and resumes;
 * - done: every accepted file arrived and its SHA-256 matched;
 * - failed: an error (integrity, disk full, read error, protocol) ended it — see `error`;
 * - cancelled: either side cancelled or the receiver declined — see `error` (CANCELLED / DECLINED).
 */
export type TransferState = 'offered' | 'active' | 'interrupted' | 'done' | 'failed' | 'cancelled'

export const TRANSFER_TRANSITIONS: TransitionTable<TransferState> = {
  offered: ['active', 'interrupted', 'done', 'failed', 'cancelled'],
  active: ['interrupted', 'done', 'failed', 'cancelled'],
  interrupted: ['offered', 'active', 'done', 'failed', 'cancelled'],
  done: [],
  failed: [],
  cancelled: [],
}

export const TERMINAL_STATES: readonly TransferState[] = ['done', 'failed', 'cancelled']

/**
 * Status of one file: pending (offered or queued) → active → sent (sender: all bytes out, waiting
 * for the receiver's verification) → done; or declined, failed, cancelled.
 */
export type FileStatus = 'pending' | 'declined' | 'active' | 'sent' | 'done' | 'failed' | 'cancelled'

export interface TransferFile extends FileMeta {
  readonly status: FileStatus
  /** Bytes of this file moved so far. */
  readonly bytes: number
  /** The verified digest (64 hex digits) once known, of the algorithm `digest`. */
  readonly sha256: string | undefined
  /**
   * Which digest `sha256` is: `sha256` (of the whole file, as `sha256sum` prints) or `sha256-list`
   * (SHA-256 of its 1 MiB segments' SHA-256s; see docs/file-transfer.md, "Integrity").
   */
  readonly digest: DigestAlgorithm | undefined
}

export type TransferDirection = 'send' | 'receive'

export interface TransferEvents {
  /** The state changed; `error` is set for failed and cancelled. */
  state: (state: TransferState, error: ParleyError | undefined) => void
  /** At most every `progressIntervalMs`, and once at the end. */
  progress: (progress: TransferProgress) => void
  /** A file's status changed. */
  file: (file: TransferFile) => void
  /** Sender only: the receiver asked to pause (true; its disk is slower) or to continue (false). */
  flow: (paused: boolean) => void
  /**
   * Sender only: the channel in use closed before the end, so the sender waits (interrupted) for a
   * new one. Emitted on every such close, also when the transfer was interrupted already (a new
   * channel that died before it opened), which no `state` event tells.
   */
  'channel-closed': () => void
}

export interface TransferOptions {
  logger?: Logger
  /** Minimum interval of 'progress' events, ms (default 200). */
  progressIntervalMs?: number
}

/**
 * @internal Per-file record shared by sender and receiver. Its status and byte counts change
 * through Transfer's setters (setFileStatus, setBytes, setConfirmed), which keep the transfer's
 * sums: a transfer may hold ten thousand files, and its progress is read at every chunk.
 */
export interface FileRecord {
  readonly meta: FileMeta
  readonly status: FileStatus
  /** Bytes of the file moved so far (sender: handed to the channel; receiver: stored). */
  readonly bytes: number
  /** Bytes [0, confirmed) the receiver confirmed as stored. */
  readonly confirmed: number
  sha256: string | undefined
  digest: DigestAlgorithm | undefined
}

type WritableRecord = { -readonly [K in keyof FileRecord]: FileRecord[K] }

/** What both directions have in common: identity, files, state, progress, completion. */
export abstract class Transfer extends TypedEmitter<TransferEvents> {
  readonly id: string
  abstract readonly direction: TransferDirection
  protected readonly logger: Logger
  protected readonly records: FileRecord[]
  readonly #machine: StateMachine<TransferState>
  #error: ParleyError | undefined
  readonly #meter = new RateMeter()
  readonly #progressIntervalMs: number
  #lastProgressAt = 0
  #progressTimer: ReturnType<typeof setTimeout> | undefined
  #byId: Map<string, FileRecord> | undefined
  /** Sums over the files not declined (what progress reports), kept by the setters. */
  readonly #sums = { size: 0, bytes: 0, confirmed: 0 }
  /** Files done or declined: all of them settled means nothing more moves. */
  #settledFiles = 0
  /** Files being moved, in the order they started. */
  readonly #activeFiles = new Set<FileRecord>()
  readonly #settled: Promise<void>
  #settle!: { resolve: () => void; reject: (error: ParleyError) => void }

  protected constructor(id: string, files: readonly FileMeta[], options: TransferOptions) {
    const logger = options.logger ?? silentLogger
    super((error, event) => logger.error({ error, event, transferId: id }, 'transfer listener threw'))
    this.id = id
    this.logger = logger
    this.records = files.map((meta) => ({
      meta,
      status: 'pending',
      bytes: 0,
      confirmed: 0,
      sha256: undefined,
      digest: undefined,
    }))
    for (const f of files) this.#sums.size += f.size
    this.#progressIntervalMs = options.progressIntervalMs ?? 200
    this.#settled = new Promise<void>((resolve, reject) => {
      this.#settle = { resolve, reject }
    })
    this.#settled.catch(() => {}) // observed through finished()
    this.#machine = new StateMachine<TransferState>({
      name: 'transfer',
      initial: 'offered',
      table: TRANSFER_TRANSITIONS,
      logger,
      onChange: (next) => {
        if (TERMINAL_STATES.includes(next)) this.#onTerminal(next)
        this.emit('state', next, this.#error)
      },
    })
  }

  get state(): TransferState {
    return this.#machine.state
  }

  /** Why the transfer failed or was cancelled. */
  get error(): ParleyError | undefined {
    return this.#error
  }

  get isTerminal(): boolean {
    return TERMINAL_STATES.includes(this.state)
  }

  get files(): readonly TransferFile[] {
    return this.records.map((r) => this.#fileView(r))
  }

  /** Bytes over the files not declined; `fileId` is the file being moved (the first started). */
  get progress(): TransferProgress {
    const { size: totalBytes, bytes, confirmed: confirmedBytes } = this.#sums
    const rate = this.state === 'active' ? this.#meter.rate() : 0
    return {
      bytes,
      totalBytes,
      confirmedBytes,
      bytesPerSecond: rate,
      etaSeconds: this.state === 'done' ? 0 : eta(totalBytes - bytes, rate),
      fileId: this.#activeFiles.values().next().value?.meta.id,
    }
  }

  /** Resolves when done; rejects with the error when failed or cancelled. */
  finished(): Promise<void> {
    return this.#settled
  }

  /** Cancels the transfer (both sides see `reason`). Idempotent; no-op once terminal. */
  abstract cancel(reason?: string): Promise<void>

  /**
   * Stops the transfer here without telling the peer (state failed, code CLOSED), e.g. when the
   * application shuts down. A receiver keeps its partial files, so a later transfer of the same
   * files resumes from them. Idempotent; no-op once terminal.
   */
  close(reason = 'closed'): void {
    if (this.isTerminal) return
    this.fail(new ParleyError('CLOSED', reason))
  }

  protected setState(next: TransferState, error?: ParleyError): boolean {
    if (this.isTerminal) return false
    if (!this.#machine.can(next) && next !== this.state) return false
    if (error) this.#error = error
    const changed = this.#machine.set(next)
    if (changed && next === 'active') this.#meter.reset()
    return changed
  }

  /** Moves to failed (or cancelled for CANCELLED/DECLINED) with `error`. */
  protected fail(error: unknown): void {
    const e = toParleyError(error, 'BAD_MESSAGE')
    const next = e.code === 'CANCELLED' || e.code === 'DECLINED' ? 'cancelled' : 'failed'
    this.logger.info({ transferId: this.id, code: e.code, message: e.message }, `transfer ${next}`)
    this.setState(next, e)
  }

  /** True when every file is done or declined. */
  protected get allFilesSettled(): boolean {
    return this.#settledFiles === this.records.length
  }

  protected setFileStatus(record: FileRecord, status: FileStatus): void {
    const was = record.status
    if (was === status) return
    if (was === 'declined' || status === 'declined') {
      const sign = status === 'declined' ? -1 : 1
      this.#sums.size += sign * record.meta.size
      this.#sums.bytes += sign * record.bytes
      this.#sums.confirmed += sign * record.confirmed
    }
    this.#settledFiles += Number(isSettled(status)) - Number(isSettled(was))
    if (status === 'active') this.#activeFiles.add(record)
    else this.#activeFiles.delete(record)
    ;(record as WritableRecord).status = status
    // a view per change of every file is not free (thousands of files): built for listeners only
    if (this.listenerCount('file') > 0) this.emit('file', this.#fileView(record))
  }

  /** Sets the bytes of `record` moved so far. */
  protected setBytes(record: FileRecord, bytes: number): void {
    if (record.status !== 'declined') this.#sums.bytes += bytes - record.bytes
    ;(record as WritableRecord).bytes = bytes
  }

  /** Sets the bytes of `record` the receiver confirmed as stored. */
  protected setConfirmed(record: FileRecord, confirmed: number): void {
    if (record.status !== 'declined') this.#sums.confirmed += confirmed - record.confirmed
    ;(record as WritableRecord).confirmed = confirmed
  }

  protected record(fileId: string): FileRecord | undefined {
    // by id: a message names a file, and a transfer may hold ten thousand of them
    this.#byId ??= new Map(this.records.map((r) => [r.meta.id, r]))
    return this.#byId.get(fileId)
  }

  /** Notes that bytes moved; emits 'progress' at most every progressIntervalMs. */
  protected reportProgress(force = false): void {
    const now = Date.now()
    this.#meter.sample(this.#sums.bytes, now)
    if (force || now - this.#lastProgressAt >= this.#progressIntervalMs) {
      this.#emitProgress(now)
      return
    }
    this.#progressTimer ??= setTimeout(
      () => this.#emitProgress(Date.now()),
      this.#progressIntervalMs - (now - this.#lastProgressAt),
    )
  }

  /** Called once when the transfer reaches a terminal state (release resources here). */
  protected abstract onTerminal(state: TransferState): void

  #emitProgress(now: number): void {
    clearTimeout(this.#progressTimer)
    this.#progressTimer = undefined
    this.#lastProgressAt = now
    this.emit('progress', this.progress)
  }

  #onTerminal(state: TransferState): void {
    for (const r of this.records) {
      if (r.status === 'pending' || r.status === 'active' || r.status === 'sent') {
        this.setFileStatus(r, state === 'done' ? 'done' : state === 'failed' ? 'failed' : 'cancelled')
      }
    }
    this.#emitProgress(Date.now())
    try {
      this.onTerminal(state)
    } catch (error) {
      this.logger.error({ error, transferId: this.id }, 'transfer cleanup threw')
    }
    if (state === 'done') this.#settle.resolve()
    else this.#settle.reject(this.#error ?? new ParleyError('CANCELLED', 'transfer cancelled'))
  }

  #fileView(r: FileRecord): TransferFile {
    return { ...r.meta, status: r.status, bytes: r.bytes, sha256: r.sha256, digest: r.digest }
  }
}

function isSettled(status: FileStatus): boolean {
  return status === 'done' || status === 'declined'
}

/** Maps an error code received from the peer to a local ParleyError code. */
export function peerErrorCode(code: string): ParleyErrorCode {
  return (Object.values(ParleyErrorCode) as string[]).includes(code)
    ? (code as ParleyErrorCode)
    : 'BAD_MESSAGE'
}
