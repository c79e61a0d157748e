import { ParleyError } from '../errors.js'
import { FileReaders } from './FileReaders.js'
import type { FileSource } from './FileSource.js'
import { HashSnapshots } from './HashSnapshots.js'
import type { DigestAlgorithm, Hashers } from './hash.js'
import {
  type ControlMessage,
  newTransferId,
  TRANSFER_ID_PATTERN,
  TRANSFER_PROTOCOL_VERSION,
} from './messages.js'
import { acceptProblem, assertOfferable, fileMetasOf } from './offer.js'
import { watchOpening } from './openWatch.js'
import { type SendAttempt, SendAttempts } from './SendAttempts.js'
import { SendDepth } from './SendDepth.js'
import { defaultSendSettings, SendPause } from './SendPause.js'
import {
  type FileRecord,
  peerErrorCode,
  Transfer,
  type TransferOptions,
  type TransferState,
} from './Transfer.js'
import { TransferChannel } from './TransferChannel.js'
import { Yielder } from './yielder.js'

export { DEFAULT_CHUNK_SIZE } from './SendPause.js'
/** max-message-size assumed when the runtime does not tell (RFC 8841 default). */
export const DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024

export interface FileSenderOptions extends TransferOptions {
  /** Transfer id (default: random). */
  id?: string
  /** Files to send, in order. They stay open after the transfer: their owner closes them. */
  sources: readonly FileSource[]
  /** The integrity digests this side computes (the receiver picks one: see chooseDigest). */
  hashers: Hashers
  /**
   * Preferred chunk size; capped by the connection's max-message-size (default: 64 KiB in browsers,
   * 256 KiB in Node; see {@link defaultSendSettings}).
   */
  chunkSize?: number
  /**
   * Stop queueing data when the channel's bufferedAmount exceeds this (default: 8 MiB in Node; in
   * browsers a depth of 64 KiB to 4 MiB that follows the sending thread, see {@link defaultSendSettings}).
   */
  highWaterMark?: number
  /**
   * Resume queueing when it falls to this (bufferedAmountLowThreshold; default: 4 MiB in Node, in
   * browsers the same depth as the high water mark): what the channel still has to send while the
   * sender waits for its thread.
   */
  lowWaterMark?: number
  /**
   * Chunks read ahead of the channel (default: the refill's worth, high − low water mark, and at
   * least 1 MiB), read 1 MiB at a time: when the channel drains, the chunks to fill it again are read.
   */
  readAhead?: number
  /**
   * A channel not open after this long is given up as lost, ms (default 15 s): the sender then
   * waits, interrupted, for a new one (`channel-closed`).
   */
  openTimeoutMs?: number
  /** Testing only: replaces a chunk after it was hashed and before it is sent (corruption). */
  mutateChunk?: (fileId: string, offset: number, chunk: Uint8Array) => Uint8Array
}

export type { SendAttempt }

export interface AttachOptions {
  /** The connection's negotiated max-message-size (RTCSctpTransport.maxMessageSize). */
  maxMessageSize?: number | null | undefined
}

interface SendRecord extends FileRecord {
  readonly source: FileSource
  /** Where the receiver asked this attempt to start. */
  startOffset: number
  /** Copies of the running hash at chunk boundaries (resume points). */
  readonly snapshots: HashSnapshots
}

/**
 * Sends files over one transfer channel: offer, then each accepted file as binary chunks paced by
 * the channel's bufferedAmount, SHA-256 computed while reading, 'file-end' with the digest. On a
 * new channel after a connection loss ({@link attach} again) it offers again and continues from the
 * offsets the receiver confirms; bytes the receiver already stored are never sent again.
 */
export class FileSender extends Transfer {
  readonly direction = 'send' as const
  readonly #options: FileSenderOptions
  readonly #preferredChunkSize: number
  readonly #highWaterMark: number
  readonly #lowWaterMark: number
  /** Browsers without water marks in the options: the queue's depth follows the sending thread. */
  readonly #depth: SendDepth | undefined
  #link: TransferChannel | undefined
  #offeredOn: TransferChannel | undefined
  #generation = 0
  #chunkSize: number
  /** The digest the receiver picked (its accept). */
  #digest: DigestAlgorithm = 'sha256'
  #accepted = false
  readonly #pause = new SendPause()
  #dataBytesSent = 0
  #cancelling = false
  /** The peer sent the transfer's last message: close the channel at once. */
  #peerEnded = false
  readonly #attempts = new SendAttempts()

  constructor(options: FileSenderOptions) {
    const id = options.id ?? newTransferId()
    if (!TRANSFER_ID_PATTERN.test(id)) throw new ParleyError('INVALID_ARGUMENT', 'invalid transfer id')
    if (options.sources.length === 0) throw new ParleyError('INVALID_ARGUMENT', 'nothing to send')
    const files = fileMetasOf(options.sources)
    assertOfferable(options.sources)
    super(id, files, options)
    this.#options = options
    const defaults = defaultSendSettings()
    this.#preferredChunkSize = options.chunkSize ?? defaults.chunkSize
    this.#chunkSize = this.#preferredChunkSize
    this.#highWaterMark = options.highWaterMark ?? defaults.high
    this.#lowWaterMark = options.lowWaterMark ?? defaults.low
    const fixed = options.highWaterMark !== undefined || options.lowWaterMark !== undefined
    this.#depth = fixed || !defaults.depth ? undefined : new SendDepth(defaults.depth)
    const records = this.records as SendRecord[]
    options.sources.forEach((source, i) => {
      Object.assign(records[i]!, { source, startOffset: 0, snapshots: new HashSnapshots() })
    })
  }

  /** Total data bytes handed to channels, over every attempt (resent bytes count twice). */
  get dataBytesSent(): number {
    return this.#dataBytesSent
  }

  /** Offsets each attempt started from, in order (diagnostics and tests). */
  get resumeOffsets(): readonly { fileId: string; offset: number }[] {
    return this.#attempts.list.map((a) => ({ fileId: a.fileId, offset: a.from }))
  }

  /**
   * Every attempt at sending a file: from which offset, up to which offset bytes were handed to
   * the channel, and what the receiver had confirmed when the attempt ended (diagnostics, tests).
   */
  get attempts(): readonly Readonly<SendAttempt>[] {
    return this.#attempts.list
  }

  /** Bytes [0, n) of file `fileId` the receiver confirmed as stored (0 for an unknown id). */
  confirmedOf(fileId: string): number {
    return this.record(fileId)?.confirmed ?? 0
  }

  /** True while the receiver asked to pause (its storage is slower than the network). */
  get paused(): boolean {
    return this.#pause.paused
  }

  /** Chunk size of the current attempt. */
  get chunkSize(): number {
    return this.#chunkSize
  }

  /**
   * Uses `channel` (open or opening, created by this side) for the transfer: offers once it is
   * open. Call again with a new channel after a connection loss to resume.
   */
  attach(channel: RTCDataChannel, options: AttachOptions = {}): void {
    if (this.isTerminal) {
      channel.close()
      return
    }
    this.#detachLink()
    const max = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE
    this.#chunkSize = Math.max(1024, Math.min(this.#preferredChunkSize, max))
    const gen = ++this.#generation
    const link = new TransferChannel(channel, { lowWaterMark: this.#depth?.bytes ?? this.#lowWaterMark })
    this.#link = link
    this.#pause.resume() // a new channel starts unpaused
    link.bind({
      open: () => this.#sendOffer(link),
      control: (message) => {
        if (gen === this.#generation) this.#onControl(message, link, gen)
      },
      data: () => this.#protocolError(link, 'unexpected data frame from the receiver'),
      invalid: (reason) => this.#protocolError(link, reason),
      close: () => {
        if (gen === this.#generation) this.#onLinkClosed()
      },
    })
    this.logger.info(
      { transferId: this.id, attempt: gen, readyState: channel.readyState },
      'transfer channel attached',
    )
    if (link.isOpen) this.#sendOffer(link)
    else
      watchOpening(link, {
        timeoutMs: this.#options.openTimeoutMs ?? 15_000,
        stillWanted: () => gen === this.#generation && !this.isTerminal && this.#offeredOn !== link,
        onOpen: () => this.#sendOffer(link),
        onGiveUp: () => {
          this.logger.warn({ transferId: this.id }, 'transfer channel did not open: given up')
          this.#detachLink()
          this.#onLinkClosed()
        },
      })
  }

  async cancel(reason = 'cancelled by the sender'): Promise<void> {
    if (this.isTerminal || this.#cancelling) return
    this.#cancelling = true
    const link = this.#link
    this.fail(new ParleyError('CANCELLED', reason))
    if (link) {
      link.sendControl({ t: 'cancel', reason })
      await link.closeAfter()
    }
  }

  protected onTerminal(_state: TransferState): void {
    this.#generation++
    this.#pause.wake()
    const link = this.#link
    if (link) {
      // Closing at once when the peer sent the last word (or we just stop here); else let it close.
      if (this.#peerEnded || this.error?.code === 'CLOSED') link.close()
      else void link.closeAfter()
    }
    // Sources belong to the caller (one source may serve several transfers): not closed here.
    for (const r of this.records as SendRecord[]) r.snapshots.clear()
  }

  #sendOffer(link: TransferChannel): void {
    // 'open' may fire although the channel was already open when attached: offer once per link
    if (link !== this.#link || this.isTerminal || this.#offeredOn === link) return
    this.#offeredOn = link
    // Files sent whole before: a receiver that kept them (a reloaded page) compares their digests.
    const sent = this.records.flatMap((r) =>
      r.sha256 !== undefined && r.digest !== undefined
        ? [{ id: r.meta.id, digest: r.digest, sha256: r.sha256 }]
        : [],
    )
    const offered = link.sendControl({
      t: 'offer',
      v: TRANSFER_PROTOCOL_VERSION,
      transferId: this.id,
      files: this.records.map((r) => r.meta),
      digests: this.#options.hashers.algorithms,
      ...(sent.length > 0 ? { sent } : {}),
    })
    if (!offered) {
      // An open channel that refuses the offer carries nothing: lost, like a closed one.
      this.logger.warn(
        { transferId: this.id, readyState: link.channel.readyState, error: link.lastSendError },
        'transfer channel refused the offer: given up',
      )
      this.#detachLink()
      this.#onLinkClosed()
      return
    }
    this.logger.info({ transferId: this.id, attempt: this.#generation }, 'offer sent')
    if (this.state === 'interrupted' && !this.#accepted) this.setState('offered')
  }

  #onControl(message: ControlMessage, link: TransferChannel, gen: number): void {
    switch (message.t) {
      case 'accept':
        this.#onAccept(message, link, gen)
        return
      case 'decline':
        this.#peerEnded = true
        this.fail(new ParleyError('DECLINED', message.reason ? `declined: ${message.reason}` : 'declined'))
        return
      case 'progress': {
        const r = this.record(message.id) as SendRecord | undefined
        if (!r || message.offset > r.meta.size) {
          this.#protocolError(link, 'progress for an unknown offset')
          return
        }
        if (message.offset > r.confirmed) {
          this.setConfirmed(r, message.offset)
          this.#attempts.confirmed(r.meta.id, r.confirmed)
          r.snapshots.confirmed(message.offset)
          this.reportProgress()
        }
        return
      }
      case 'file-ok': {
        const r = this.record(message.id)
        if (!r || (r.status !== 'sent' && r.status !== 'active')) {
          this.#protocolError(link, 'file-ok for a file not sent')
          return
        }
        this.setConfirmed(r, r.meta.size)
        this.setBytes(r, r.meta.size)
        this.setFileStatus(r, 'done')
        ;(r as SendRecord).snapshots.clear()
        this.reportProgress(true)
        if (this.allFilesSettled) {
          this.#peerEnded = true
          this.setState('done')
        }
        return
      }
      case 'pause':
        this.#pause.pause()
        this.emit('flow', true)
        return
      case 'continue':
        this.#pause.resume()
        this.emit('flow', false)
        return
      case 'cancel':
        this.#peerEnded = true
        this.fail(new ParleyError('CANCELLED', message.reason || 'cancelled by the receiver'))
        return
      case 'error':
        this.#peerEnded = true
        this.fail(new ParleyError(peerErrorCode(message.code), message.message || message.code))
        return
      default:
        this.#protocolError(link, `unexpected ${message.t} from the receiver`)
    }
  }

  #onAccept(message: Extract<ControlMessage, { t: 'accept' }>, link: TransferChannel, gen: number): void {
    if (this.state !== 'offered' && this.state !== 'interrupted') {
      this.#protocolError(link, 'accept while the transfer is already running')
      return
    }
    const records = this.records as SendRecord[]
    const problem = acceptProblem(
      message,
      new Map(records.map((r) => [r.meta.id, r])),
      this.#options.hashers.algorithms,
    )
    if (problem) {
      this.#protocolError(link, problem)
      return
    }
    const digest = message.digest ?? 'sha256'
    if (digest !== this.#digest) for (const r of records) r.snapshots.clear()
    this.#digest = digest
    for (const id of message.declined) {
      const r = this.record(id)!
      if (r.status === 'pending') this.setFileStatus(r, 'declined')
    }
    for (const id of message.completed) {
      const r = this.record(id)!
      this.setBytes(r, r.meta.size)
      this.setConfirmed(r, r.meta.size)
      this.setFileStatus(r, 'done')
    }
    for (const f of message.files) {
      const r = this.record(f.id) as SendRecord
      // A file verified before may be asked for again: a reloaded receiver that lost it (from 0) or
      // kept it without a record of its verification (at its size: only the digest is sent).
      r.startOffset = f.offset
      this.setConfirmed(r, r.status === 'done' ? f.offset : Math.max(r.confirmed, f.offset))
      this.setBytes(r, f.offset)
      this.setFileStatus(r, 'pending')
    }
    const mentioned = new Set([...message.files.map((f) => f.id), ...message.declined, ...message.completed])
    // A file the answer does not mention is declined.
    for (const r of records) {
      if (r.status === 'pending' && !mentioned.has(r.meta.id)) this.setFileStatus(r, 'declined')
    }
    this.#accepted = true
    if (records.every((r) => r.status === 'declined')) {
      this.fail(new ParleyError('DECLINED', 'the receiver declined every file'))
      return
    }
    if (this.allFilesSettled) {
      this.#peerEnded = true // every file was verified before: the accept is the last message
      this.setState('done')
      return
    }
    this.setState('active')
    this.reportProgress(true)
    void this.#pump(link, gen)
  }

  async #pump(link: TransferChannel, gen: number): Promise<void> {
    const chunkSize = this.#chunkSize
    const window = this.#depth ? chunkSize : Math.max(this.#highWaterMark - this.#lowWaterMark, chunkSize)
    const readAhead = Math.max(1, this.#options.readAhead ?? Math.ceil(window / chunkSize))
    const records = this.records as SendRecord[]
    const readers = new FileReaders(records, { chunkSize, readAhead })
    try {
      for (let i = 0; i < records.length; i++) {
        const r = records[i]!
        if (gen !== this.#generation) return
        if (r.status !== 'pending') continue
        await this.#sendFile(r, link, gen, readers, i)
      }
    } catch (error) {
      if (gen !== this.#generation) return
      const e =
        error instanceof ParleyError ? error : new ParleyError('READ_FAILED', String(error), { cause: error })
      link.sendControl({ t: 'error', code: e.code, message: e.message })
      this.fail(e)
    }
  }

  async #sendFile(
    r: SendRecord,
    link: TransferChannel,
    gen: number,
    readers: FileReaders,
    index: number,
  ): Promise<void> {
    const id = r.meta.id
    const size = r.meta.size
    let offset = r.startOffset
    const attempt = this.#attempts.start(id, offset, r.confirmed)
    if (offset === size && r.sha256 !== undefined && r.digest === this.#digest) {
      // The receiver holds every byte already: announce the digest of what was sent, read nothing.
      this.setFileStatus(r, 'active')
      if (!link.sendControl({ t: 'file', id, offset })) return
      if (!link.sendControl({ t: 'file-end', id, sha256: r.sha256 })) return
      this.setFileStatus(r, 'sent')
      return
    }
    const hasher = await r.snapshots.hasherAt(
      r.source,
      offset,
      () => this.#options.hashers.create(this.#digest),
      () => gen === this.#generation,
    )
    if (!hasher || gen !== this.#generation) return
    this.setFileStatus(r, 'active')
    if (!link.sendControl({ t: 'file', id, offset })) return
    const reader = readers.readerFor(index)
    let readAhead = false
    const yielder = new Yielder()
    while (offset < size) {
      // a closed link ends this attempt ('close' moved the transfer to interrupted); waiting for
      // room there would spin: a closed channel resolves every wait at once
      if (gen !== this.#generation || link.isClosed) return
      if (this.#pause.paused || link.bufferedAmount > (this.#depth?.bytes ?? this.#highWaterMark)) {
        reader.fill()
        const drain = !this.#pause.paused // not the receiver's pause: a wait for the channel
        await this.#pause.wait(link)
        // a wait that ended because the channel closed says nothing about the thread
        if (drain && !link.isClosed && this.#depth?.refilled(link.bufferedAmount)) {
          link.setLowWaterMark(this.#depth.bytes)
        }
        continue
      }
      const reading = reader.next()
      if (!readAhead && reader.issuedAll) {
        readAhead = true
        readers.readAheadAfter(index)
      }
      const chunk = await reading
      const pause = yielder.maybeYield()
      if (pause) await pause
      if (gen !== this.#generation) return
      hasher.update(chunk)
      const out = this.#options.mutateChunk ? this.#options.mutateChunk(id, offset, chunk) : chunk
      try {
        link.sendData(out)
      } catch {
        return // the channel closed under us: 'close' moves the transfer to interrupted
      }
      offset += chunk.byteLength
      attempt.to = offset
      this.#dataBytesSent += chunk.byteLength
      this.setBytes(r, offset)
      r.snapshots.afterChunk(offset, chunk.byteLength, hasher)
      this.reportProgress()
    }
    const sha256 = await hasher.digestHex()
    if (gen !== this.#generation) return
    r.sha256 = sha256
    r.digest = this.#digest
    if (!link.sendControl({ t: 'file-end', id, sha256 })) return
    this.setFileStatus(r, 'sent')
    if (this.#depth) {
      const { bytes, grown } = this.#depth
      this.logger.debug({ transferId: this.id, fileId: id, queueDepth: bytes, ranDry: grown }, 'file sent')
    }
  }

  #onLinkClosed(): void {
    this.#pause.wake()
    if (this.isTerminal) return
    this.logger.info({ transferId: this.id }, 'transfer channel closed: interrupted')
    for (const r of this.records) if (r.status === 'active') this.setFileStatus(r, 'pending')
    for (const r of this.records) if (r.status === 'sent') this.setFileStatus(r, 'pending')
    this.setState('interrupted')
    this.emit('channel-closed')
  }

  #protocolError(link: TransferChannel, reason: string): void {
    if (this.isTerminal) return
    this.logger.warn({ transferId: this.id, reason }, 'transfer protocol error')
    link.sendControl({ t: 'error', code: 'BAD_MESSAGE', message: reason })
    this.fail(new ParleyError('BAD_MESSAGE', `protocol error: ${reason}`))
  }

  #detachLink(): void {
    const link = this.#link
    if (!link) return
    this.#link = undefined
    link.detach()
    link.close()
  }
}
