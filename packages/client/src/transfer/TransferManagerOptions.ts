import type { Logger } from '../Logger.js'
import type { Participant } from '../Participant.js'
import type { Room } from '../Room.js'
import type { ServiceWorkerDownloads } from './browser/download/ServiceWorkerDownloads.js'
import type { SenderWorker } from './browser/WorkerFileSender.js'
import type { FileReceiverOptions } from './FileReceiver.js'
import type { FileSenderOptions } from './FileSender.js'
import type { SinkFactory } from './FileSink.js'
import type { Hashers } from './hash.js'
import type { TransferJournal } from './TransferJournal.js'

/** The part of a Room the manager uses (a Room, or a stand-in in tests). */
export type TransferRoom = Pick<Room, 'on' | 'participants'>

/** The part of a Participant the manager uses. */
export type TransferPeer = Pick<
  Participant,
  'peerId' | 'name' | 'state' | 'sas' | 'createDataChannel' | 'peerConnection'
>

export interface TransferManagerOptions {
  logger?: Logger
  /**
   * Integrity digests (default loadHashers(): Node's native crypto in Node; in browsers WebCrypto's
   * `sha256-list` where available, else the TypeScript SHA-256).
   */
  hashers?: Hashers
  /**
   * Sinks used by `IncomingOffer.accept()` when none is given. Default in browsers:
   * `createBrowserSinkFactory({ serviceWorkerDownloads })` — OPFS for files ≥ 64 MiB, else a
   * service-worker streaming download when OPFS is unavailable and `serviceWorkerDownloads` is
   * given, else memory below 64 MiB, else STORAGE_UNAVAILABLE. Elsewhere (Node) there is no
   * default: pass one (e.g. a NodeFileSink per file) or give `sinkFor` to accept().
   */
  sinkFactory?: SinkFactory
  /** Browsers: the application's download service worker, for the default sinks (see sinkFactory). */
  serviceWorkerDownloads?: ServiceWorkerDownloads
  /** How long an interrupted transfer waits for its peer to come back, ms (default 5 min). */
  resumeTimeoutMs?: number
  /**
   * A peer that drops out of the room without a goodbye (`participant-left` reasons `dropped`,
   * `afresh`: its network or ours was gone past the server's resume grace) may come back under a
   * new id. With `true` (the default) its running transfers wait for it, interrupted, as long as
   * `resumeTimeoutMs`, and continue from the confirmed offsets when it is back: met afresh under
   * the same id, the sender offers again to its new participant and the receiver asks its sender
   * for the transfer again (`reclaim`); under a new id, the transfer's id (known only to the two)
   * shows it is the same peer. `false`: they end at once, as on a plain leave.
   */
  awaitRejoin?: boolean
  /** How long a new transfer channel may take to deliver its offer, ms (default 10 s). */
  offerTimeoutMs?: number
  /**
   * Browsers: starts a dedicated worker whose script calls `hostFileSender(self)`. Files are then
   * read, hashed and sent in that worker (one per outgoing transfer), not on the page's main thread,
   * when the browser can move data channels to workers (Chromium, Safari); elsewhere, or if the
   * worker fails to start, they are sent from the page as without this option.
   */
  senderWorker?: () => SenderWorker
  /** Options passed to every FileSender (chunk size, watermarks…). */
  sender?: Partial<Omit<FileSenderOptions, 'sources' | 'hashers' | 'id'>>
  /** Options passed to every FileReceiver (queue bounds, checkpoint cadence…). */
  receiver?: Partial<Omit<FileReceiverOptions, 'hashers'>>
  /**
   * Remembers the offers accepted here (browsers: a StorageTransferJournal on sessionStorage), so
   * that after a reload the same offer, made again by its sender, comes with `acceptedBefore`.
   */
  journal?: TransferJournal
}
