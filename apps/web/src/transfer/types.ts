/**
 * What the file-transfer UI renders and asks for. TransferController (bound to the SDK's transfer
 * engine) produces these snapshots; the components never touch the engine.
 */

export type TransferState = 'offered' | 'active' | 'interrupted' | 'done' | 'failed' | 'cancelled'
export type FileStatus = 'pending' | 'declined' | 'active' | 'sent' | 'done' | 'failed' | 'cancelled'

export interface TransferFileView {
  readonly id: string
  readonly name: string
  readonly size: number
  readonly status: FileStatus
  /** The verified digest (64 hex digits) once known, kept across a reload of the receiving page. */
  readonly sha256: string | undefined
  /** Which digest `sha256` is (`sha256`, `sha256-list`). */
  readonly digest: string | undefined
}

export interface TransferView {
  readonly id: string
  readonly direction: 'send' | 'receive'
  readonly peerId: string
  readonly peerName: string
  readonly state: TransferState
  readonly files: readonly TransferFileView[]
  readonly bytes: number
  readonly totalBytes: number
  readonly bytesPerSecond: number
  readonly etaSeconds: number | undefined
  /** Why it failed or was cancelled, in words for people. */
  readonly reason: string | undefined
  /** An incoming offer nobody answered yet: accept / decline. */
  readonly awaitingAnswer: boolean
  /** The offer can be accepted into a place the person picks (the browser's save dialog). */
  readonly canAcceptTo: boolean
  /** A received file is ready to be saved with the save action. */
  readonly canSave: boolean
  /** Several received files can be saved together as one ZIP archive. */
  readonly canSaveZip: boolean
  /**
   * The archive of "save all" is being made (its files are read for their checksums first): how
   * far, 0–1 (the save action stops it meanwhile). Undefined when none is being made.
   */
  readonly zipProgress: number | undefined
  /**
   * Received files stream into the browser's Downloads as they arrive (service-worker download):
   * the download is the save, so the save action shows as done once the transfer is.
   */
  readonly downloading: boolean
  /**
   * Received files are written where the person chose (accepted with "Save as…") as they arrive:
   * that is the save.
   */
  readonly savedInPlace: boolean
}

/** The stable `data-state` of a transfer card (an interrupted transfer is still active: it resumes). */
export function hookState(state: TransferState): 'offered' | 'active' | 'done' | 'failed' | 'cancelled' {
  return state === 'interrupted' ? 'active' : state
}

export interface TransferActions {
  /** Offers files to one participant, or to everyone (one transfer per participant). */
  /** `files` may still be being read (a dropped folder): a failure to read them is reported as a failed send. */
  send(files: readonly File[] | Promise<readonly File[]>, to: string | 'everyone'): void
  accept(id: string): void
  /** Accepts into a place the person picks; call it from the click handler itself (user gesture). */
  acceptTo(id: string): void
  decline(id: string): void
  cancel(id: string): void
  save(id: string): void
  /**
   * Saves the received files of a transfer as one ZIP archive; again while the archive is being
   * made (`zipProgress`), stops it.
   */
  saveZip(id: string): void
  /** Removes a finished transfer from the list. */
  dismiss(id: string): void
}
