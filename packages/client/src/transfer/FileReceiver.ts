import { ParleyError, toParleyError } from '../errors.js'
import type { SaveOptions } from './browser/save.js'
import { eachLimited } from './concurrency.js'
import type { FileSink, SinkFactory } from './FileSink.js'
import { chooseDigest, type DigestAlgorithm, type Hasher, type Hashers } from './hash.js'
import type { ControlMessage, SentDigest } from './messages.js'
import { type IncomingOffer, readOffer, sameFiles } from './offer.js'
import { ReceiveQueue } from './ReceiveQueue.js'
import { mismatchError, openAcceptedFile, releaseSinks, saveReceived } from './receiverSinks.js'
import {
  type FileRecord,
  peerErrorCode,
  Transfer,
  type TransferOptions,
  type TransferState,
} from './Transfer.js'
import { TransferChannel } from './TransferChannel.js'
import type { VerifiedFile } from './TransferJournal.js'

export interface FileReceiverOptions extends TransferOptions {
  /** The integrity digests this side computes (one is picked from the offer's: see chooseDigest). */
  hashers: Hashers
  /** Ask the sender to pause when this many received bytes wait for the disk (default 8 MiB). */
  pauseAboveBytes?: number
  /** …and to continue when the backlog falls to this (default 2 MiB). */
  continueBelowBytes?: number
  /** Fail (protocol error) if a sender ignores 'pause' and the backlog exceeds this (default 64 MiB). */
  maxQueuedBytes?: number
  /** Confirm stored bytes to the sender (and checkpoint the sink) at least this often, ms (default 250). */
  checkpointIntervalMs?: number
  /** …or every this many bytes (default 16 MiB). */
  checkpointBytes?: number
}

interface ReceiveRecord extends FileRecord {
  sink: FileSink | undefined
  hasher: Hasher | undefined
  /** Offset this attempt asked the sender to start from. */
  resumeFrom: number
  checkpointedAt: number
  checkpointedBytes: number
}

/** How many accepted files' sinks open at once. */
const OPEN_CONCURRENCY = 8

/** Failures after which partial files are kept for a later resume. */
const KEEP_PARTIAL_ON: readonly string[] = ['CLOSED', 'DISK_FULL', 'TIMEOUT', 'PEER_FAILED', 'CHANNEL_CLOSED']

/**
 * Receives the files of one offer: the application accepts (some) or declines; accepted files are
 * streamed to their sinks through a bounded queue (the sender is asked to pause when the disk is
 * slower than the network), hashed on the way, verified against the sender's SHA-256, and
 * confirmed back as stored (the resume points). After a connection loss, {@link adopt} the new
 * channel: the receiver answers the repeated offer with the offsets it has stored.
 */
export class FileReceiver extends Transfer {
  readonly direction = 'receive' as const
  readonly #options: FileReceiverOptions
  #link: TransferChannel | undefined
  #generation = 0
  #decision: 'accepted' | 'declined' | undefined
  #accepting = false
  #current: ReceiveRecord | undefined
  #expected = 0
  readonly #queue = new ReceiveQueue<ReceiveRecord>({
    start: (r) => {
      // The first checkpoint comes an interval into the file's writes, however long the file
      // waited in the queue: a small file ends before it (no sidecar for it, no progress message;
      // its file-ok says more).
      r.checkpointedAt = Date.now()
    },
    data: (r, bytes) => this.#writeData(r, bytes),
    store: (r, sha256) => this.#storeEnd(r, sha256),
    stored: (r, sha256) => this.#reportEnd(r, sha256),
    failed: (error) => this.#writeFailed(error),
    stopped: () => this.isTerminal,
  })
  #queuedBytes = 0
  #pauseSent = false
  #cleanup: Promise<void> | undefined
  /** The peer sent the transfer's last message: close the channel at once. */
  #peerEnded = false
  /** The integrity digest of this transfer; undefined when the sender offers none this side knows. */
  readonly #digest: DigestAlgorithm | undefined
  /** What the sender's latest offer says it sent whole before (a repeated offer). */
  #sent: readonly SentDigest[]

  constructor(offer: IncomingOffer, options: FileReceiverOptions) {
    super(offer.transferId, offer.files, options)
    this.#options = options
    this.#digest = chooseDigest(offer.digests, options.hashers.algorithms)
    this.#sent = offer.sent
    for (const r of this.records as ReceiveRecord[]) {
      Object.assign(r, {
        sink: undefined,
        hasher: undefined,
        resumeFrom: 0,
        checkpointedAt: 0,
        checkpointedBytes: 0,
      })
    }
  }

  /** The sink of an accepted file (e.g. to read a completed OpfsSink's file()). */
  sink(fileId: string): FileSink | undefined {
    return (this.record(fileId) as ReceiveRecord | undefined)?.sink
  }

  /**
   * Saves a received file (the web app's save action): calls `save()` of its sink (OpfsSink,
   * MemorySink: a download streamed from storage). Rejects unless the file is done and its sink
   * can save (a Node or File System Access sink already wrote the file in place).
   */
  async save(fileId = this.records[0]?.meta.id ?? '', options?: SaveOptions): Promise<void> {
    const r = this.record(fileId) as ReceiveRecord | undefined
    await saveReceived(fileId, r?.status === 'done', r?.sink, options)
  }

  /** Received bytes waiting to be written (bounded; see pauseAboveBytes). */
  get queuedBytes(): number {
    return this.#queuedBytes
  }

  /**
   * Reads the offer on a transfer channel the peer opened and creates the receiver for it.
   * Rejects if the first frame is not a valid offer within `timeoutMs`. Call it from the
   * 'datachannel' event itself (no await before): a channel does not keep messages that arrive
   * before a listener exists.
   */
  static async fromChannel(
    channel: RTCDataChannel,
    options: FileReceiverOptions,
    timeoutMs = 10_000,
  ): Promise<FileReceiver> {
    const link = new TransferChannel(channel)
    const offer = await readOffer(link, timeoutMs)
    const receiver = new FileReceiver(offer, options)
    receiver.adopt(link, offer)
    return receiver
  }

  /**
   * Uses `link` (whose offer was read already) for this transfer: the first channel, or a new one
   * after a connection loss, in which case the repeated offer is answered at once with the resume
   * offsets (if the files were accepted).
   */
  adopt(link: TransferChannel, offer: IncomingOffer): void {
    if (this.isTerminal) {
      link.close()
      return
    }
    if (
      !sameFiles(
        offer.files,
        this.records.map((r) => r.meta),
      )
    ) {
      link.sendControl({ t: 'error', code: 'BAD_MESSAGE', message: 'offer does not match the transfer' })
      void link.closeAfter()
      return
    }
    const previous = this.#link
    if (previous && previous !== link) {
      previous.detach()
      previous.close()
    }
    const gen = ++this.#generation
    this.#link = link
    this.#sent = offer.sent
    this.#current = undefined
    this.#pauseSent = false
    link.bind({
      open: () => {},
      control: (message) => {
        if (gen === this.#generation) this.#onControl(message, link)
      },
      data: (bytes) => {
        if (gen === this.#generation) this.#onData(bytes, link)
      },
      invalid: (reason) => {
        if (gen === this.#generation) this.#protocolError(link, reason)
      },
      close: () => {
        if (gen === this.#generation) this.#onLinkClosed()
      },
    })
    if (previous && previous !== link) {
      if (this.#decision === 'accepted') void this.#answerResume(link, gen)
      else if (this.state === 'interrupted') this.setState('offered')
    }
  }

  /**
   * Accepts the files `fileIds` (default: all) and declines the others. `sinkFor` gives each
   * accepted file its sink; a sink that already holds part of the file (resume) makes the sender
   * start after it. `verified`: files this side received and verified before a reload (the
   * journal's record); one whose sink still holds all of it is not received again (see fileStart).
   * Rejects (and fails the transfer) if a sink cannot be opened.
   */
  async accept(
    sinkFor: SinkFactory,
    fileIds?: readonly string[],
    verified: readonly VerifiedFile[] = [],
  ): Promise<void> {
    if (this.#decision !== undefined || this.#accepting || this.isTerminal) {
      throw new ParleyError('INVALID_ARGUMENT', `cannot accept a transfer that is ${this.state}`)
    }
    const wanted = new Set(fileIds ?? this.records.map((r) => r.meta.id))
    const chosen = (this.records as ReceiveRecord[]).filter((r) => wanted.has(r.meta.id))
    if (chosen.length === 0) return this.decline('no file accepted')
    this.#accepting = true
    try {
      const digest = this.#digest
      if (!digest) {
        throw new ParleyError('BAD_MESSAGE', 'the sender offers no integrity digest this side can compute')
      }
      const context = { transferBytes: chosen.reduce((sum, r) => sum + r.meta.size, 0) }
      const verifiedById = new Map(verified.map((v) => [v.id, v]))
      const sentById = new Map(this.#sent.map((d) => [d.id, d]))
      const open = async (r: ReceiveRecord): Promise<void> => {
        const id = r.meta.id
        const opened = await openAcceptedFile(r.meta, {
          sinkFor,
          context,
          digest,
          hashers: this.#options.hashers,
          verified: verifiedById.get(id),
          sent: sentById.get(id),
          created: (sink) => {
            r.sink = sink
          },
        })
        r.hasher = opened.hasher
        const start = opened.start
        if (start.kind === 'completed') {
          r.sha256 = start.verified.sha256
          r.digest = start.verified.digest
          this.setBytes(r, r.meta.size)
          this.setConfirmed(r, r.meta.size)
          r.checkpointedBytes = r.resumeFrom = r.meta.size
          this.setFileStatus(r, 'done')
        } else {
          this.setBytes(r, start.offset)
          this.setConfirmed(r, start.offset)
          r.checkpointedBytes = r.resumeFrom = start.offset
        }
      }
      // a few sinks open at a time: each open is a few file-system calls, files come in thousands
      await eachLimited(chosen, OPEN_CONCURRENCY, open, () => this.isTerminal)
      if (this.isTerminal) return
    } catch (error) {
      throw this.#writeFailed(error)
    } finally {
      this.#accepting = false
    }
    this.#decision = 'accepted'
    for (const r of this.records) if (!wanted.has(r.meta.id)) this.setFileStatus(r, 'declined')
    const link = this.#link
    if (link && this.state !== 'interrupted') this.#sendAccept(link)
  }

  /** Declines the whole offer; the sender sees `reason`. */
  async decline(reason = 'declined'): Promise<void> {
    if (this.#decision !== undefined || this.isTerminal) return
    this.#decision = 'declined'
    const link = this.#link
    this.fail(new ParleyError('DECLINED', `declined: ${reason}`))
    if (link) {
      link.sendControl({ t: 'decline', reason })
      await link.closeAfter()
    }
  }

  async cancel(reason = 'cancelled by the receiver'): Promise<void> {
    if (this.isTerminal) return this.#cleanup
    const link = this.#link
    this.fail(new ParleyError('CANCELLED', reason))
    if (link) {
      link.sendControl({ t: 'cancel', reason })
      await link.closeAfter()
    }
    await this.#cleanup
  }

  /**
   * Resolves after a terminal state once the sinks were completed, discarded or closed and the
   * channel is closed (so that the last message reached the sender: wait for this before leaving
   * the room or exiting).
   */
  async settled(): Promise<void> {
    await this.finished().catch(() => {})
    await this.#cleanup
  }

  protected onTerminal(state: TransferState): void {
    this.#generation++
    const link = this.#link
    let linkClosed: Promise<void> | undefined
    if (link) {
      if (this.#peerEnded || this.error?.code === 'CLOSED') link.close()
      else linkClosed = link.closeAfter()
    }
    this.#queue.clear()
    this.#queuedBytes = 0
    // Keep partial files when the cause is local and passing (resume later); drop them otherwise.
    const keep = state === 'failed' && KEEP_PARTIAL_ON.includes(this.error?.code ?? 'CANCELLED')
    this.#cleanup = (async () => {
      await this.#queue.drained()
      const files = (this.records as ReceiveRecord[]).map((r) => ({ ...r, done: r.status === 'done' }))
      await releaseSinks(files, keep, this.logger, this.id)
      // Our last message (e.g. the final file-ok) is delivered once the sender closes the channel.
      await linkClosed
    })()
  }

  #sendAccept(link: TransferChannel): void {
    const records = this.records as ReceiveRecord[]
    const files = records
      .filter((r) => r.sink && r.status !== 'done' && r.status !== 'declined')
      .map((r) => {
        r.resumeFrom = r.bytes
        return { id: r.meta.id, offset: r.bytes }
      })
    link.sendControl({
      t: 'accept',
      files,
      declined: records.filter((r) => r.status === 'declined').map((r) => r.meta.id),
      completed: records.filter((r) => r.status === 'done').map((r) => r.meta.id),
      ...(this.#digest ? { digest: this.#digest } : {}),
    })
    this.reportProgress(true)
    // every accepted file was verified before (a reload): nothing more to receive
    if (this.allFilesSettled) this.setState('done')
    else this.setState('active')
  }

  /** Re-attached after a loss: answer once everything received before the loss is stored. */
  async #answerResume(link: TransferChannel, gen: number): Promise<void> {
    await this.#queue.drained()
    if (gen !== this.#generation || this.isTerminal) return
    for (const r of this.records as ReceiveRecord[]) {
      if (r.sink && r.status !== 'done' && r.confirmed < r.bytes) await this.#checkpoint(r)
    }
    if (gen !== this.#generation || this.isTerminal) return
    this.#sendAccept(link)
  }

  #onControl(message: ControlMessage, link: TransferChannel): void {
    switch (message.t) {
      case 'file': {
        const r = this.record(message.id) as ReceiveRecord | undefined
        if (!r?.sink || r.status === 'done' || r.status === 'declined' || this.state !== 'active') {
          this.#protocolError(link, `file ${message.id} was not accepted`)
          return
        }
        if (this.#current) {
          this.#protocolError(link, 'file started before the previous one ended')
          return
        }
        if (message.offset !== r.resumeFrom) {
          this.#protocolError(link, 'file starts at the wrong offset')
          return
        }
        this.#current = r
        this.#expected = message.offset
        this.setFileStatus(r, 'active')
        this.#queue.push({ k: 'start', r })
        return
      }
      case 'file-end': {
        const r = this.#current
        if (!r || r.meta.id !== message.id || this.#expected !== r.meta.size) {
          this.#protocolError(link, 'file-end before the whole file')
          return
        }
        this.#current = undefined
        this.#queue.push({ k: 'end', r, sha256: message.sha256 })
        return
      }
      case 'cancel':
        this.#peerEnded = true
        this.fail(new ParleyError('CANCELLED', message.reason || 'cancelled by the sender'))
        return
      case 'error':
        this.#peerEnded = true
        this.fail(new ParleyError(peerErrorCode(message.code), message.message || message.code))
        return
      default:
        this.#protocolError(link, `unexpected ${message.t} from the sender`)
    }
  }

  #onData(bytes: Uint8Array, link: TransferChannel): void {
    const r = this.#current
    if (!r) {
      this.#protocolError(link, 'data frame outside a file')
      return
    }
    if (this.#expected + bytes.byteLength > r.meta.size) {
      this.#protocolError(link, 'more data than the file size')
      return
    }
    this.#expected += bytes.byteLength
    this.#queuedBytes += bytes.byteLength
    const max = this.#options.maxQueuedBytes ?? 64 * 1024 * 1024
    if (this.#queuedBytes > max) {
      this.#protocolError(link, 'sender ignored pause: receive queue overflow')
      return
    }
    if (!this.#pauseSent && this.#queuedBytes > (this.#options.pauseAboveBytes ?? 8 * 1024 * 1024)) {
      this.#pauseSent = link.sendControl({ t: 'pause' })
    }
    this.#queue.push({ k: 'data', r, bytes })
  }

  /**
   * Fails the transfer with `error` (WRITE_FAILED unless it is a ParleyError) and tells the sender,
   * unless it ended already; returns the error.
   */
  #writeFailed(error: unknown): ParleyError {
    const e = toParleyError(error, 'WRITE_FAILED')
    if (this.isTerminal) return e
    this.#link?.sendControl({ t: 'error', code: e.code, message: e.message })
    this.fail(e)
    return e
  }

  async #writeData(r: ReceiveRecord, bytes: Uint8Array): Promise<void> {
    const length = bytes.byteLength // a sink may transfer (detach) the buffer
    r.hasher!.update(bytes)
    await r.sink!.write(bytes)
    this.setBytes(r, r.bytes + length)
    this.#queuedBytes -= length
    if (this.#pauseSent && this.#queuedBytes <= (this.#options.continueBelowBytes ?? 2 * 1024 * 1024)) {
      this.#pauseSent = !(this.#link?.sendControl({ t: 'continue' }) ?? true)
    }
    const now = Date.now()
    if (
      now - r.checkpointedAt >= (this.#options.checkpointIntervalMs ?? 250) ||
      r.bytes - r.checkpointedBytes >= (this.#options.checkpointBytes ?? 16 * 1024 * 1024)
    ) {
      await this.#checkpoint(r)
    }
    this.reportProgress()
  }

  async #checkpoint(r: ReceiveRecord): Promise<void> {
    const offset = r.bytes
    await r.sink!.checkpoint(offset)
    r.checkpointedAt = Date.now()
    r.checkpointedBytes = offset
    this.setConfirmed(r, offset)
    this.#link?.sendControl({ t: 'progress', id: r.meta.id, offset })
  }

  /** Compares a file's digest with the sender's and completes its sink; resolves with the digest. */
  async #storeEnd(r: ReceiveRecord, expected: string): Promise<string> {
    const actual = await r.hasher!.digestHex()
    r.hasher = undefined
    if (actual !== expected) {
      const existing = r.sink!.existing === true
      await r.sink!.discard()
      r.sink = undefined
      throw mismatchError(r.meta.name, actual, expected, existing)
    }
    await r.sink!.complete()
    return actual
  }

  /** A file is stored whole and verified (called in file order): tell the sender and the listeners. */
  #reportEnd(r: ReceiveRecord, sha256: string): void {
    r.sha256 = sha256
    r.digest = this.#digest
    this.setConfirmed(r, r.meta.size)
    this.setFileStatus(r, 'done')
    this.#link?.sendControl({ t: 'file-ok', id: r.meta.id })
    this.reportProgress(true)
    if (this.allFilesSettled) this.setState('done')
  }

  #onLinkClosed(): void {
    if (this.isTerminal) return
    this.logger.info({ transferId: this.id }, 'transfer channel closed: interrupted')
    this.#current = undefined
    for (const r of this.records) if (r.status === 'active') this.setFileStatus(r, 'pending')
    this.setState('interrupted')
  }

  #protocolError(link: TransferChannel, reason: string): void {
    if (this.isTerminal) return
    this.logger.warn({ transferId: this.id, reason }, 'transfer protocol error')
    link.sendControl({ t: 'error', code: 'BAD_MESSAGE', message: reason })
    this.fail(new ParleyError('BAD_MESSAGE', `protocol error: ${reason}`))
  }
}

export { type IncomingOffer, readOffer } from './offer.js'
