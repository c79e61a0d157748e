/**
 * Browser side of `npm run bench -- transfer` (browser → browser). Bundled with esbuild (peerjs
 * included) and loaded after bench/webrtc/page.ts into a page that has the SDK (`window.Parley`) and
 * simple-peer's standalone build (`window.SimplePeer`); exposes `window.TransferBench`, driven by
 * bench/transfer/browser.ts with page.evaluate.
 *
 * The sender reads a disk-backed File (an `<input type=file>` filled by Playwright) and sends it with
 * one of five variants, written as their users would:
 * - `parley`: TransferManager.sendFiles → FileSender → FileReceiver (SHA-256 on both sides, the
 *   receiver writing into OPFS through the browser's default sinks), as the web app does (the sender
 *   on the page); `parleyWorker` / `parleyPage` (opt-in): the sender in the SDK's worker / on the page;
 * - `raw`: File.slice() reads, 64 KiB messages, pause above 4 MiB buffered, resume on bufferedamountlow
 *   (threshold 1 MiB) — the SDK's browser settings of sessions 1–6; `rawShallow` the same with 64 KiB / 64 KiB;
 * - `peerjsRaw` / `peerjsBinary`: PeerJS DataConnection (`serialization` 'raw' / 'binary'), conn.send()
 *   per 64 KiB (PeerJS has no back-pressure API: its DataConnection queues);
 * - `simplePeer`: simple-peer's stream interface, write() and wait for 'drain' when it returns false.
 */
import type * as ParleyClient from '@parley/client'
import type SimplePeerType from 'simple-peer'
import {
  deferred,
  type Link,
  OPEN_TIMEOUT_MS,
  peerjsOpen,
  RAW_EXTRAS,
  rawLink,
  rawOpen,
  SHALLOW_MARKS,
  signaling,
  simplePeerOpen,
  timeout,
  wall,
} from './browserPageLinks.js'
import { isParleyVariant, type ParleyVariant, type TransferVariant } from './browserVariants.js'

export interface TransferConnectArgs {
  readonly relayUrl: string
  readonly peerjsPort: number
  readonly parleyUrl: string
  readonly localId: string
  readonly remoteId: string
  readonly room: string
}

export interface TransferSendReport {
  readonly start: number
  readonly maxLagMs: number
  readonly maxLongTaskMs: number
  readonly longTasks: number
  /** Parley: how often the receiver asked the sender to pause (its disk queue was full); else 0. */
  readonly pauses: number
}

/** The selected ICE transport's counters (getStats), read before and after a transfer. */
export interface TransportReading {
  readonly packetsSent: number
  readonly packetsReceived: number
  readonly bytesSent: number
  readonly bytesReceived: number
  /** `<local type> <protocol> <address> → <remote type> <address>` of the selected pair. */
  readonly pair: string
}

export interface TransferReceiveReport {
  readonly bytes: number
  readonly first: number
  readonly last: number
  /** Every byte arrived (parley: and the SHA-256 matched, the file is in OPFS). */
  readonly complete: boolean
  /** The receiving page's main-thread stalls from expect() to the report (same probe as the sender's). */
  readonly stalls: Omit<TransferSendReport, 'start' | 'pauses'>
}

declare global {
  interface Window {
    TransferBench: typeof TransferBench
    SimplePeer: typeof SimplePeerType
  }
}

// parley --------------------------------------------------------------------------------------------

interface ParleyLink {
  room: ParleyClient.Room
  manager: ParleyClient.TransferManager
  sinks: ParleyClient.SinkFactory
  sender?: ParleyClient.OutgoingTransfer
  receiver?: ParleyClient.FileReceiver
}

/** `parleyNoHash`/`parleyBare`: a hasher that does nothing (both sides agree on a digest of zeros). */
const noHasher = (): ParleyClient.Hasher => ({
  update() {},
  digestHex: async () => '0'.repeat(64),
  clone: noHasher,
})
const noHashers: ParleyClient.Hashers = { algorithms: ['sha256'], create: noHasher }

/** `parleyDiscard`/`parleyBare`: a sink that drops the bytes. */
const discardSink = (): ParleyClient.FileSink => ({
  open: async () => 0,
  readBack: async () => new Uint8Array(0),
  write: async () => {},
  checkpoint: async () => {},
  complete: async () => {},
  discard: async () => {},
  close: async () => {},
})

/**
 * `parleyPicked`: each file written through FsAccessSink, as the web app's "Save as…" writes into a
 * picked file; a file of OPFS stands in for it (headless Chromium shows no dialog).
 */
const pickedSink = async (file: ParleyClient.FileMeta): Promise<ParleyClient.FileSink> => {
  const root = await navigator.storage.getDirectory()
  const handle = await root.getFileHandle(`picked-${file.id}.bin`, { create: true })
  return new window.Parley.FsAccessSink(handle)
}

/** The sender options of the diagnostic variants that tune it. */
const senderTuning: Partial<
  Record<ParleyVariant, { chunkSize?: number; highWaterMark?: number; lowWaterMark?: number }>
> = {
  parley256: { chunkSize: 256 * 1024 },
  parleyShallow: { highWaterMark: SHALLOW_MARKS.high, lowWaterMark: SHALLOW_MARKS.low },
  parley1MiB: { chunkSize: 256 * 1024, highWaterMark: 1024 * 1024, lowWaterMark: 256 * 1024 },
  parleyDeep: { chunkSize: 256 * 1024, highWaterMark: 8 * 1024 * 1024, lowWaterMark: 4 * 1024 * 1024 },
}

async function parleyOpen(args: TransferConnectArgs, variant: ParleyVariant): Promise<ParleyLink> {
  const { Room, TransferManager } = window.Parley
  const room = await Room.join(args.parleyUrl, args.room, {
    name: args.localId,
    ...(variant === 'parleyNoQuality' ? { quality: false as const } : {}),
  })
  signaling.ready.resolve()
  await new Promise<void>((resolve) => {
    room.on('connection-state', (_participant, state) => {
      if (state === 'connected') resolve()
    })
    for (const participant of room.participants.values()) if (participant.state === 'connected') resolve()
  })
  // the browser's digests (WebCrypto's sha256-list); the sinks are given at accept(), as the web app does
  const noHash = variant === 'parleyNoHash' || variant === 'parleyBare'
  const discard = variant === 'parleyDiscard' || variant === 'parleyBare'
  // the sender's place: the page for `parley` (as the web app by default), the worker for `parleyWorker`
  const manager = noHash
    ? new TransferManager(room, { hashers: noHashers })
    : variant === 'parleyPageDigest'
      ? new TransferManager(room, { hashers: window.Parley.webCryptoHashers(crypto.subtle) })
      : senderInWorker(variant)
        ? new TransferManager(room, {
            senderWorker: () => new Worker('/parley-sender-worker.js', { name: 'parley-sender' }),
          })
        : new TransferManager(room, { sender: senderTuning[variant] ?? {} })
  const sinks = discard
    ? discardSink
    : variant === 'parleyPicked'
      ? pickedSink
      : window.Parley.browserSinkFactory
  return { room, manager, sinks }
}

/** `rawOnParley`: a Parley room's connection, and raw's code on a negotiated channel of its own. */
async function rawOnParleyOpen(args: TransferConnectArgs): Promise<Link> {
  const room = await window.Parley.Room.join(args.parleyUrl, args.room, { name: args.localId })
  signaling.ready.resolve()
  const pc = await new Promise<RTCPeerConnection>((resolve) => {
    const check = () => {
      for (const participant of room.participants.values())
        if (participant.state === 'connected' && participant.peerConnection)
          resolve(participant.peerConnection)
    }
    room.on('connection-state', check)
    check()
  })
  // both sides create it with the same id: no offer, no answer (the SCTP association exists)
  const channel = pc.createDataChannel('bench-raw', { negotiated: true, id: 1000 })
  if (channel.readyState !== 'open')
    await new Promise<void>((resolve, reject) => {
      channel.onopen = () => resolve()
      channel.onerror = () => reject(new Error('bench-raw channel failed'))
    })
  return rawLink(pc, channel, () => void room.leave())
}

/** Whether `variant` sends from the SDK's sender worker (`parley`: no, as the web app by default). */
function senderInWorker(variant: ParleyVariant): boolean {
  return variant === 'parleyWorker'
}

/** Empties the origin's OPFS (the received files of earlier runs). */
async function clearOpfs(): Promise<void> {
  const root = await navigator.storage.getDirectory()
  const names: string[] = []
  for await (const name of (root as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name)
  for (const name of names) await root.removeEntry(name, { recursive: true }).catch(() => undefined)
}

// ------------------------------------------------------------------------------- stall probe

function startStallProbe(): () => Omit<TransferSendReport, 'start' | 'pauses'> {
  let last = performance.now()
  let maxLag = 0
  const interval = setInterval(() => {
    const now = performance.now()
    maxLag = Math.max(maxLag, now - last - 10)
    last = now
  }, 10)
  let maxLongTask = 0
  let longTasks = 0
  const take = (entries: PerformanceEntryList) => {
    for (const entry of entries) {
      longTasks++
      maxLongTask = Math.max(maxLongTask, entry.duration)
    }
  }
  const observer = new PerformanceObserver((list) => take(list.getEntries()))
  observer.observe({ type: 'longtask' })
  return () => {
    clearInterval(interval)
    maxLag = Math.max(maxLag, performance.now() - last - 10)
    take(observer.takeRecords())
    observer.disconnect()
    const r = (ms: number) => Math.round(ms * 10) / 10
    return { maxLagMs: r(Math.max(0, maxLag)), maxLongTaskMs: r(maxLongTask), longTasks }
  }
}

// ---------------------------------------------------------------------------------------- API

let link: Link | undefined
let parley: ParleyLink | undefined
let stopped = false
type Counted = Omit<TransferReceiveReport, 'stalls'>
let expected:
  | {
      promise: Promise<Counted>
      now: () => Counted
      stopProbe: () => Omit<TransferSendReport, 'start' | 'pauses'>
    }
  | undefined

function theFile(): File {
  const file = document.querySelector<HTMLInputElement>('#bench-file')?.files?.[0]
  if (!file) throw new Error('no file: fill #bench-file first')
  return file
}

export const TransferBench = {
  /** Adds the `<input type=file id=bench-file>` the Node side fills with setInputFiles. */
  fileInput(): void {
    if (document.querySelector('#bench-file')) return
    const input = document.createElement('input')
    input.type = 'file'
    input.id = 'bench-file'
    document.body.append(input)
  },

  /** Opens a connection of `variant`; the receiver (offerer = false) first, then the sender. */
  async open(variant: TransferVariant, args: TransferConnectArgs, offerer: boolean): Promise<void> {
    signaling.ready = deferred<void>()
    const opening = (async () => {
      if (isParleyVariant(variant)) {
        parley = await parleyOpen(args, variant)
        return
      }
      switch (variant) {
        case 'raw':
        case 'rawWorker':
        case 'rawReceiveWorker':
        case 'rawSwapped':
        case 'rawCert':
        case 'rawPresets':
        case 'rawStats':
        case 'rawRoom':
        case 'rawShallow':
          link = await rawOpen(args, offerer, RAW_EXTRAS[variant])
          return
        case 'rawOnParley':
          link = await rawOnParleyOpen(args)
          return
        case 'peerjsRaw':
          link = await peerjsOpen(args, offerer, 'raw')
          return
        case 'peerjsBinary':
          link = await peerjsOpen(args, offerer, 'binary')
          return
        case 'simplePeer':
          link = await simplePeerOpen(args, offerer)
          return
      }
    })()
    // the receiving side answers while its open() is pending: let the Node side wait on both
    ;(window as unknown as { benchOpening?: Promise<void> }).benchOpening = timeout(
      opening,
      OPEN_TIMEOUT_MS,
      `${variant} open`,
    )
    // resolves once the other side can reach this one (the receiver's registration before the offer)
    await timeout(Promise.race([signaling.ready.promise, opening]), OPEN_TIMEOUT_MS, `${variant} signaling`)
  },

  /** Waits for the connection started by open(). */
  async opened(): Promise<void> {
    await (window as unknown as { benchOpening?: Promise<void> }).benchOpening
  },

  /** Receiving side: counts bytes from now on (parley: accepts the offer into OPFS). */
  expect(totalBytes: number): void {
    const done = deferred<Counted>()
    let bytes = 0
    let first = 0
    let last = 0
    if (parley) {
      const p = parley
      p.manager.on('offer', (offer) => {
        first = wall()
        p.receiver = offer.transfer
        offer.transfer.on('progress', (progress) => {
          bytes = progress.bytes
          last = wall()
        })
        offer.transfer.finished().then(
          () => done.resolve({ bytes: totalBytes, first, last: wall(), complete: true }),
          (error: unknown) => done.reject(error),
        )
        // the web app's sinks: memory below 64 MiB, OPFS above
        offer.accept('all', p.sinks).catch((error: unknown) => done.reject(error))
      })
    } else if (link) {
      link.receive((size) => {
        if (bytes === 0) first = wall()
        bytes += size
        last = wall()
        if (bytes >= totalBytes) done.resolve({ bytes, first, last, complete: true })
      })
    } else throw new Error('open() first')
    expected = {
      promise: done.promise,
      now: () => ({ bytes, first, last, complete: false }),
      stopProbe: startStallProbe(),
    }
  },

  /** What expect() counted: at the end of the transfer, or after `budgetMs` (then partial). */
  async received(budgetMs: number): Promise<TransferReceiveReport> {
    const current = expected
    if (!current) throw new Error('expect() first')
    let timer: ReturnType<typeof setTimeout> | undefined
    const budget = new Promise<Counted>((resolve) => {
      timer = setTimeout(() => resolve(current.now()), budgetMs)
    })
    try {
      const counted = await Promise.race([current.promise, budget])
      return { ...counted, stalls: current.stopProbe() }
    } finally {
      clearTimeout(timer)
    }
  },

  /** Sending side: sends the file until done or stop(); probes main-thread stalls meanwhile. */
  async send(variant: TransferVariant): Promise<TransferSendReport> {
    const file = theFile()
    stopped = false
    const stopProbe = startStallProbe()
    const start = wall()
    let pauses = 0
    if (isParleyVariant(variant)) {
      if (!parley) throw new Error('open() first')
      const participant = parley.room.participants.values().next().value
      if (!participant) throw new Error('no participant')
      const [sender] = await parley.manager.sendFiles(participant, [file])
      if (!sender) throw new Error('no sender')
      if (senderInWorker(variant) !== sender instanceof window.Parley.WorkerFileSender)
        throw new Error(
          `${variant}: the sender did not start where it should (worker: ${senderInWorker(variant)})`,
        )
      parley.sender = sender
      sender.on('flow', (paused) => {
        if (paused) pauses++
      })
      await sender.finished().catch((error: unknown) => {
        if (!stopped) throw error
      })
    } else {
      if (!link) throw new Error('open() first')
      await link.send(file, () => stopped)
    }
    return { start, pauses, ...stopProbe() }
  },

  /** Ends the current transfer (budget spent); the sender's send() then resolves. */
  async stop(): Promise<void> {
    stopped = true
    await parley?.sender?.cancel('time budget spent').catch(() => undefined)
  },

  /** The current connection's transport counters (what crosses the wire, packets included). */
  async transport(): Promise<TransportReading | null> {
    const pc = parley ? parley.room.participants.values().next().value?.peerConnection : link?.pc
    if (!pc) return null
    const stats = [...(await pc.getStats()).values()] as Array<Record<string, unknown>>
    const byId = new Map(stats.map((s) => [s.id, s]))
    const transport = stats.find((s) => s.type === 'transport' && s.selectedCandidatePairId)
    if (!transport) return null
    const pair = byId.get(transport.selectedCandidatePairId)
    const local = byId.get(pair?.localCandidateId)
    const remote = byId.get(pair?.remoteCandidateId)
    const num = (v: unknown) => (typeof v === 'number' ? v : 0)
    return {
      packetsSent: num(transport.packetsSent),
      packetsReceived: num(transport.packetsReceived),
      bytesSent: num(transport.bytesSent),
      bytesReceived: num(transport.bytesReceived),
      pair: `${local?.candidateType} ${local?.protocol} ${local?.address} → ${remote?.candidateType} ${remote?.address}`,
    }
  },

  /** Closes the connection, frees what it held (parley: the received file in OPFS). */
  async close(): Promise<void> {
    stopped = true
    link?.close()
    link = undefined
    if (parley) {
      const p = parley
      parley = undefined
      await p.receiver?.settled().catch(() => undefined)
      p.manager.close()
      await p.room.leave()
    }
    expected?.stopProbe()
    expected = undefined
    await clearOpfs().catch(() => undefined)
  },
}

window.TransferBench = TransferBench
