import { ParleyError } from '../../errors.js'
import { BlobFileSource } from '../BlobFileSource.js'
import type { AttachOptions, SendAttempt } from '../FileSender.js'
import { newTransferId, TRANSFER_ID_PATTERN } from '../messages.js'
import { assertOfferable, fileMetasOf } from '../offer.js'
import {
  type FileRecord,
  peerErrorCode,
  Transfer,
  type TransferDirection,
  type TransferOptions,
} from '../Transfer.js'
import type {
  FromSenderWorker,
  ToSenderWorker,
  WorkerFileRecord,
  WorkerSenderOptions,
} from './senderWorkerMessages.js'

/** The options that cross to the worker (numbers; a function such as mutateChunk cannot). */
const WORKER_OPTION_KEYS = [
  'chunkSize',
  'highWaterMark',
  'lowWaterMark',
  'readAhead',
  'progressIntervalMs',
  'openTimeoutMs',
] as const

/** The part of a Worker the sender uses (a MessagePort-backed stand-in in tests). */
export interface SenderWorker {
  postMessage(message: ToSenderWorker, transfer?: Transferable[]): void
  addEventListener(type: 'message', listener: (event: MessageEvent<FromSenderWorker>) => void): void
  addEventListener(type: 'error', listener: (event: Event) => void): void
  terminate(): void
}

export interface WorkerFileSenderOptions extends TransferOptions, WorkerSenderOptions {
  /** Transfer id (default: random). */
  id?: string
  /** The files, read in the worker (structured clones of the same Files). */
  files: readonly Blob[]
  /** Starts the worker (its script calls hostFileSender(self)). */
  worker: () => SenderWorker
  /** How long the worker may take to load and set up the sender, ms (default 10 s). */
  startTimeoutMs?: number
}

/**
 * A FileSender that runs in a dedicated worker: reading the File, hashing it and sending it leave
 * the page's main thread free (a long transfer no longer competes with rendering and input). This
 * object mirrors the worker's sender — state, files, progress, flow — and takes the same calls:
 * attach() with a channel just created (it moves to the worker: call it in the task that created
 * the channel), cancel(), close().
 *
 * Create it with `WorkerFileSender.start()`, which resolves once the worker runs the sender and
 * rejects (WORKER_FAILED) if it could not: the caller then sends from the page instead.
 */
export class WorkerFileSender extends Transfer {
  readonly direction: TransferDirection = 'send'
  readonly #worker: SenderWorker
  #paused = false
  #dataBytesSent = 0
  #attempts: readonly SendAttempt[] = []
  /** attach() calls so far: the worker tells the channels apart by this number. */
  #attaches = 0
  #ended = false
  #endTimer: ReturnType<typeof setTimeout> | undefined

  private constructor(id: string, options: WorkerFileSenderOptions, worker: SenderWorker) {
    super(id, fileMetasOf(options.files.map((f) => new BlobFileSource(f))), options)
    this.#worker = worker
  }

  /** Starts the worker and its sender; rejects with WORKER_FAILED when the worker cannot run it. */
  static async start(options: WorkerFileSenderOptions): Promise<WorkerFileSender> {
    const id = options.id ?? newTransferId()
    if (!TRANSFER_ID_PATTERN.test(id)) throw new ParleyError('INVALID_ARGUMENT', 'invalid transfer id')
    if (options.files.length === 0) throw new ParleyError('INVALID_ARGUMENT', 'nothing to send')
    assertOfferable(options.files.map((f) => new BlobFileSource(f)))
    let worker: SenderWorker
    try {
      worker = options.worker()
    } catch (cause) {
      throw new ParleyError('WORKER_FAILED', `the sender worker did not start: ${String(cause)}`, { cause })
    }
    const sender = new WorkerFileSender(id, options, worker)
    try {
      await sender.#create(options)
      return sender
    } catch (error) {
      worker.terminate()
      throw error
    }
  }

  /** True while the receiver asked to pause (its storage is slower than the network). */
  get paused(): boolean {
    return this.#paused
  }

  /** Total data bytes the worker handed to channels, over every attempt (last reported). */
  get dataBytesSent(): number {
    return this.#dataBytesSent
  }

  /** The worker's FileSender.attempts, as of its last state change (diagnostics, tests). */
  get attempts(): readonly Readonly<SendAttempt>[] {
    return this.#attempts
  }

  /**
   * Moves `channel` (open or opening, created by this side in the current task) to the worker,
   * which offers once it is open. Call again with a new channel after a connection loss to resume.
   * A channel that is already closed (no connection) makes the sender wait, interrupted.
   */
  attach(channel: RTCDataChannel, options: AttachOptions = {}): void {
    if (this.isTerminal) {
      channel.close()
      return
    }
    const maxMessageSize = options.maxMessageSize ?? undefined
    const attempt = ++this.#attaches
    if (channel.readyState === 'closed') {
      this.#post({ t: 'attach', channel: null, maxMessageSize, attempt })
      return
    }
    // The page keeps the husk of a transferred channel: the close event PeerLink dispatches on it
    // when it closes the connection is what the worker's channel may never get by itself.
    channel.addEventListener('close', () => this.#post({ t: 'link-closed', attempt }), { once: true })
    this.#worker.postMessage({ t: 'attach', channel, maxMessageSize, attempt }, [
      channel as unknown as Transferable,
    ])
  }

  async cancel(reason = 'cancelled by the sender'): Promise<void> {
    if (this.isTerminal) return
    this.fail(new ParleyError('CANCELLED', reason))
    this.#post({ t: 'cancel', reason })
  }

  override close(reason = 'closed'): void {
    if (this.isTerminal) return
    super.close(reason)
    this.#post({ t: 'close', reason })
  }

  protected onTerminal(): void {
    // The worker still has to send a cancel or an error and close its channel: it says `end`.
    this.#endTimer = setTimeout(() => this.#end(), 15_000)
  }

  #create(options: WorkerFileSenderOptions): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false
      const failed = (message: string): void => {
        clearTimeout(timer)
        settled = true
        reject(new ParleyError('WORKER_FAILED', message))
      }
      const timer = setTimeout(
        () => failed('the sender worker did not start in time'),
        options.startTimeoutMs ?? 10_000,
      )
      this.#worker.addEventListener('error', (event) => {
        const message = (event as ErrorEvent).message || 'the sender worker failed'
        if (!settled) {
          failed(message)
          return
        }
        this.logger.error({ transferId: this.id, message }, 'sender worker error')
        if (!this.isTerminal) this.fail(new ParleyError('WORKER_FAILED', message))
        this.#end()
      })
      this.#worker.addEventListener('message', (event) => {
        const m = event.data
        if (m.t === 'created') {
          clearTimeout(timer)
          settled = true
          resolve()
        } else if (m.t === 'create-failed') failed(m.message)
        else this.#onMessage(m)
      })
      const workerOptions: WorkerSenderOptions = {}
      for (const key of WORKER_OPTION_KEYS) {
        const value = options[key]
        if (value !== undefined) workerOptions[key] = value
      }
      this.#post({ t: 'create', id: this.id, files: options.files, options: workerOptions })
    })
  }

  #onMessage(m: FromSenderWorker): void {
    switch (m.t) {
      case 'state':
        this.#attempts = m.attempts
        this.#dataBytesSent = m.dataBytesSent
        if (m.error) {
          this.fail(new ParleyError(peerErrorCode(m.error.code), m.error.message))
        } else if (!this.isTerminal) {
          this.setState(m.state)
        }
        return
      case 'file':
        this.#apply(m.file)
        return
      case 'progress':
        for (const f of m.files) this.#apply(f)
        this.#dataBytesSent = m.dataBytesSent
        this.reportProgress()
        return
      case 'flow':
        this.#paused = m.paused
        this.emit('flow', m.paused)
        return
      case 'channel-closed':
        if (!this.isTerminal) this.emit('channel-closed')
        return
      case 'log':
        this.logger[m.level]({ ...m.fields, worker: true }, m.message)
        return
      case 'end':
        this.#end()
        return
      default:
        return
    }
  }

  #apply(f: WorkerFileRecord): void {
    const r: FileRecord | undefined = this.record(f.id)
    if (!r || this.isTerminal) return
    this.setBytes(r, f.bytes)
    this.setConfirmed(r, f.confirmed)
    r.sha256 = f.sha256
    r.digest = f.digest
    this.setFileStatus(r, f.status)
  }

  #post(message: ToSenderWorker): void {
    if (!this.#ended) this.#worker.postMessage(message)
  }

  #end(): void {
    if (this.#ended) return
    this.#ended = true
    clearTimeout(this.#endTimer)
    this.#worker.terminate()
  }
}
