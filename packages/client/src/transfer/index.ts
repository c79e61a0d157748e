/** File transfer: see docs/file-transfer.md. */

export { BlobFileSource } from './BlobFileSource.js'
export { canTransferDataChannels } from './browser/channelTransfer.js'
export { CreditWindow } from './browser/download/CreditWindow.js'
export { type ChunkQueue, createChunkQueue } from './browser/download/chunkQueue.js'
export { contentDisposition } from './browser/download/contentDisposition.js'
export { DownloadStream, type DownloadStreamState } from './browser/download/DownloadStream.js'
export {
  type DownloadWorkerConfig,
  type DownloadWorkerScope,
  installDownloadWorker,
} from './browser/download/downloadWorker.js'
export type {
  DownloadRequest,
  KeepAlive,
  PageMessage,
  WorkerMessage,
} from './browser/download/protocol.js'
export { ServiceWorkerDownloadSink } from './browser/download/ServiceWorkerDownloadSink.js'
export {
  type DownloadWorkerRegistration,
  type RegisterOptions,
  ServiceWorkerDownloads,
  type ServiceWorkerDownloadsOptions,
} from './browser/download/ServiceWorkerDownloads.js'
export {
  DEFAULT_DOWNLOAD_WORKER_CONFIG,
  downloadServiceWorkerSource,
} from './browser/download/serviceWorkerSource.js'
export { FsAccessSink } from './browser/FsAccessSink.js'
export { MEMORY_SINK_LIMIT, MemorySink } from './browser/MemorySink.js'
export { OpfsSink } from './browser/OpfsSink.js'
export {
  cleanUpOpfsTransfers,
  OPFS_ROOT,
  type OpfsCleanupOptions,
  opfsEntryName,
  PARTIAL_MAX_AGE_MS,
} from './browser/opfsHousekeeping.js'
export { canPickSinks, pickSinks } from './browser/pickedSinks.js'
export {
  type HostFileSenderOptions,
  hostFileSender,
  type SenderWorkerScope,
} from './browser/SenderWorkerHost.js'
export { type SavableSink, type SaveOptions, saveBlob } from './browser/save.js'
export type { FromSenderWorker, ToSenderWorker } from './browser/senderWorkerMessages.js'
export {
  type BrowserSinkKind,
  type BrowserSinkOptions,
  type BrowserStorage,
  browserSinkFactory,
  chooseBrowserSink,
  createBrowserSinkFactory,
} from './browser/sinks.js'
export {
  type SenderWorker,
  WorkerFileSender,
  type WorkerFileSenderOptions,
} from './browser/WorkerFileSender.js'
export { Crc32 } from './Crc32.js'
export { eachLimited } from './concurrency.js'
export { FileReceiver, type FileReceiverOptions, type IncomingOffer as OfferDetails } from './FileReceiver.js'
export {
  type AttachOptions,
  DEFAULT_CHUNK_SIZE,
  DEFAULT_MAX_MESSAGE_SIZE,
  FileSender,
  type FileSenderOptions,
} from './FileSender.js'
export type { FileSink, SinkContext, SinkFactory } from './FileSink.js'
export type { FileSource } from './FileSource.js'
export {
  distinctPaths,
  folderPrefixes,
  MAX_FOLDER_DEPTH,
  safeFileName,
  safeRelativePath,
  uniqueFileName,
} from './fileName.js'
export {
  chooseDigest,
  DIGEST_ALGORITHMS,
  type DigestAlgorithm,
  type Hasher,
  type Hashers,
  LIST_SEGMENT_BYTES,
  loadHashers,
  tsHashers,
  webCryptoHashers,
} from './hash.js'
export {
  type ControlMessage,
  type FileMeta,
  LIMITS as TRANSFER_LIMITS,
  parseControl,
  type SentDigest,
  TRANSFER_CHANNEL_PREFIX,
  TRANSFER_PROTOCOL_VERSION,
  transferChannelLabel,
  transferIdOfLabel,
} from './messages.js'
export { DirectoryListing } from './node/DirectoryListing.js'
export { NodeFileSink, type NodeFileSinkOptions, PART_SUFFIX, SIDECAR_SUFFIX } from './node/NodeFileSink.js'
export { NodeFileSource } from './node/NodeFileSource.js'
export { assertOfferable } from './offer.js'
export type { TransferProgress } from './Progress.js'
export { Sha256, type Sha256State } from './Sha256.js'
export { SpaceBudget, type StorageEstimator } from './SpaceBudget.js'
export {
  type FileStatus,
  TRANSFER_TRANSITIONS,
  Transfer,
  type TransferDirection,
  type TransferEvents,
  type TransferFile,
  type TransferState,
} from './Transfer.js'
export {
  type AcceptedTransfer,
  type JournalStorage,
  MAX_JOURNAL_ENTRIES,
  MemoryTransferJournal,
  StorageTransferJournal,
  type TransferJournal,
  type VerifiedFile,
  withCompleted,
} from './TransferJournal.js'
export {
  type IncomingOffer,
  type OutgoingTransfer,
  TransferManager,
  type TransferManagerEvents,
  type TransferManagerOptions,
  type TransferPeer,
  type TransferRoom,
} from './TransferManager.js'
export { type ZipEntry, type ZipOptions, zipBlob } from './zipBlob.js'
