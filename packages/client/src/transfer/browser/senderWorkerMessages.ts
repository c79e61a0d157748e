import type { SendAttempt } from '../FileSender.js'
import type { DigestAlgorithm } from '../hash.js'
import type { FileStatus, TransferState } from '../Transfer.js'

/**
 * Messages between a WorkerFileSender (the page) and the FileSender it runs in a dedicated worker
 * (hostFileSender). The transfer channel itself moves to the worker: a data channel can only be
 * transferred in the task that created it, so `attach` carries it right after createDataChannel.
 */

/** Sender options that cross to the worker (numbers only: no functions, no sources). */
export interface WorkerSenderOptions {
  chunkSize?: number
  highWaterMark?: number
  lowWaterMark?: number
  readAhead?: number
  progressIntervalMs?: number
  openTimeoutMs?: number
}

/** Page → worker. */
export type ToSenderWorker =
  | { t: 'create'; id: string; files: readonly Blob[]; options: WorkerSenderOptions }
  /**
   * `channel` null: no connection right now (the sender waits, interrupted). `attempt` numbers the
   * attaches of this transfer, 1, 2, …
   */
  | { t: 'attach'; channel: RTCDataChannel | null; maxMessageSize: number | undefined; attempt: number }
  /**
   * The page closed the connection under the channel of `attempt` (browsers fire no close event
   * then). Ignored unless that channel is still the sender's: an old connection closing must not
   * close the channel of a newer attach.
   */
  | { t: 'link-closed'; attempt: number }
  | { t: 'cancel'; reason: string | undefined }
  | { t: 'close'; reason: string }

/** One file's record as the worker's FileSender has it. */
export interface WorkerFileRecord {
  readonly id: string
  readonly status: FileStatus
  readonly bytes: number
  readonly confirmed: number
  readonly sha256: string | undefined
  readonly digest: DigestAlgorithm | undefined
}

export type WorkerLogLevel = 'debug' | 'info' | 'warn' | 'error'

/** Worker → page. */
export type FromSenderWorker =
  /** The worker's script is loaded and listening. */
  | { t: 'ready' }
  /** `create` failed (e.g. no digest available): the page falls back to its own FileSender. */
  | { t: 'create-failed'; message: string }
  | { t: 'created' }
  | {
      t: 'state'
      state: TransferState
      error: { code: string; message: string } | undefined
      attempts: readonly SendAttempt[]
      dataBytesSent: number
    }
  | { t: 'file'; file: WorkerFileRecord }
  | {
      t: 'progress'
      /** The files whose byte counts changed since the last progress message. */
      files: readonly WorkerFileRecord[]
      dataBytesSent: number
    }
  | { t: 'flow'; paused: boolean }
  /** The sender's channel closed before the end (FileSender's `channel-closed`). */
  | { t: 'channel-closed' }
  | { t: 'log'; level: WorkerLogLevel; fields: Record<string, unknown>; message: string }
  /** The transfer ended and its channel is closed (or did not close in time): terminate the worker. */
  | { t: 'end' }
