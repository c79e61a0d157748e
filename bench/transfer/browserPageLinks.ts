/**
 * The connections of the browser transfer bench's variants that are not Parley (raw RTCDataChannel
 * code, PeerJS, simple-peer) and the helpers the page shares with them (see browserPage.ts).
 */
import { type DataConnection, Peer } from 'peerjs'
import type SimplePeerType from 'simple-peer'
import type { TransferConnectArgs } from './browserPage.js'

export const MESSAGE_BYTES = 64 * 1024
export const READ_BYTES = 256 * 1024
export const HIGH_WATER = 4 * 1024 * 1024
export const LOW_WATER = 1024 * 1024
export const OPEN_TIMEOUT_MS = 20_000
/** simple-peer's send buffer (its MAX_BUFFERED_AMOUNT): the `rawShallow` / `parleyShallow` variants. */
export const SHALLOW_MARKS = { high: 64 * 1024, low: 64 * 1024 } as const

export const wall = (): number => performance.timeOrigin + performance.now()

export function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

export function timeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)),
  ])
}

// ------------------------------------------------------------------------------- the connection

/**
 * `ready`: resolved once this side's signaling is registered (relay socket open, PeerJS id, room
 * joined); renewed for each connection.
 */
export const signaling = { ready: deferred<void>() }

/** What a variant needs to send and receive. */
export interface Link {
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
export async function relay(url: string, id: string, remoteId: string, onSignal: (data: unknown) => void) {
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
  signaling.ready.resolve()
  return { send: (data: unknown) => ws.send(JSON.stringify({ to: remoteId, data })), close: () => ws.close() }
}

/** File.slice() reads of 256 KiB, handed out as 64 KiB views. */
export async function* messages(file: File, stopped: () => boolean): AsyncGenerator<Uint8Array<ArrayBuffer>> {
  for (let offset = 0; offset < file.size && !stopped(); offset += READ_BYTES) {
    const block = new Uint8Array(await file.slice(offset, offset + READ_BYTES).arrayBuffer())
    for (let at = 0; at < block.byteLength; at += MESSAGE_BYTES) {
      yield block.subarray(at, Math.min(at + MESSAGE_BYTES, block.byteLength))
    }
  }
}

// raw ----------------------------------------------------------------------------------------------

export function rawLink(
  pc: RTCPeerConnection,
  channel: RTCDataChannel,
  close: () => void,
  marks: { readonly high: number; readonly low: number } = { high: HIGH_WATER, low: LOW_WATER },
): Link {
  channel.binaryType = 'arraybuffer'
  return {
    pc,
    async send(file, stopped) {
      channel.bufferedAmountLowThreshold = marks.low
      for await (const message of messages(file, stopped)) {
        if (channel.bufferedAmount > marks.high) {
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

export function rawWorkerLink(pc: RTCPeerConnection, worker: Worker, close: () => void): Link {
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

/**
 * `rawReceiveWorker`: raw's receiving side in a dedicated worker (the incoming channel transferred
 * to it in its `datachannel` event): it counts the bytes and reports them to the page every 1 MiB
 * and every 50 ms, so the page's main thread handles no channel message.
 */
const RAW_RECEIVE_WORKER_SOURCE = `
let pending = 0
const flush = () => { if (pending > 0) { postMessage({ bytes: pending }); pending = 0 } }
setInterval(flush, 50)
self.onmessage = (e) => {
  const channel = e.data.channel
  channel.binaryType = 'arraybuffer'
  channel.onmessage = (m) => {
    pending += m.data.byteLength
    if (pending >= ${1024 * 1024}) flush()
  }
  if (channel.readyState === 'open') postMessage({ open: true })
  else channel.onopen = () => postMessage({ open: true })
}`

export function rawReceiveWorkerLink(pc: RTCPeerConnection, worker: Worker, close: () => void): Link {
  return {
    pc,
    send() {
      throw new Error('rawReceiveWorker receives only')
    },
    receive(count) {
      worker.onmessage = (e: MessageEvent<{ bytes?: number }>) => e.data.bytes && count(e.data.bytes)
    },
    close() {
      worker.terminate()
      pc.close()
      close()
    },
  }
}

/** What a raw diagnostic variant adds to raw's connection (see CONNECTION_VARIANTS). */
export interface RawExtras {
  /** The sending loop in a dedicated worker (`rawWorker`). */
  readonly inWorker?: boolean
  /** The receiving side's channel in a dedicated worker (`rawReceiveWorker`). */
  readonly receiveInWorker?: boolean
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
  /** simple-peer's send buffer: send while `bufferedAmount` ≤ 64 KiB, threshold 64 KiB (`rawShallow`). */
  readonly shallow?: boolean
}

export const RAW_EXTRAS: Readonly<Record<string, RawExtras>> = {
  raw: {},
  rawWorker: { inWorker: true },
  rawReceiveWorker: { receiveInWorker: true },
  rawSwapped: { swapped: true },
  rawCert: { certificate: true },
  rawPresets: { presets: true },
  rawStats: { stats: true },
  rawRoom: { room: true },
  rawShallow: { shallow: true },
}

export async function rawOpen(
  args: TransferConnectArgs,
  offerer: boolean,
  extras: RawExtras = {},
): Promise<Link> {
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
  if (!offerer && extras.receiveInWorker) {
    const worker = new Worker(
      URL.createObjectURL(new Blob([RAW_RECEIVE_WORKER_SOURCE], { type: 'text/javascript' })),
    )
    const opened = new Promise<void>((resolve) => {
      worker.onmessage = (e: MessageEvent<{ open?: boolean }>) => e.data.open && resolve()
    })
    // a channel moves to a worker only in the task that brought it: here, its datachannel event
    pc.ondatachannel = (event) =>
      worker.postMessage({ channel: event.channel }, [event.channel as unknown as Transferable])
    await opened
    return rawReceiveWorkerLink(pc, worker, close)
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
  return rawLink(pc, await channel.promise, close, extras.shallow ? SHALLOW_MARKS : undefined)
}

// peerjs --------------------------------------------------------------------------------------------

export function peerjsLink(peer: Peer, conn: DataConnection): Link {
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

export async function peerjsOpen(
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
  signaling.ready.resolve()
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

export async function simplePeerOpen(args: TransferConnectArgs, offerer: boolean): Promise<Link> {
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
