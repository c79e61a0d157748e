/**
 * The one place the web app touches @parley/client: binds the narrow ports the app is written
 * against to the real SDK (the assignments below make the compiler check that the SDK fits them).
 */
import {
  AudioLevelMeter,
  canPickSinks,
  cleanUpOpfsTransfers,
  createBrowserSinkFactory,
  type FileMeta,
  type FileSink,
  LocalMedia,
  OpfsSink,
  ParleyError,
  pickSinks,
  Room,
  type SavableSink,
  type SinkContext,
  StorageTransferJournal,
  saveBlob,
  TransferManager,
  zipBlob,
} from '@parley/client'
import { TransferController } from '../transfer/TransferController.js'
import { downloadWorker, opfsDisabledForTests, senderWorkerForcedForTests } from './downloads.js'
import type { JoinRequest, LocalMediaPort, MediaPort, MeterTrack, RoomPort } from './ports.js'
import type { Sdk } from './Sdk.js'
import { testLogger } from './testLogger.js'

const media: MediaPort = {
  create: (request): Promise<LocalMediaPort> =>
    LocalMedia.create({ audio: request.audio, video: request.video }),
  listDevices: () => LocalMedia.listDevices(),
}

async function joinRoom({ serverUrl, room, name, local, resume }: JoinRequest): Promise<RoomPort> {
  const published = local instanceof LocalMedia ? local : undefined
  const logger = testLogger()
  const joined: RoomPort = await Room.join(serverUrl, room, {
    name,
    ...(logger ? { logger } : {}),
    // Leaving the page keeps the session for a reload to take over (RoomPage keeps the token);
    // the others see a closed tab leave when the suspend grace ends.
    pageHide: 'suspend',
    ...(resume !== undefined ? { resume } : {}),
    ...(published ? { media: published } : {}),
  })
  return joined
}

/** The accepted offers of this tab (sessionStorage survives a reload), if storage is usable. */
function tabJournal(): StorageTransferJournal | undefined {
  try {
    return new StorageTransferJournal(sessionStorage)
  } catch {
    return undefined // storage blocked: a reload then shows the offer again instead
  }
}

const meterTrack: MeterTrack = (track) => AudioLevelMeter.forTrack(track)

type AppSink = FileSink &
  Partial<SavableSink> & { readonly savedAsDownload?: boolean; readonly savedInPlace?: boolean }

let cleanedUp = false

/**
 * Once per page: deletes what earlier pages left in the origin private file system and no page
 * holds any more (received files nobody can save now, partial files older than a day); see the
 * SDK's opfsHousekeeping.ts. Files of other open tabs are left alone, and so are the accepted files
 * of the transfers this tab's journal remembers: a page reloaded mid-transfer takes them over when
 * the sender offers again (the files it had completed are then not received again).
 */
function cleanUpOpfsOnce(
  onError: (message: string) => void,
  journal: StorageTransferJournal | undefined,
): void {
  if (cleanedUp) return
  cleanedUp = true
  const keep = (journal?.entries() ?? []).flatMap((e) => e.files.filter((f) => e.fileIds.includes(f.id)))
  cleanUpOpfsTransfers({ keep }).catch((error: unknown) => {
    onError(`could not clean up stored transfers: ${error instanceof Error ? error.message : String(error)}`)
  })
}

/**
 * Whether files are sent from the dedicated worker: not by default. Its resume after a receiver
 * reload stalled in fresh-clone CI runs (two causes fixed since, a third not proven), and on this
 * 2-core machine the worker cost 3–19 % of throughput; see docs/file-transfer.md, "Sending from a
 * worker". Tests turn it on with the hook (one reload end-to-end test does).
 */
function useSenderWorker(): boolean {
  return senderWorkerForcedForTests() === true
}

/** Files are read, hashed and sent in this dedicated worker (where the browser allows it). */
const startSenderWorker = () =>
  new Worker(new URL('./senderWorker.ts', import.meta.url), { type: 'module', name: 'parley-sender' })

/**
 * The SDK's transfer engine over a joined room, behind the app's TransferController. Received
 * files go where the SDK's browser choice puts them: OPFS (a file or a transfer ≥ 64 MiB), the
 * download service worker when OPFS is unavailable, memory (< 64 MiB), else a clear error.
 */
function createTransfers(room: RoomPort, onError: (message: string) => void) {
  if (!(room instanceof Room))
    throw new ParleyError('INVALID_ARGUMENT', 'transfers need a room joined with the SDK')
  const journal = tabJournal()
  const logger = testLogger()
  const manager = new TransferManager(room, {
    ...(logger ? { logger } : {}),
    ...(journal ? { journal } : {}),
    ...(useSenderWorker() ? { senderWorker: startSenderWorker } : {}),
  })
  const opfs = !opfsDisabledForTests() && OpfsSink.isSupported()
  if (opfs) cleanUpOpfsOnce(onError, journal)
  // The download worker is registered only where it can be chosen (no OPFS), on the first accept.
  // one factory with OPFS: the files of one accept share one estimate of the site's storage
  const opfsSinks = opfs ? createBrowserSinkFactory({ opfs }) : undefined
  const sinkFor = async (file: FileMeta, context?: SinkContext): Promise<AppSink> => {
    if (opfsSinks) return (await opfsSinks(file, context)) as AppSink
    const serviceWorkerDownloads = await downloadWorker()
    return (await createBrowserSinkFactory({ serviceWorkerDownloads, opfs })(file, context)) as AppSink
  }
  return new TransferController<AppSink>(
    {
      onOffer: (fn) => manager.on('offer', fn),
      onTransfer: (fn) => manager.on('transfer', fn),
      send: async (to, files) => {
        const peer = to === 'everyone' ? 'everyone' : room.participant(to)
        if (!peer) throw new ParleyError('INVALID_ARGUMENT', 'that person left the call')
        await manager.sendFiles(peer, files)
      },
      sinkFor,
      // "Save as…": where the browser can ask (Chromium's File System Access API)
      ...(canPickSinks()
        ? {
            pickPlace: async (files: readonly { id: string; name: string }[]) => {
              const sinks = await pickSinks(files)
              return sinks ? async (file: FileMeta) => (await sinks(file)) as AppSink : undefined
            },
          }
        : {}),
      saveZip: async (files, name, options = {}) => {
        const { onProgress, signal } = options
        const zip = await zipBlob(files, {
          onProgress: (bytes, total) => onProgress?.(total > 0 ? bytes / total : 1),
          ...(signal ? { signal } : {}),
        })
        signal?.throwIfAborted()
        await saveBlob(zip, name)
      },
      close: () => manager.close(),
    },
    onError,
  )
}

export const sdk: Sdk = { media, joinRoom, meterTrack, createTransfers }
