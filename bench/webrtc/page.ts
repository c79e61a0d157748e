/**
 * Browser side of the WebRTC benchmarks (connect, datachannel). Bundled with esbuild (peerjs
 * included) and loaded into a page that already has the Parley SDK as `window.Parley`
 * (test/support/sdkPage.ts); it exposes `window.Bench`, driven by the Node side with page.evaluate.
 *
 * Three ways to open a data channel between two pages, written as their users would:
 * - `raw`: a bare RTCPeerConnection signalled through a bare `ws` relay (bench/signaling/wsRelayServer.mjs:
 *   connect with `?id=`, wait for `{"type":"open"}`, send `{to, data}`, receive `{type:"signal", from, data}`),
 *   trickle ICE, the joiner offers, the other side answers from `ondatachannel`.
 * - `peerjs`: the PeerJS hello world (`new Peer(id)`, `peer.connect(remote)`, `conn.on('open')`) against
 *   peerjs-server (the `peer` package).
 * - `parley`: `Room.join(server, room)` on both sides, done at the participant's `connected` state
 *   (reached when the SDK's reliable channel is open).
 *
 * Times are wall-clock milliseconds (`performance.timeOrigin + performance.now()`), comparable between
 * the two browser processes of one machine.
 */
import type * as ParleyClient from '@parley/client'
import { type DataConnection, Peer, type PeerOptions } from 'peerjs'
import { instrument, takeMarks } from './instrument.js'

export type Variant = 'raw' | 'peerjs' | 'parley'

export interface SignalingTargets {
  /** ws://127.0.0.1:port — bench/signaling/wsRelayServer.mjs */
  readonly relayUrl: string
  /** peerjs-server port on 127.0.0.1 (path '/') */
  readonly peerjsPort: number
  /** http://127.0.0.1:port — the Parley server */
  readonly parleyUrl: string
}

export interface ConnectArgs {
  readonly variant: Variant
  readonly servers: SignalingTargets
  /** This side's id (raw, peerjs) — ignored by parley, whose server assigns ids. */
  readonly localId: string
  /** The other side's id (raw, peerjs) or the room name (parley). */
  readonly remoteId: string
  readonly room: string
}

export interface JoinTiming {
  /** Wall-clock time the join started (before the signaling socket was opened). */
  readonly start: number
  /** Wall-clock time the first data channel was open on this side. */
  readonly open: number
}

declare global {
  interface Window {
    Parley: typeof ParleyClient
    Bench: typeof Bench
  }
}

const wall = (): number => performance.timeOrigin + performance.now()

/** Everything opened for the current run (closed by reset). */
interface Live {
  closers: (() => void | Promise<void>)[]
  /** Resolves with the wall-clock time this side's channel opened. */
  opened: Promise<number>
  /** The channel the data benchmark sends on (raw), or the room (parley). */
  channel?: RTCDataChannel
  room?: ParleyClient.Room
}

/** Open connections by slot (a benchmark may keep several, e.g. one per variant). */
const lives = new Map<string, Live>()

function deferred<T>(): {
  promise: Promise<T>
  resolve: (value: T) => void
  reject: (error: unknown) => void
} {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

// ------------------------------------------------------------------------------------------- raw

interface RelayMessage {
  type: string
  from?: string
  data?: { sdp?: RTCSessionDescriptionInit; candidate?: RTCIceCandidateInit | null }
}

/** Opens the relay socket and resolves once the relay said `open`. */
function openRelay(url: string, id: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}/?id=${encodeURIComponent(id)}`)
    ws.onerror = () => reject(new Error('relay socket error'))
    ws.onmessage = (event) => {
      if ((JSON.parse(String(event.data)) as RelayMessage).type === 'open') resolve(ws)
    }
  })
}

/**
 * Signals one RTCPeerConnection through the relay: trickle ICE out, descriptions and candidates in.
 * `pc` is created by the first call of `peer()` (the joining side at once, the waiting side when the
 * offer arrives, as hand-written code does).
 */
function rawSignaling(ws: WebSocket, remoteId: string, onPeer: (pc: RTCPeerConnection) => void) {
  let pc: RTCPeerConnection | undefined
  const send = (data: RelayMessage['data']) => ws.send(JSON.stringify({ to: remoteId, data }))
  const peer = (): RTCPeerConnection => {
    if (pc) return pc
    const created = new RTCPeerConnection({ iceServers: [] })
    created.onicecandidate = (event) => send({ candidate: event.candidate ? event.candidate.toJSON() : null })
    pc = created
    onPeer(created)
    return created
  }
  ws.onmessage = (event) => {
    const message = JSON.parse(String(event.data)) as RelayMessage
    if (message.type !== 'signal' || !message.data) return
    const { sdp, candidate } = message.data
    const connection = peer()
    if (sdp) {
      // setRemoteDescription / setLocalDescription / addIceCandidate queue on the connection's
      // operations chain: candidates that follow the offer wait for it without extra code.
      void connection.setRemoteDescription(sdp)
      if (sdp.type === 'offer') {
        void connection.setLocalDescription().then(() => send({ sdp: connection.localDescription! }))
      }
    } else if (candidate !== undefined) {
      void connection.addIceCandidate(candidate ?? undefined).catch(() => undefined)
    }
  }
  return { peer, close: () => pc?.close() }
}

/** Waiting side: answers the first offer; `opened` resolves when the remote channel is open. */
async function rawListen(args: ConnectArgs): Promise<Live> {
  const ws = await openRelay(args.servers.relayUrl, args.localId)
  const opened = deferred<number>()
  const state: Live = { closers: [], opened: opened.promise }
  const signaling = rawSignaling(ws, args.remoteId, (pc) => {
    pc.ondatachannel = (event) => {
      const channel = event.channel
      channel.binaryType = 'arraybuffer'
      state.channel = channel
      if (channel.readyState === 'open') opened.resolve(wall())
      else channel.onopen = () => opened.resolve(wall())
    }
  })
  state.closers.push(signaling.close, () => ws.close())
  return state
}

/** Joining side: offers a channel. */
async function rawConnect(args: ConnectArgs): Promise<Live> {
  const ws = await openRelay(args.servers.relayUrl, args.localId)
  const signaling = rawSignaling(ws, args.remoteId, () => undefined)
  const pc = signaling.peer()
  const channel = pc.createDataChannel('data')
  channel.binaryType = 'arraybuffer'
  const opened = new Promise<number>((resolve) => {
    channel.onopen = () => resolve(wall())
  })
  await pc.setLocalDescription()
  ws.send(JSON.stringify({ to: args.remoteId, data: { sdp: pc.localDescription } }))
  return { closers: [signaling.close, () => ws.close()], opened, channel }
}

// ---------------------------------------------------------------------------------------- peerjs

function peerOptions(servers: SignalingTargets): PeerOptions {
  // No public STUN/TURN (PeerJS's defaults): loopback only, like the other two.
  return {
    host: '127.0.0.1',
    port: servers.peerjsPort,
    path: '/',
    key: 'peerjs',
    secure: false,
    debug: 0,
    config: { iceServers: [] },
  }
}

function openPeer(id: string, servers: SignalingTargets): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const peer = new Peer(id, peerOptions(servers))
    peer.once('open', () => resolve(peer))
    peer.once('error', reject)
  })
}

async function peerjsListen(args: ConnectArgs): Promise<Live> {
  const peer = await openPeer(args.localId, args.servers)
  const opened = deferred<number>()
  peer.on('connection', (conn: DataConnection) => {
    if (conn.open) opened.resolve(wall())
    else conn.once('open', () => opened.resolve(wall()))
  })
  return { closers: [() => peer.destroy()], opened: opened.promise }
}

async function peerjsConnect(args: ConnectArgs): Promise<Live> {
  const peer = await openPeer(args.localId, args.servers)
  const conn = peer.connect(args.remoteId, { reliable: true })
  const opened = new Promise<number>((resolve, reject) => {
    conn.once('open', () => resolve(wall()))
    conn.once('error', reject)
  })
  return { closers: [() => peer.destroy()], opened }
}

// ---------------------------------------------------------------------------------------- parley

/** Resolves when the first participant of `room` is `connected` (its reliable channel is open). */
function parleyConnected(room: ParleyClient.Room): Promise<number> {
  return new Promise((resolve) => {
    room.on('connection-state', (_participant, state) => {
      if (state === 'connected') resolve(wall())
    })
    for (const participant of room.participants.values()) {
      if (participant.state === 'connected') resolve(wall())
    }
  })
}

async function parleyJoin(args: ConnectArgs): Promise<Live> {
  const room = await window.Parley.Room.join(args.servers.parleyUrl, args.room, { name: args.localId })
  return { closers: [() => room.leave()], opened: parleyConnected(room), room }
}

// ------------------------------------------------------------------------------------ the API

const OPEN_TIMEOUT_MS = 15_000

/** Closes the connection in `slot` (every connection without a slot). */
async function reset(slot?: string): Promise<void> {
  const slots = slot === undefined ? [...lives.keys()] : [slot]
  const closing = slots.map((name) => {
    const current = lives.get(name)
    lives.delete(name)
    return Promise.allSettled((current?.closers ?? []).map(async (close) => close()))
  })
  await Promise.all(closing)
}

function liveIn(slot: string): Live {
  const state = lives.get(slot)
  if (!state) throw new Error(`no connection in slot ${slot}`)
  return state
}

/** Keeps `state` in `slot`, and fails fast if its channel never opens. */
function adopt(slot: string, state: Live): Live {
  lives.set(slot, state)
  state.opened = withTimeout(state.opened, OPEN_TIMEOUT_MS, 'data channel open')
  // an unobserved rejection would be reported as a page error
  state.opened.catch(() => undefined)
  return state
}

// ------------------------------------------------------------------------- main-thread stall probe

interface StallReport {
  /** Longest gap between two ticks of a 10 ms interval, minus 10 ms (main-thread lag). */
  maxLagMs: number
  /** Longest 'longtask' entry (≥ 50 ms tasks) and how many there were. */
  maxLongTaskMs: number
  longTasks: number
}

function startStallProbe(): () => StallReport {
  const PERIOD = 10
  let last = performance.now()
  let maxLag = 0
  const interval = setInterval(() => {
    const now = performance.now()
    maxLag = Math.max(maxLag, now - last - PERIOD)
    last = now
  }, PERIOD)
  let maxLongTask = 0
  let longTasks = 0
  let observer: PerformanceObserver | undefined
  if (PerformanceObserver.supportedEntryTypes.includes('longtask')) {
    observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        longTasks++
        maxLongTask = Math.max(maxLongTask, entry.duration)
      }
    })
    observer.observe({ type: 'longtask' })
  }
  return () => {
    clearInterval(interval)
    // the final stretch up to now counts too
    maxLag = Math.max(maxLag, performance.now() - last - PERIOD)
    for (const entry of observer?.takeRecords() ?? []) {
      longTasks++
      maxLongTask = Math.max(maxLongTask, entry.duration)
    }
    observer?.disconnect()
    const round = (ms: number) => Math.round(ms * 10) / 10
    return { maxLagMs: round(Math.max(0, maxLag)), maxLongTaskMs: round(maxLongTask), longTasks }
  }
}

// --------------------------------------------------------------------------------- data transfer

export type SendVariant = 'raw' | 'parley'

export interface SendArgs {
  readonly variant: SendVariant
  readonly totalBytes: number
  /** Bytes per send() call. */
  readonly messageBytes: number
  /** raw: pause while bufferedAmount > high, resume at bufferedamountlow (threshold = low). */
  readonly highWaterMark: number
  readonly lowWaterMark: number
}

export interface SendReport extends StallReport {
  readonly start: number
  /** Wall-clock time the last message was handed to the transport. */
  readonly handedOver: number
}

export interface ReceiveReport {
  readonly bytes: number
  readonly messages: number
  readonly first: number
  readonly last: number
}

let expected: { promise: Promise<ReceiveReport>; stop: () => void } | undefined

function payload(bytes: number): Uint8Array<ArrayBuffer> {
  const data = new Uint8Array(bytes)
  for (let i = 0; i < bytes; i += 4096) data[i] = (i >>> 12) & 0xff
  return data
}

async function sendRaw(
  channel: RTCDataChannel,
  args: SendArgs,
  data: Uint8Array<ArrayBuffer>,
): Promise<void> {
  channel.bufferedAmountLowThreshold = args.lowWaterMark
  for (let sent = 0; sent < args.totalBytes; sent += data.byteLength) {
    if (channel.bufferedAmount > args.highWaterMark) {
      await new Promise<void>((resolve) => {
        channel.onbufferedamountlow = () => {
          channel.onbufferedamountlow = null
          resolve()
        }
      })
    }
    channel.send(data)
  }
}

async function sendParley(
  room: ParleyClient.Room,
  args: SendArgs,
  data: Uint8Array<ArrayBuffer>,
): Promise<void> {
  const participant = room.participants.values().next().value
  if (!participant) throw new Error('no participant to send to')
  for (let sent = 0; sent < args.totalBytes; sent += data.byteLength) await participant.send(data)
}

export const Bench = {
  /** Timestamps connection steps from now on (bench/webrtc/instrument.ts); call before connecting. */
  instrument,
  takeMarks,
  timeOrigin: (): number => performance.timeOrigin,

  /** The waiting side of a connection in `slot`: ready to accept once this resolves. */
  async listen(slot: string, args: ConnectArgs): Promise<void> {
    await reset(slot)
    switch (args.variant) {
      case 'raw':
        adopt(slot, await rawListen(args))
        return
      case 'peerjs':
        adopt(slot, await peerjsListen(args))
        return
      case 'parley':
        adopt(slot, await parleyJoin(args))
        return
    }
  },

  /** The joining side: from nothing to an open data channel (the measured path). */
  async connect(slot: string, args: ConnectArgs): Promise<JoinTiming> {
    await reset(slot)
    const start = wall()
    let state: Live
    switch (args.variant) {
      case 'raw':
        state = await rawConnect(args)
        break
      case 'peerjs':
        state = await peerjsConnect(args)
        break
      case 'parley':
        state = await parleyJoin(args)
        break
    }
    const open = await adopt(slot, state).opened
    return { start, open }
  },

  /** When the waiting side's channel in `slot` opened (wall clock). */
  opened(slot: string): Promise<number> {
    return liveIn(slot).opened
  },

  reset,

  /** Receiving side of a transfer over `slot`: call received() to wait for `totalBytes`. */
  expect(slot: string, totalBytes: number): void {
    const state = liveIn(slot)
    const done = deferred<ReceiveReport>()
    let bytes = 0
    let messages = 0
    let first = 0
    const count = (size: number): void => {
      if (messages === 0) first = wall()
      messages++
      bytes += size
      if (bytes >= totalBytes) done.resolve({ bytes, messages, first, last: wall() })
    }
    let stop: () => void
    if (state.room) {
      stop = state.room.on('message', (_participant, message) => {
        if (message instanceof Uint8Array) count(message.byteLength)
      })
    } else if (state.channel) {
      const channel = state.channel
      channel.onmessage = (event: MessageEvent<ArrayBuffer>) => count(event.data.byteLength)
      stop = () => {
        channel.onmessage = null
      }
    } else {
      throw new Error(`no channel to receive on in slot ${slot}`)
    }
    expected = { promise: done.promise, stop }
  },

  /** Waits for the transfer announced by expect() (at most `timeoutMs`). */
  async received(timeoutMs: number): Promise<ReceiveReport> {
    const current = expected
    if (!current) throw new Error('expect() first')
    try {
      return await withTimeout(current.promise, timeoutMs, 'transfer')
    } finally {
      current.stop()
      expected = undefined
    }
  },

  /** Sends `totalBytes` over `slot`, probing main-thread stalls meanwhile. */
  async send(slot: string, args: SendArgs): Promise<SendReport> {
    const state = liveIn(slot)
    const data = payload(args.messageBytes)
    const stopProbe = startStallProbe()
    const start = wall()
    if (args.variant === 'parley') {
      if (!state.room) throw new Error(`slot ${slot} is not a parley connection`)
      await sendParley(state.room, args, data)
    } else {
      if (!state.channel) throw new Error(`slot ${slot} is not a raw connection`)
      await sendRaw(state.channel, args, data)
    }
    const handedOver = wall()
    return { start, handedOver, ...stopProbe() }
  },
}

window.Bench = Bench
