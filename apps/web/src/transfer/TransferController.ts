import { Store } from '../state/Store.js'
import type { TransferSource } from './TransferSource.js'
import type { FileStatus, TransferState, TransferView } from './types.js'

/**
 * What the controller needs of the SDK's transfer engine (TransferManager, Transfer, IncomingOffer
 * and the browser sinks), bound in sdk/parley.ts.
 */
export interface EngineTransfer {
  readonly id: string
  readonly direction: 'send' | 'receive'
  readonly state: TransferState
  readonly files: readonly {
    readonly id: string
    readonly name: string
    readonly size: number
    readonly status: FileStatus
    readonly sha256: string | undefined
    readonly digest: string | undefined
  }[]
  readonly progress: {
    readonly bytes: number
    readonly totalBytes: number
    readonly bytesPerSecond: number
    readonly etaSeconds: number | undefined
  }
  readonly error: { readonly message: string } | undefined
  cancel(reason?: string): Promise<void>
}

export interface EnginePeer {
  readonly peerId: string
  readonly name: string
}

/** An offered file as the engine describes it. */
export interface EngineFile {
  readonly id: string
  readonly name: string
  readonly size: number
  readonly type: string
  readonly lastModified: number
}

/** What a sink choice knows of the whole transfer (the SDK's SinkContext). */
export interface EngineSinkContext {
  /** The accepted files of the transfer together, bytes. */
  readonly transferBytes: number
}

export interface EngineSink {
  /** Downloads the received file (sinks that keep the file: memory, OPFS). */
  save?(): Promise<void>
  /** The received file (sinks that keep it), for an archive of several. */
  file?(): Promise<Blob>
  /** The file streams into the browser's Downloads while it arrives: that download is the save. */
  readonly savedAsDownload?: boolean
  /** The file is written where the person chose (a save dialog) as it arrives: that is the save. */
  readonly savedInPlace?: boolean
}

/** Chooses the sink of each accepted file. */
export type EngineSinkFor<Sink extends EngineSink> = (
  file: EngineFile,
  context?: EngineSinkContext,
) => Sink | Promise<Sink>

export interface EngineOffer<Sink extends EngineSink> {
  readonly transfer: EngineTransfer
  readonly from: EnginePeer
  /** Files this tab accepted when the same transfer was offered before a reload (the journal). */
  readonly acceptedBefore: readonly string[] | undefined
  accept(fileIds: 'all' | readonly string[], sinkFor: EngineSinkFor<Sink>): Promise<void>
  decline(reason?: string): Promise<void>
}

export interface TransferEngine<Sink extends EngineSink> {
  onOffer(fn: (offer: EngineOffer<Sink>) => void): () => void
  onTransfer(fn: (transfer: EngineTransfer, peer: EnginePeer) => void): () => void
  /** `to` is a peer id or everyone; resolves once the transfers exist. */
  send(to: string | 'everyone', files: readonly File[]): Promise<void>
  /**
   * Where accepted files go (browser default: OPFS for a file or a transfer of 64 MiB and more, a
   * service-worker download when OPFS is unavailable, memory below 64 MiB).
   */
  sinkFor(file: EngineFile, context?: EngineSinkContext): Sink | Promise<Sink>
  /**
   * Asks the person where to save `files` (the browser's save dialog for one file, a folder for
   * several) and resolves with sinks that write them there, or undefined when the dialog was
   * dismissed. Needs the click's user gesture: called synchronously from the handler. Absent where
   * the browser cannot ask.
   */
  readonly pickPlace?: (
    files: readonly { readonly id: string; readonly name: string }[],
  ) => Promise<EngineSinkFor<Sink> | undefined>
  /**
   * Saves files as one ZIP archive named `name` (a download). The files are read once first (their
   * checksums): `onProgress` tells how far, from 0 to 1; `signal` stops it (the promise rejects).
   */
  saveZip(files: readonly ZipFile[], name: string, options?: ZipSaveOptions): Promise<void>
  /** Stops every transfer here (receivers keep partial data). Idempotent. */
  close(): void
}

export interface ZipSaveOptions {
  readonly onProgress?: (fraction: number) => void
  readonly signal?: AbortSignal
}

/** A received file for an archive. */
export interface ZipFile {
  readonly name: string
  readonly blob: Blob
  readonly lastModified: number
}

interface Entry {
  readonly transfer: EngineTransfer
  /** Its peer, whose id changes if it re-joins under a new one (the transfer follows it). */
  peer: EnginePeer
  offer: EngineOffer<EngineSink> | undefined
  /** The sink of each accepted file, in the order they were made. */
  readonly sinks: { readonly file: EngineFile; readonly sink: EngineSink }[]
  /** Set once accepted or declined here, so the buttons go away at once. */
  answered: boolean
  /** The transfer's state in the last views published (undefined: not published yet). */
  publishedState: TransferState | undefined
  /** The archive being made for "save all": how far, 0–1, and its stop (undefined: none). */
  zipping: { fraction: number; readonly stop: AbortController } | undefined
}

/**
 * Least time between two publications for progress and file events, ms. A transfer emits an event
 * per status change of each file: thousands of files would otherwise rebuild every view (each
 * with every file) thousands of times — a transfer's own state changes are published at once.
 */
const PUBLISH_INTERVAL_MS = 100

/**
 * The call's file transfers as one list for the UI, and the actions on them. Every transfer of the
 * engine (both directions) becomes a TransferView; incoming offers wait for accept / decline,
 * except an offer this tab accepted before a reload, which is accepted again at once (the sinks
 * find the data they kept and the transfer continues from there); the sinks of accepted files are
 * kept so that "Save" can download the verified files.
 */
export class TransferController<Sink extends EngineSink>
  extends Store<readonly TransferView[]>
  implements TransferSource
{
  readonly #engine: TransferEngine<Sink>
  readonly #entries = new Map<string, Entry>()
  readonly #dismissed = new Set<string>()
  readonly #off: (() => void)[]
  readonly #onError: (message: string) => void
  #closed = false
  #lastPublish = Number.NEGATIVE_INFINITY
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(engine: TransferEngine<Sink>, onError: (message: string) => void = () => {}) {
    super([])
    this.#engine = engine
    this.#onError = onError
    this.#off = [
      engine.onOffer((offer) => {
        const entry = this.#entry(offer.transfer, offer.from)
        entry.offer = offer as EngineOffer<EngineSink>
        if (offer.acceptedBefore) this.#accept(entry, offer.acceptedBefore)
        else this.#publish()
      }),
      engine.onTransfer((transfer, peer) => {
        const entry = this.#entry(transfer, peer)
        if (entry.publishedState !== transfer.state) this.#publish()
        else this.#publishSoon()
      }),
    ]
  }

  send(files: readonly File[] | Promise<readonly File[]>, to: string | 'everyone'): void {
    Promise.resolve(files)
      .then((list) => {
        if (this.#closed || list.length === 0) return
        return this.#engine.send(to, list)
      })
      .catch((error: unknown) => this.#onError(messageOf(error, 'The files could not be sent.')))
  }

  accept(id: string): void {
    const entry = this.#entries.get(id)
    if (entry) this.#accept(entry, 'all')
  }

  /**
   * Accepts every file of an offer into a place the person picks (see TransferEngine.pickPlace);
   * call it from the click handler itself. The offer stays unanswered when the dialog is dismissed.
   */
  acceptTo(id: string): void {
    const entry = this.#entries.get(id)
    const pick = this.#engine.pickPlace
    if (!entry?.offer || entry.answered || !pick) return
    const offer = entry.offer
    pick(entry.transfer.files.map((f) => ({ id: f.id, name: f.name })))
      .then((sinkFor) => {
        // the offer may have ended, or been answered, while the dialog was open
        if (sinkFor && entry.offer === offer) this.#accept(entry, 'all', sinkFor)
      })
      .catch((error: unknown) => this.#onError(messageOf(error, 'The files could not be saved there.')))
  }

  #accept(
    entry: Entry,
    fileIds: 'all' | readonly string[],
    sinkFor: EngineSinkFor<Sink> = (file, context) => this.#engine.sinkFor(file, context),
  ): void {
    const offer = entry.offer
    if (!offer || entry.answered) return
    entry.answered = true
    offer
      .accept(fileIds, async (file, context) => {
        const sink = await sinkFor(file, context)
        entry.sinks.push({ file, sink })
        return sink
      })
      .catch((error: unknown) => this.#onError(messageOf(error, 'The files could not be received.')))
    this.#publish()
  }

  decline(id: string): void {
    const entry = this.#entries.get(id)
    if (!entry?.offer || entry.answered) return
    entry.answered = true
    entry.offer.decline('Declined').catch(() => {})
    this.#publish()
  }

  cancel(id: string): void {
    this.#entries
      .get(id)
      ?.transfer.cancel('Cancelled')
      .catch(() => {})
  }

  save(id: string): void {
    const entry = this.#entries.get(id)
    if (entry?.transfer.state !== 'done') return
    for (const { sink } of entry.sinks) {
      sink.save?.().catch((error: unknown) => this.#onError(messageOf(error, 'The file could not be saved.')))
    }
  }

  /**
   * Saves the verified files of a finished transfer as one ZIP archive (one download); called again
   * while the archive is being made (its files read for their checksums), stops it.
   */
  saveZip(id: string): void {
    const entry = this.#entries.get(id)
    if (entry?.transfer.state !== 'done') return
    if (entry.zipping) {
      entry.zipping.stop.abort()
      return
    }
    const sinks = new Map(entry.sinks.map((s) => [s.file.id, s]))
    const done = entry.transfer.files.filter((f) => f.status === 'done')
    const zipping = { fraction: 0, stop: new AbortController() }
    entry.zipping = zipping
    this.#publish()
    void (async () => {
      const files: ZipFile[] = []
      for (const f of done) {
        const held = sinks.get(f.id)
        const blob = await held?.sink.file?.()
        if (!held || !blob) continue
        files.push({ name: f.name, blob, lastModified: held.file.lastModified })
      }
      zipping.stop.signal.throwIfAborted()
      await this.#engine.saveZip(files, `${entry.peer.name || 'parley'} - ${files.length} files.zip`, {
        signal: zipping.stop.signal,
        onProgress: (f) => {
          zipping.fraction = f
          this.#publishSoon()
        },
      })
    })()
      .catch((error: unknown) => {
        // stopped on purpose (a click, leaving the call): nothing to report
        if (!zipping.stop.signal.aborted) this.#onError(messageOf(error, 'The files could not be saved.'))
      })
      .finally(() => {
        entry.zipping = undefined
        if (!this.#closed) this.#publish()
      })
  }

  dismiss(id: string): void {
    const entry = this.#entries.get(id)
    if (!entry || !['done', 'failed', 'cancelled'].includes(entry.transfer.state)) return
    this.#dismissed.add(id)
    this.#entries.delete(id)
    this.#publish()
  }

  /** Stops listening and the engine's transfers (on leaving the call). Idempotent. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    for (const off of this.#off.splice(0)) off()
    for (const entry of this.#entries.values()) entry.zipping?.stop.abort()
    this.#engine.close()
  }

  #entry(transfer: EngineTransfer, peer: EnginePeer): Entry {
    const key = `${peer.peerId}/${transfer.id}`
    let entry = this.#entries.get(key) ?? this.#followed(transfer, peer, key)
    if (!entry && !this.#dismissed.has(key)) {
      entry = {
        transfer,
        peer,
        offer: undefined,
        sinks: [],
        answered: false,
        publishedState: undefined,
        zipping: undefined,
      }
      this.#entries.set(key, entry)
    }
    return (
      entry ?? {
        transfer,
        peer,
        offer: undefined,
        sinks: [],
        answered: true,
        publishedState: transfer.state,
        zipping: undefined,
      }
    )
  }

  /**
   * The entry of `transfer` under its peer's previous id: the peer re-joined under a new id and
   * the transfer followed it. It keeps its place in the list under the new key.
   */
  #followed(transfer: EngineTransfer, peer: EnginePeer, key: string): Entry | undefined {
    const found = [...this.#entries].find(([, e]) => e.transfer === transfer)
    if (!found) return undefined
    const [oldKey, entry] = found
    entry.peer = peer
    const entries = [...this.#entries].map(([k, e]): [string, Entry] => (k === oldKey ? [key, e] : [k, e]))
    this.#entries.clear()
    for (const [k, e] of entries) this.#entries.set(k, e)
    if (this.#dismissed.delete(oldKey)) this.#dismissed.add(key)
    return entry
  }

  /** Publishes now, or at the end of the interval since the last publication. */
  #publishSoon(): void {
    if (this.#timer !== undefined) return
    const wait = this.#lastPublish + PUBLISH_INTERVAL_MS - performance.now()
    if (wait <= 0) this.#publish()
    else this.#timer = setTimeout(() => this.#publish(), wait)
  }

  #publish(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#lastPublish = performance.now()
    const views: TransferView[] = []
    for (const [id, e] of this.#entries) {
      const t = e.transfer
      e.publishedState = t.state
      const p = t.progress
      const awaitingAnswer =
        t.direction === 'receive' && t.state === 'offered' && e.offer !== undefined && !e.answered
      views.push({
        id,
        direction: t.direction,
        peerId: e.peer.peerId,
        peerName: e.peer.name || 'Someone',
        state: t.state,
        awaitingAnswer,
        canAcceptTo: awaitingAnswer && this.#engine.pickPlace !== undefined,
        files: t.files.map((f) => ({
          id: f.id,
          name: f.name,
          size: f.size,
          status: f.status,
          sha256: f.sha256,
          digest: f.digest,
        })),
        bytes: p.bytes,
        totalBytes: p.totalBytes,
        bytesPerSecond: p.bytesPerSecond,
        etaSeconds: p.etaSeconds,
        reason: t.state === 'failed' || t.state === 'cancelled' ? t.error?.message : undefined,
        canSave:
          t.direction === 'receive' &&
          t.state === 'done' &&
          e.sinks.some(({ sink }) => typeof sink.save === 'function'),
        canSaveZip:
          t.direction === 'receive' &&
          t.state === 'done' &&
          e.sinks.length > 1 &&
          e.sinks.every(({ sink }) => typeof sink.file === 'function'),
        zipProgress: e.zipping?.fraction,
        downloading: t.direction === 'receive' && e.sinks.some(({ sink }) => sink.savedAsDownload === true),
        savedInPlace: t.direction === 'receive' && e.sinks.some(({ sink }) => sink.savedInPlace === true),
      })
    }
    this.set(views)
  }
}

function messageOf(error: unknown, fallback: string): string {
  return error instanceof Error && error.message ? error.message : fallback
}
