import { ParleyError } from '../errors.js'
import { childLogger, type Logger, silentLogger } from '../Logger.js'
import type { LeaveReason } from '../Membership.js'
import { TypedEmitter } from '../TypedEmitter.js'
import { BlobFileSource } from './BlobFileSource.js'
import { canTransferDataChannels } from './browser/channelTransfer.js'
import { createBrowserSinkFactory } from './browser/sinks.js'
import { WorkerFileSender } from './browser/WorkerFileSender.js'
import { closedChannel } from './closedChannel.js'
import { FileReceiver } from './FileReceiver.js'
import { FileSender } from './FileSender.js'
import type { SinkFactory } from './FileSink.js'
import type { FileSource } from './FileSource.js'
import { type Hashers, loadHashers } from './hash.js'
import { CompletionRecorder } from './journalCompletions.js'
import { type FileMeta, transferChannelLabel, transferIdOfLabel } from './messages.js'
import { assertOfferable, type Opening, readOpening, sameFiles } from './offer.js'
import { sendReclaim } from './reclaim.js'
import type { Transfer } from './Transfer.js'
import { TransferChannel } from './TransferChannel.js'
import type { TransferManagerOptions, TransferPeer, TransferRoom } from './TransferManagerOptions.js'

export type { TransferManagerOptions, TransferPeer, TransferRoom } from './TransferManagerOptions.js'

/** A transfer the journal keeps when it stops: only when this manager stops (the page goes away). */
const journalKeeps = (transfer: Transfer, managerClosed: boolean): boolean =>
  managerClosed && transfer.state === 'failed' && transfer.error?.code === 'CLOSED'

/** An incoming offer waiting for the user's answer. */
export interface IncomingOffer {
  readonly transfer: FileReceiver
  readonly from: TransferPeer
  readonly files: readonly FileMeta[]
  /**
   * The files accepted when this same transfer (same sender, id and files) was offered here
   * before a reload, as the journal remembers them; undefined for a new offer. Accepting them
   * again continues from what the sinks kept: the sender does not send those bytes again, and a
   * file the journal records as verified whose sink still holds all of it is not received again.
   */
  readonly acceptedBefore: readonly string[] | undefined
  /**
   * Accepts `fileIds` (default: every file) into the sinks `sinkFor` gives (default: the manager's
   * sinkFactory). Rejects if a sink cannot be opened (e.g. FILE_EXISTS); the transfer then fails.
   */
  accept(fileIds?: readonly string[] | 'all', sinkFor?: SinkFactory): Promise<void>
  /** Declines the whole offer; the sender sees `reason`. */
  decline(reason?: string): Promise<void>
}

export interface TransferManagerEvents {
  /** A peer offers files. Answer with accept() or decline(). */
  offer: (offer: IncomingOffer) => void
  /** A transfer was created or changed (state, progress, a file's status): re-render it. */
  transfer: (transfer: Transfer, peer: TransferPeer) => void
}

interface Entry {
  readonly transfer: Transfer
  /** Moves to the peer's new participant when it comes back (see `awaitRejoin`). */
  peer: TransferPeer
  /** Its peer dropped out (`dropped`) or was met afresh (`afresh`): the transfer waits for it. */
  waitingFor: 'dropped' | 'afresh' | undefined
  resumeTimer: ReturnType<typeof setTimeout> | undefined
  /** A re-attach waiting for its backoff delay (outgoing transfers). */
  reattachTimer: ReturnType<typeof setTimeout> | undefined
  reattachAttempts: number
  /** Receivers with a journal: records their verified files there. */
  completions: CompletionRecorder | undefined
}

const MAX_REATTACH_ATTEMPTS = 20

/**
 * Delay before re-attaching a sender whose channel closed while its peer is connected: at once the
 * first time (the connection is already back), then 0.1, 0.2, 0.4 … 5 s, so that channels dying
 * one after another on a connection being replaced do not use up the attempts in a few ms.
 */
const reattachDelayMs = (attempts: number): number =>
  attempts === 0 ? 0 : Math.min(100 * 2 ** (attempts - 1), 5000)

/**
 * Whether `peer`'s connection can carry a new channel now. A remote that closed its connection (a
 * page reloading) leaves ours `connected` — ICE still answers for a while — with its SCTP
 * association closed, and a channel opened there dies at once. The peer's `restart` signal and its
 * new connection's `connected` re-attach then instead.
 */
const canOpenChannel = (peer: TransferPeer): boolean =>
  peer.state === 'connected' && peer.peerConnection?.sctp?.state !== 'closed'

/**
 * File transfers of a Room: sends files to one participant or everyone, receives offers, and
 * resumes interrupted transfers when the connection to their peer comes back (a new transfer
 * channel is opened and the receiver answers with what it already stored).
 *
 * ```ts
 * const files = new TransferManager(room)
 * files.on('offer', (offer) => offer.accept())   // browsers: OPFS / service-worker download / memory
 * files.on('transfer', (t) => render(t.state, t.progress))
 * files.sendFiles('everyone', [...input.files])
 * ```
 */
export class TransferManager extends TypedEmitter<TransferManagerEvents> {
  readonly #room: TransferRoom
  readonly #options: TransferManagerOptions
  readonly #logger: Logger
  readonly #entries = new Map<string, Entry>()
  readonly #unsubscribe: (() => void)[]
  readonly #defaultSinks: SinkFactory | undefined
  #hashers: Promise<Hashers>
  #closed = false

  constructor(room: TransferRoom, options: TransferManagerOptions = {}) {
    const logger = childLogger(options.logger ?? silentLogger, { component: 'transfers' })
    super((error, event) => logger.error({ error, event }, 'transfer manager listener threw'))
    this.#room = room
    this.#options = options
    this.#logger = logger
    this.#defaultSinks =
      options.sinkFactory ??
      (isBrowser()
        ? createBrowserSinkFactory({ serviceWorkerDownloads: options.serviceWorkerDownloads })
        : undefined)
    this.#hashers = options.hashers ? Promise.resolve(options.hashers) : loadHashers()
    this.#unsubscribe = [
      room.on('data-channel', (peer, channel) => this.#onChannel(peer, channel)),
      room.on('connection-state', (peer, state) => {
        if (state === 'connected') this.#resumeWith(peer)
      }),
      room.on('participant-left', (peer, reason) => this.#onPeerLeft(peer, reason)),
      room.on('participant-restarted', (peer) => this.#onPeerRestarted(peer)),
      room.on('state', (state) => {
        if (state === 'left') this.close()
      }),
    ]
  }

  /** Every transfer of this manager, by id (both directions). */
  get transfers(): readonly Transfer[] {
    return [...this.#entries.values()].map((e) => e.transfer)
  }

  /** The peer of a transfer. */
  peerOf(transfer: Transfer): TransferPeer | undefined {
    return [...this.#entries.values()].find((e) => e.transfer === transfer)?.peer
  }

  /**
   * Offers `files` (browser Files/Blobs or FileSources) to `to` — one participant, or every
   * participant currently in the room (one transfer each). Resolves with the transfers; each
   * goes on by itself (answer, progress, resume) and ends done, failed or cancelled.
   */
  async sendFiles(
    to: TransferPeer | 'everyone',
    files: readonly (FileSource | Blob)[],
  ): Promise<OutgoingTransfer[]> {
    if (this.#closed) throw new ParleyError('CLOSED', 'the transfer manager is closed')
    if (files.length === 0) throw new ParleyError('INVALID_ARGUMENT', 'no file to send')
    const peers = to === 'everyone' ? [...this.#room.participants.values()] : [to]
    const blobs = files.every(isBlob) ? (files as readonly Blob[]) : undefined
    const startWorker = this.#options.senderWorker
    const sources = files.map((f) => (isBlob(f) ? new BlobFileSource(f) : f))
    assertOfferable(sources) // before any sender or worker exists
    const senders = await Promise.all(
      peers.map(async (peer): Promise<[OutgoingTransfer, TransferPeer]> => {
        if (blobs && startWorker && canTransferDataChannels()) {
          try {
            // the numeric tuning crosses to the worker (WorkerSenderOptions); functions cannot
            const sender = await WorkerFileSender.start({
              ...this.#options.sender,
              logger: this.#logger,
              files: blobs,
              worker: startWorker,
            })
            return [sender, peer]
          } catch (error) {
            this.#logger.warn({ error }, 'sender worker unavailable: sending from the page')
          }
        }
        const sender = new FileSender({
          ...this.#options.sender,
          logger: this.#logger,
          sources,
          hashers: await this.#hashers,
        })
        return [sender, peer]
      }),
    )
    if (this.#closed) {
      for (const [sender] of senders) sender.close('the transfer manager is closed')
      throw new ParleyError('CLOSED', 'the transfer manager is closed')
    }
    return senders.map(([sender, peer]) => {
      this.#track(sender, peer)
      this.#attachSender(sender, peer)
      return sender
    })
  }

  /**
   * Stops every transfer here (receivers keep partial files) and stops listening to the room.
   * Idempotent. Use cancel() on transfers first to tell the peers.
   */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const off of this.#unsubscribe) off()
    // the page is going away: what the journal keeps must include every file verified so far
    for (const entry of this.#entries.values()) entry.completions?.flush()
    for (const entry of this.#entries.values()) {
      clearTimeout(entry.resumeTimer)
      clearTimeout(entry.reattachTimer)
      entry.transfer.close('transfer manager closed')
    }
  }

  #key(peerId: string, transferId: string): string {
    return `${peerId}/${transferId}`
  }

  #track(transfer: Transfer, peer: TransferPeer): Entry {
    const journal = this.#options.journal
    const entry: Entry = {
      transfer,
      peer,
      waitingFor: undefined,
      resumeTimer: undefined,
      reattachTimer: undefined,
      reattachAttempts: 0,
      completions:
        journal && transfer instanceof FileReceiver
          ? new CompletionRecorder(journal, peer.peerId, transfer.id)
          : undefined,
    }
    this.#entries.set(this.#key(peer.peerId, transfer.id), entry)
    const changed = () => this.emit('transfer', transfer, entry.peer)
    transfer.on('progress', changed)
    transfer.on('file', (file) => {
      if (file.status === 'done' && file.sha256 !== undefined && file.digest !== undefined) {
        entry.completions?.add({ id: file.id, digest: file.digest, sha256: file.sha256 })
      }
      changed()
    })
    transfer.on('state', (state) => {
      clearTimeout(entry.resumeTimer)
      entry.resumeTimer = undefined
      if (transfer instanceof FileReceiver && transfer.isTerminal && !journalKeeps(transfer, this.#closed)) {
        entry.completions?.dispose()
        journal?.forget(entry.peer.peerId, transfer.id)
      }
      if (state === 'interrupted') {
        entry.resumeTimer = setTimeout(
          () => transfer.close('the peer did not come back in time'),
          this.#options.resumeTimeoutMs ?? 5 * 60_000,
        )
      } else if (state === 'active') {
        entry.reattachAttempts = 0
      }
      if (transfer.isTerminal) {
        clearTimeout(entry.reattachTimer)
        entry.reattachTimer = undefined
      }
      changed()
    })
    // Every lost channel of a sender, also one that died before it opened while the transfer was
    // interrupted already (no state change then): the connection may be back (a new generation).
    transfer.on('channel-closed', () => this.#scheduleReattach(entry))
    changed()
    return entry
  }

  #attachSender(sender: OutgoingTransfer, peer: TransferPeer): void {
    try {
      const channel = peer.createDataChannel(transferChannelLabel(sender.id), { ordered: true })
      sender.attach(channel, { maxMessageSize: peer.peerConnection?.sctp?.maxMessageSize })
    } catch (error) {
      // No connection right now: the transfer waits (interrupted) for 'connection-state' connected.
      this.#logger.info({ error, peerId: peer.peerId }, 'cannot open a transfer channel yet')
      if (sender.state === 'offered') sender.attach(closedChannel(sender.id))
    }
  }

  #reattach(entry: Entry): void {
    const { transfer, peer } = entry
    clearTimeout(entry.reattachTimer)
    entry.reattachTimer = undefined
    if (this.#closed || transfer.state !== 'interrupted' || !isOutgoing(transfer)) return
    if (!this.#canReattach(entry)) return
    entry.reattachAttempts++
    if (entry.reattachAttempts > MAX_REATTACH_ATTEMPTS) {
      transfer.close('the transfer could not be resumed')
      return
    }
    this.#logger.info({ transferId: transfer.id, peerId: peer.peerId }, 'resuming transfer')
    this.#attachSender(transfer, peer)
  }

  #scheduleReattach(entry: Entry): void {
    if (this.#closed || entry.reattachTimer !== undefined || !this.#canReattach(entry)) return
    entry.reattachTimer = setTimeout(() => this.#reattach(entry), reattachDelayMs(entry.reattachAttempts))
  }

  /** The peer's connection can take a new channel now; otherwise its next `connected` re-attaches. */
  #canReattach({ transfer, peer }: Entry): boolean {
    if (canOpenChannel(peer)) return true
    if (peer.state === 'connected') {
      this.#logger.info(
        { transferId: transfer.id, peerId: peer.peerId },
        "the connection's SCTP association is closed: waiting for the peer's new connection",
      )
    }
    return false
  }

  #resumeWith(peer: TransferPeer): void {
    for (const entry of [...this.#entries.values()]) {
      if (entry.peer.peerId !== peer.peerId) continue
      if (entry.peer !== peer) {
        // the same peer met afresh: a new participant under the same id
        if (entry.waitingFor !== 'afresh' || entry.transfer.isTerminal) continue
        this.#moveTo(entry, peer)
        if (entry.transfer instanceof FileReceiver) {
          sendReclaim(peer, entry.transfer, this.#logger)
          continue
        }
      }
      this.#reattach(entry)
    }
  }

  #onPeerLeft(peer: TransferPeer, reason: LeaveReason): void {
    const who = peer.name || 'the peer'
    // met afresh: the same peer comes back at once as a new participant
    const why = reason === 'afresh' ? `the connection to ${who} starts afresh` : `${who} left`
    const wait = this.#options.awaitRejoin !== false && (reason === 'dropped' || reason === 'afresh')
    for (const entry of this.#entries.values()) {
      const { transfer } = entry
      if (entry.peer.peerId !== peer.peerId || transfer.isTerminal) continue
      if (wait && (transfer.state === 'active' || transfer.state === 'interrupted')) {
        // interrupted by now or when its channel closes: its resume timeout bounds the wait
        entry.waitingFor = reason
        this.#logger.info(
          { transferId: transfer.id, peerId: peer.peerId, reason },
          'peer gone without a goodbye: the transfer waits for it to come back',
        )
        continue
      }
      transfer.close(why)
    }
  }

  /** The entry's peer came back (met afresh, or under a new id): the entry follows it. */
  #moveTo(entry: Entry, peer: TransferPeer): void {
    const { transfer } = entry
    this.#logger.info(
      { transferId: transfer.id, from: entry.peer.peerId, to: peer.peerId },
      'the peer is back: the transfer follows it',
    )
    this.#entries.delete(this.#key(entry.peer.peerId, transfer.id))
    this.#entries.set(this.#key(peer.peerId, transfer.id), entry)
    entry.peer = peer
    entry.waitingFor = undefined
    entry.reattachAttempts = 0
    entry.completions?.moveTo(peer.peerId)
    this.emit('transfer', transfer, peer)
  }

  /** A transfer of ours waiting for a peer that dropped out, by id (the peer is back under a new id). */
  #waitingFor(transferId: string, outgoing: boolean): Entry | undefined {
    for (const entry of this.#entries.values()) {
      const { transfer } = entry
      if (transfer.id !== transferId || entry.waitingFor !== 'dropped' || transfer.isTerminal) continue
      if (isOutgoing(transfer) === outgoing) return entry
    }
    return undefined
  }

  /** The receiver of a transfer of ours is back under a new id and asks for it (`reclaim`). */
  #onReclaim(peer: TransferPeer, link: TransferChannel, transferId: string): void {
    const entry = this.#waitingFor(transferId, true)
    if (!entry) {
      link.sendControl({ t: 'error', code: 'CLOSED', message: 'this transfer has ended' })
      void link.closeAfter()
      return
    }
    link.close()
    this.#moveTo(entry, peer)
    this.#reattach(entry)
  }

  /** Our receiving transfer `id` whose sender dropped out and is back as `peer`: it follows. */
  #rejoined(peer: TransferPeer, id: string): Entry | undefined {
    const entry = this.#waitingFor(id, false)
    if (entry) this.#moveTo(entry, peer)
    return entry
  }

  /**
   * The peer came back as a new instance (reloaded page): what it was sending us is gone with the
   * old one, so those transfers end; what we send it goes on (it is offered again once the new
   * connection is up, and a journal there recognises it).
   */
  #onPeerRestarted(peer: TransferPeer): void {
    for (const entry of this.#entries.values()) {
      if (entry.peer.peerId !== peer.peerId || entry.transfer.isTerminal) continue
      if (entry.transfer instanceof FileReceiver) {
        entry.transfer.close(`${peer.name || 'the peer'} reloaded; the sender has to send again`)
      } else {
        entry.reattachAttempts = 0
      }
    }
  }

  async #onChannel(peer: TransferPeer, channel: RTCDataChannel): Promise<void> {
    const id = transferIdOfLabel(channel.label)
    if (id === undefined || this.#closed) return
    const link = new TransferChannel(channel)
    let opening: Opening
    try {
      opening = await readOpening(link, this.#options.offerTimeoutMs ?? 10_000)
    } catch (error) {
      this.#logger.warn({ error, peerId: peer.peerId }, 'bad transfer channel')
      return
    }
    if (opening.t === 'reclaim' && opening.transferId === id) {
      this.#onReclaim(peer, link, id)
      return
    }
    const offer = opening.t === 'offer' ? opening.offer : undefined
    if (offer?.transferId !== id) {
      link.sendControl({
        t: 'error',
        code: 'BAD_MESSAGE',
        message: 'offer id differs from the channel label',
      })
      void link.closeAfter()
      return
    }
    const existing = this.#entries.get(this.#key(peer.peerId, id)) ?? this.#rejoined(peer, id)
    if (existing) {
      if (existing.transfer instanceof FileReceiver && !existing.transfer.isTerminal) {
        existing.transfer.adopt(link, offer)
      } else {
        link.sendControl({ t: 'error', code: 'CLOSED', message: 'this transfer has ended' })
        void link.closeAfter()
      }
      return
    }
    const receiver = new FileReceiver(offer, {
      ...this.#options.receiver,
      logger: this.#logger,
      hashers: await this.#hashers,
    })
    receiver.adopt(link, offer)
    this.#track(receiver, peer)
    const defaultSinks = this.#defaultSinks
    const journal = this.#options.journal
    const recalled = journal?.recall(peer.peerId, id)
    const before = recalled && sameFiles(offer.files, recalled.files) ? recalled : undefined
    const acceptedBefore = before?.fileIds
    this.emit('offer', {
      transfer: receiver,
      from: peer,
      files: offer.files,
      acceptedBefore,
      accept: (fileIds = 'all', sinkFor = defaultSinks) => {
        if (!sinkFor) {
          return Promise.reject(
            new ParleyError('INVALID_ARGUMENT', 'no sink: pass sinkFor or a sinkFactory option'),
          )
        }
        const ids = fileIds === 'all' ? offer.files.map((f) => f.id) : fileIds
        // files verified before the reload stay recorded (they are checked again in accept)
        const accepted = new Set(ids)
        const verified = (before?.completed ?? []).filter((v) => accepted.has(v.id))
        journal?.remember({
          peerId: peer.peerId,
          transferId: id,
          files: offer.files,
          fileIds: ids,
          ...(verified.length > 0 ? { completed: verified } : {}),
        })
        return receiver.accept(sinkFor, fileIds === 'all' ? undefined : fileIds, verified)
      },
      decline: (reason) => receiver.decline(reason),
    })
  }
}

/** A browser page (where the browser sinks apply), not Node or a worker. */
function isBrowser(): boolean {
  return typeof document !== 'undefined' && typeof navigator !== 'undefined'
}

/** A transfer this side sends: from the page, or from a dedicated worker. */
export type OutgoingTransfer = FileSender | WorkerFileSender

function isOutgoing(transfer: Transfer): transfer is OutgoingTransfer {
  return transfer instanceof FileSender || transfer instanceof WorkerFileSender
}

function isBlob(value: FileSource | Blob): value is Blob {
  return typeof Blob !== 'undefined' && value instanceof Blob
}
