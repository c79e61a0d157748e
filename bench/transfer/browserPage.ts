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
 *   (threshold 1 MiB) — the SDK's defaults;
 * - `peerjsRaw` / `peerjsBinary`: PeerJS DataConnection (`serialization` 'raw' / 'binary'), conn.send()
 *   per 64 KiB (PeerJS has no back-pressure API: its DataConnection queues);
 * - `simplePeer`: simple-peer's stream interface, write() and wait for 'drain' when it returns false.
 */
import type * as ParleyClient from '@parley/client'
import { type DataConnection, Peer } from 'peerjs'
import type SimplePeerType from 'simple-peer'

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

const MESSAGE_BYTES = 64 * 1024
const READ_BYTES = 256 * 1024
const HIGH_WATER = 4 * 1024 * 1024
const LOW_WATER = 1024 * 1024
const OPEN_TIMEOUT_MS = 20_000

const wall = (): number => performance.timeOrigin + performance.now()

function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

function timeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)),
  ])
}

// ------------------------------------------------------------------------------- the connection

/** Resolved once this side's signaling is registered (relay socket open, PeerJS id, room joined). */
let signalingReady = deferred<void>()

/** What a variant needs to send and receive. */
interface Link {
  /** The connection under it, for transport(). */
  readonly pc: RTCPeerConnection
  send(file: File, stopped: () => boolean): Promise<void>
  /** Calls `count(bytes)` for every message received. */
  receive(count: (bytes: number) => void): void
  close(): void
}

interface RelayMessage {
  type: string
  data?: unknown
}

/** A bare ws relay (bench/signaling/wsRelayServer.mjs) between two ids. */
async function relay(url: string, id: string, remoteId: string, onSignal: (data: unknown) => void) {
  const ws = await new Promise<WebSocket>((resolve, reject) => {
    const socket = new WebSocket(`${url}/?id=${encodeURIComponent(id)}`)
    socket.onerror = () => reject(new Error('relay socket error'))
    socket.onmessage = (event) => {
      if ((JSON.parse(String(event.data)) as RelayMessage).type === 'open') resolve(socket)
    }
  })
  ws.onmessage = (event) => {
    const message = JSON.parse(String(event.data)) as RelayMessage
    if (message.type === 'signal') onSignal(message.data)
  }
  signalingReady.resolve()
  return { send: (data: unknown) => ws.send(JSON.stringify({ to: remoteId, data })), close: () => ws.close() }
}

/** File.slice() reads of 256 KiB, handed out as 64 KiB views. */
async function* messages(file: File, stopped: () => boolean): AsyncGenerator<Uint8Array<ArrayBuffer>> {
  for (let offset = 0; offset < file.size && !stopped(); offset += READ_BYTES) {
    const block = new Uint8Array(await file.slice(offset, offset + READ_BYTES).arrayBuffer())
    for (let at = 0; at < block.byteLength; at += MESSAGE_BYTES) {
      yield block.subarray(at, Math.min(at + MESSAGE_BYTES, block.byteLength))
    }
  }
}

// raw ----------------------------------------------------------------------------------------------

function rawLink(pc: RTCPeerConnection, channel: RTCDataChannel, close: () => void): Link {
  channel.binaryType = 'arraybuffer'
  return {
    pc,
    async send(file, stopped) {
      channel.bufferedAmountLowThreshold = LOW_WATER
      for await (const message of messages(file, stopped)) {
        if (channel.bufferedAmount > HIGH_WATER) {
          await new Promise<void>((resolve) => {
            channel.onbufferedamountlow = () => {
              channel.onbufferedamountlow = null
              resolve()
            }
          })
        }
        channel.send(message)
      }
    },
    receive(count) {
      channel.onmessage = (event: MessageEvent<ArrayBuffer>) => count(event.data.byteLength)
    },
    close() {
      pc.close()
      close()
    },
  }
}

/**
 * `rawWorker`: the raw sender's loop in a dedicated worker (the channel transferred to it at
 * creation, Chromium only); the File read there as one stream, 64 KiB messages, same water marks.
 */
const RAW_WORKER_SOURCE = `
let channel
let stop = false
self.onmessage = async (e) => {
  const m = e.data
  if (m.channel) {
    channel = m.channel
    if (channel.readyState === 'open') postMessage({ open: true })
    else channel.onopen = () => postMessage({ open: true })
    return
  }
  if (m.stop) { stop = true; return }
  stop = false
  channel.bufferedAmountLowThreshold = ${LOW_WATER}
  const reader = m.file.stream().getReader()
  for (;;) {
    const { value, done } = await reader.read()
    if (done || stop) break
    for (let at = 0; at < value.byteLength && !stop; at += ${MESSAGE_BYTES}) {
      if (channel.bufferedAmount > ${HIGH_WATER}) {
        await new Promise((resolve) => { channel.onbufferedamountlow = () => { channel.onbufferedamountlow = null; resolve() } })
      }
      channel.send(value.subarray(at, Math.min(at + ${MESSAGE_BYTES}, value.byteLength)))
    }
  }
  postMessage({ done: true })
}`

function rawWorkerLink(pc: RTCPeerConnection, worker: Worker, close: () => void): Link {
  return {
    pc,
    async send(file, stopped) {
      const done = new Promise<void>((resolve) => {
        worker.onmessage = () => resolve()
      })
      worker.postMessage({ file })
      const poll = setInterval(() => stopped() && worker.postMessage({ stop: true }), 100)
      await done
      clearInterval(poll)
    },
    receive() {
      throw new Error('rawWorker sends only')
    },
    close() {
      worker.terminate()
      pc.close()
      close()
    },
  }
}

/** What a raw diagnostic variant adds to raw's connection (see CONNECTION_VARIANTS). */
interface RawExtras {
  /** The sending loop in a dedicated worker (`rawWorker`). */
  readonly inWorker?: boolean
  /** The receiving side offers and creates the channel; the data flows answerer → offerer. */
  readonly swapped?: boolean
  /** A generated ECDSA P-256 certificate passed in the configuration, as the SDK does. */
  readonly certificate?: boolean
  /** The SDK's three idle negotiated channels (ids 0–2, reliable / unreliable / partial). */
  readonly presets?: boolean
  /** A getStats on the connection every 2 s, as the SDK's quality sampling. */
  readonly stats?: boolean
  /** A Parley room joined alone meanwhile (its signaling socket, heartbeats, spare connection). */
  readonly room?: boolean
}

const RAW_EXTRAS: Readonly<Record<string, RawExtras>> = {
  raw: {},
  rawWorker: { inWorker: true },
  rawSwapped: { swapped: true },
  rawCert: { certificate: true },
  rawPresets: { presets: true },
  rawStats: { stats: true },
  rawRoom: { room: true },
}

async function rawOpen(args: TransferConnectArgs, offerer: boolean, extras: RawExtras = {}): Promise<Link> {
  const config: RTCConfiguration = { iceServers: [] }
  if (extras.certificate)
    config.certificates = [
      await RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams),
    ]
  const room = extras.room
    ? await window.Parley.Room.join(args.parleyUrl, `${args.room}-alone-${args.localId}`, {
        name: args.localId,
      })
    : undefined
  const pc = new RTCPeerConnection(config)
  if (extras.presets) {
    pc.createDataChannel('parley:reliable', { negotiated: true, id: 0, ordered: true })
    pc.createDataChannel('parley:unreliable', { negotiated: true, id: 1, ordered: false, maxRetransmits: 0 })
    pc.createDataChannel('parley:partial', { negotiated: true, id: 2, ordered: false, maxRetransmits: 3 })
  }
  const sampling = extras.stats ? setInterval(() => void pc.getStats(), 2000) : undefined
  const cleanup = () => {
    if (sampling !== undefined) clearInterval(sampling)
    void room?.leave()
  }
  // with `swapped`, the side that creates the channel and offers is the receiver, asked by the sender
  const creates = extras.swapped ? !offerer : offerer
  const channel = deferred<RTCDataChannel>()
  const offer = async (created: RTCDataChannel) => {
    created.onopen = () => channel.resolve(created)
    await pc.setLocalDescription()
    signal.send({ sdp: pc.localDescription })
  }
  const signal = await relay(args.relayUrl, args.localId, args.remoteId, (data) => {
    const { sdp, candidate, hello } = data as {
      sdp?: RTCSessionDescriptionInit
      candidate?: RTCIceCandidateInit
      hello?: boolean
    }
    if (hello) void offer(pc.createDataChannel('data'))
    else if (sdp) {
      void pc.setRemoteDescription(sdp)
      if (sdp.type === 'offer')
        void pc.setLocalDescription().then(() => signal.send({ sdp: pc.localDescription }))
    } else if (candidate) void pc.addIceCandidate(candidate).catch(() => undefined)
  })
  pc.onicecandidate = (event) => {
    if (event.candidate) signal.send({ candidate: event.candidate.toJSON() })
  }
  const close = () => {
    cleanup()
    signal.close()
  }
  if (offerer && extras.inWorker) {
    const created = pc.createDataChannel('data')
    const worker = new Worker(URL.createObjectURL(new Blob([RAW_WORKER_SOURCE], { type: 'text/javascript' })))
    worker.postMessage({ channel: created }, [created as unknown as Transferable])
    const opened = new Promise<void>((resolve) => {
      worker.onmessage = (e: MessageEvent<{ open?: boolean }>) => e.data.open && resolve()
    })
    await pc.setLocalDescription()
    signal.send({ sdp: pc.localDescription })
    await opened
    return rawWorkerLink(pc, worker, close)
  }
  if (creates && !extras.swapped) await offer(pc.createDataChannel('data'))
  else if (!creates) {
    pc.ondatachannel = (event) => {
      if (event.channel.readyState === 'open') channel.resolve(event.channel)
      else event.channel.onopen = () => channel.resolve(event.channel)
    }
    // the receiver registered first: now that this side is reachable, ask it to offer
    if (extras.swapped) signal.send({ hello: true })
  }
  return rawLink(pc, await channel.promise, close)
}

// peerjs --------------------------------------------------------------------------------------------

function peerjsLink(peer: Peer, conn: DataConnection): Link {
  return {
    pc: conn.peerConnection,
    async send(file, stopped) {
      // no back-pressure in PeerJS's API: what its users write
      for await (const message of messages(file, stopped)) conn.send(message)
    },
    receive(count) {
      conn.on('data', (data) => {
        const d = data as ArrayBuffer | ArrayBufferView
        count(d.byteLength)
      })
    },
    close: () => peer.destroy(),
  }
}

async function peerjsOpen(
  args: TransferConnectArgs,
  offerer: boolean,
  serialization: 'raw' | 'binary',
): Promise<Link> {
  const peer = await new Promise<Peer>((resolve, reject) => {
    const p = new Peer(args.localId, {
      host: '127.0.0.1',
      port: args.peerjsPort,
      path: '/',
      key: 'peerjs',
      secure: false,
      debug: 0,
      config: { iceServers: [] },
    })
    p.once('open', () => resolve(p))
    p.once('error', reject)
  })
  signalingReady.resolve()
  const conn = deferred<DataConnection>()
  const opened = (c: DataConnection) => {
    if (c.open) conn.resolve(c)
    else c.once('open', () => conn.resolve(c))
  }
  if (offerer) opened(peer.connect(args.remoteId, { reliable: true, serialization }))
  else peer.on('connection', opened)
  return peerjsLink(peer, await conn.promise)
}

// simple-peer ---------------------------------------------------------------------------------------

async function simplePeerOpen(args: TransferConnectArgs, offerer: boolean): Promise<Link> {
  const SimplePeer = window.SimplePeer
  // the relay first: simple-peer emits its offer as soon as it is made, before a late listener
  let peer: SimplePeerType.Instance | undefined
  const early: SimplePeerType.SignalData[] = []
  const signal = await relay(args.relayUrl, args.localId, args.remoteId, (data) => {
    if (peer) peer.signal(data as SimplePeerType.SignalData)
    else early.push(data as SimplePeerType.SignalData)
  })
  peer = new SimplePeer({ initiator: offerer, trickle: true, config: { iceServers: [] } })
  peer.on('signal', (data) => signal.send(data))
  for (const data of early) peer.signal(data)
  const connected = peer
  await new Promise<void>((resolve, reject) => {
    connected.once('connect', () => resolve())
    connected.once('error', reject)
  })
  return {
    // simple-peer keeps its connection in `_pc` (no public accessor)
    pc: (connected as unknown as { _pc: RTCPeerConnection })._pc,
    async send(file, stopped) {
      for await (const message of messages(file, stopped)) {
        if (!connected.write(message))
          await new Promise<void>((resolve) => connected.once('drain', () => resolve()))
      }
    },
    receive(count) {
      connected.on('data', (data: Uint8Array) => count(data.byteLength))
    },
    close() {
      connected.destroy()
      signal.close()
    },
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

/** The sender options of the diagnostic variants that tune it. */
const senderTuning: Partial<
  Record<ParleyVariant, { chunkSize?: number; highWaterMark?: number; lowWaterMark?: number }>
> = {
  parley64: { chunkSize: 64 * 1024 },
  parleyShallow: { highWaterMark: 4 * 1024 * 1024, lowWaterMark: 1024 * 1024 },
}

async function parleyOpen(args: TransferConnectArgs, variant: ParleyVariant): Promise<ParleyLink> {
  const { Room, TransferManager } = window.Parley
  const room = await Room.join(args.parleyUrl, args.room, {
    name: args.localId,
    ...(variant === 'parleyNoQuality' ? { quality: false as const } : {}),
  })
  signalingReady.resolve()
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
  return { room, manager, sinks: discard ? discardSink : window.Parley.browserSinkFactory }
}

/** `rawOnParley`: a Parley room's connection, and raw's code on a negotiated channel of its own. */
async function rawOnParleyOpen(args: TransferConnectArgs): Promise<Link> {
  const room = await window.Parley.Room.join(args.parleyUrl, args.room, { name: args.localId })
  signalingReady.resolve()
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
    signalingReady = deferred<void>()
    const opening = (async () => {
      if (isParleyVariant(variant)) {
        parley = await parleyOpen(args, variant)
        return
      }
      switch (variant) {
        case 'raw':
        case 'rawWorker':
        case 'rawSwapped':
        case 'rawCert':
        case 'rawPresets':
        case 'rawStats':
        case 'rawRoom':
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
    await timeout(Promise.race([signalingReady.promise, opening]), OPEN_TIMEOUT_MS, `${variant} signaling`)
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
