/**
 * One end of a terminal → terminal transfer, in its own process (driven by bench/transfer.ts over
 * IPC, which also relays the SDP and ICE candidates between the two ends).
 *
 * argv: <role send|recv> <target raw|rawio|parley|parleyList|parleyBuffered> <chunkBytes> <sizeBytes> <path> <signaling>
 * - raw: bare node-datachannel, a preallocated buffer sent with bufferedAmount pacing (no disk,
 *   no hash): the ceiling.
 * - rawio: the same raw code plus the work Parley does on the bytes, written the plain way: the
 *   sender reads the file chunk by chunk (each read awaited) and hashes it, the receiver hashes each
 *   message and writes it (writes chained, one at a time). Diagnostic: Parley vs rawio is the cost
 *   of the engine itself, rawio vs raw the cost of reading, hashing and writing on this machine.
 * - parley: FileSender/FileReceiver from a file on disk to a file on disk, SHA-256 on both sides.
 * - parleyBuffered: the same, the receiver writing through the page cache (no O_DIRECT).
 * - rawfiles / parleyfiles: many small files, <path> a directory (the sender's sources, sent in name
 *   order; the receiver's output), <sizeBytes> their count. rawfiles is the plain code for it: each
 *   file read whole and hashed, a JSON header then its bytes, the receiver hashing and writing each
 *   file with writeFile (one at a time); parleyfiles is one FileSender offer of every file.
 * signaling: 'naive' trickles candidates at once (the usual example code); 'held' holds the
 * offerer's candidates until the answer is applied (what the Parley SDK does); 'active' trickles at
 * once but makes the offerer the DTLS client (the offer says a=setup:active).
 * PARLEY_BENCH_CPU_PROF=<dir> (set by `--cpu-prof <dir>`): a V8 CPU profile of the transfer (main
 * thread, from channel open to the result) is written to <dir>/<target>-<chunk>-<role>-<pid>.cpuprofile.
 */
import { createHash } from 'node:crypto'
import { open, readdir, readFile, writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import nodeDataChannel from 'node-datachannel'
import { RTCPeerConnection } from 'node-datachannel/polyfill'
import { eachLimited } from '../../packages/client/src/transfer/concurrency.js'
import { FileReceiver } from '../../packages/client/src/transfer/FileReceiver.js'
import { FileSender } from '../../packages/client/src/transfer/FileSender.js'
import { type Hashers, loadHashers, webCryptoHashers } from '../../packages/client/src/transfer/hash.js'
import { transferChannelLabel } from '../../packages/client/src/transfer/messages.js'
import { DirectoryListing } from '../../packages/client/src/transfer/node/DirectoryListing.js'
import { NodeFileSink } from '../../packages/client/src/transfer/node/NodeFileSink.js'
import { NodeFileSource } from '../../packages/client/src/transfer/node/NodeFileSource.js'
import { SpaceBudget } from '../../packages/client/src/transfer/SpaceBudget.js'

type Msg =
  | { kind: 'sdp'; sdp: RTCSessionDescriptionInit }
  | { kind: 'cand'; cand: RTCIceCandidateInit }
  | { kind: 'go' }

const [role, target, chunkArg, sizeArg, path, naiveArg] = process.argv.slice(2)

/**
 * `parleyList`: both ends offer only `sha256-list` through WebCrypto (Node runs its digests on the
 * libuv thread pool, off the main thread); `parley`: the default (`sha256`, native and streaming).
 */
async function benchHashers(): Promise<Hashers> {
  if (target !== 'parleyList') return loadHashers()
  const web = webCryptoHashers(globalThis.crypto.subtle)
  return { algorithms: ['sha256-list'], create: (a) => web.create(a) }
}
const chunk = Number(chunkArg)
const size = Number(sizeArg)
const naive = naiveArg !== 'held'
const offererActive = naiveArg === 'active'
const send = (m: unknown) => process.send?.(m)
let t0 = performance.now()
let go: () => void = () => {}
const goSignal = new Promise<void>((resolve) => {
  go = resolve
})
const MiB = 1024 * 1024

if (process.env.PARLEY_BENCH_SCTP) nodeDataChannel.setSctpSettings(JSON.parse(process.env.PARLEY_BENCH_SCTP))
// libdatachannel's SCTP packet size (default 1280: an IPv6 minimum, safe on any path; no PMTU discovery)
const mtu = process.env.PARLEY_BENCH_MTU ? { mtu: Number(process.env.PARLEY_BENCH_MTU) } : {}
const pc = new RTCPeerConnection({
  iceServers: [],
  ...mtu,
} as RTCConfiguration) as unknown as RTCPeerConnection
const held: RTCIceCandidateInit[] = []
let remoteSet = false
const pending: RTCIceCandidateInit[] = []
pc.onicecandidate = (e) => {
  if (!e.candidate) return
  const cand = e.candidate.toJSON()
  // the offerer holds its candidates until the answer is applied (unless naive)
  if (role === 'send' && !naive && !remoteSet) held.push(cand)
  else send({ kind: 'cand', cand })
}
// Messages are handled one at a time, in order (a candidate never overtakes the description).
let queue = Promise.resolve()
process.on('message', (m: Msg) => {
  queue = queue
    .then(() => handle(m))
    .catch((error: unknown) => {
      send({ kind: 'error', message: String((error as Error)?.stack ?? error) })
    })
})
async function handle(m: Msg): Promise<void> {
  if (m.kind === 'go') {
    t0 = performance.now()
    go()
  } else if (m.kind === 'sdp') {
    await pc.setRemoteDescription(m.sdp)
    remoteSet = true
    for (const c of pending.splice(0)) await pc.addIceCandidate(c).catch(() => {})
    if (role === 'recv') {
      await pc.setLocalDescription(await pc.createAnswer())
      send({ kind: 'sdp', sdp: pc.localDescription!.toJSON() })
    } else {
      for (const c of held.splice(0)) send({ kind: 'cand', cand: c })
    }
  } else if (remoteSet) {
    await pc.addIceCandidate(m.cand).catch(() => {})
  } else {
    pending.push(m.cand)
  }
}

const profileDir = process.env.PARLEY_BENCH_CPU_PROF
let profiler: Session | undefined
let cpuAtStart = process.cpuUsage()

/** Called when the transfer starts: CPU time counts from here; the profiler starts if asked. */
async function startMeasuring(): Promise<void> {
  if (profileDir) {
    profiler = new Session()
    profiler.connect()
    await profiler.post('Profiler.enable')
    await profiler.post('Profiler.setSamplingInterval', { interval: 500 })
    await profiler.post('Profiler.start')
  }
  cpuAtStart = process.cpuUsage()
}

async function report(extra: {
  seconds: number
  firstByteMs?: number
  afterLastByteMs?: number
}): Promise<void> {
  // CPU time of the whole process (every thread: JavaScript, libdatachannel, libuv's pool), ms
  const cpu = process.cpuUsage(cpuAtStart)
  if (profiler && profileDir) {
    const { profile } = await profiler.post('Profiler.stop')
    const name = `${target}-${chunk}-${role}-${process.pid}.cpuprofile`
    await writeFile(join(profileDir, name), JSON.stringify(profile))
  }
  send({
    kind: 'result',
    ...extra,
    cpuUserMs: Math.round(cpu.user / 1000),
    cpuSystemMs: Math.round(cpu.system / 1000),
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  })
}

async function main(): Promise<void> {
  send({ kind: 'ready' })
  if (role === 'send') {
    await goSignal // both processes are up: the open time counts the connection only
    const label = target?.startsWith('parley') ? transferChannelLabel('bench') : 'raw'
    const dc = pc.createDataChannel(label)
    const offer = await pc.createOffer()
    await pc.setLocalDescription(offer)
    const sdp = pc.localDescription!.toJSON()
    // candidates are in the SDP already: strip them unless naive (they follow after the answer)
    if (!naive) {
      sdp.sdp = sdp
        .sdp!.split('\r\n')
        .filter((l) => !l.startsWith('a=candidate') && !l.startsWith('a=end-of-candidates'))
        .join('\r\n')
      for (const line of pc.localDescription!.sdp.split('\r\n')) {
        if (line.startsWith('a=candidate')) held.push({ candidate: line.slice(2), sdpMid: '0' })
      }
    }
    // the answerer then takes a=setup:passive: the offerer, which has everything once it applies the
    // answer, starts DTLS — the answerer's DTLS transport exists since it created the answer
    if (offererActive) sdp.sdp = sdp.sdp!.replace(/a=setup:actpass/g, 'a=setup:active')
    send({ kind: 'sdp', sdp })
    await new Promise<void>((resolve) => dc.addEventListener('open', () => resolve(), { once: true }))
    send({ kind: 'open', ms: performance.now() - t0 })
    await startMeasuring()
    const started = performance.now()
    if (target === 'rawfiles') {
      dc.bufferedAmountLowThreshold = MiB
      const drained = async () => {
        while (dc.bufferedAmount >= 4 * MiB)
          await new Promise((resolve) => dc.addEventListener('bufferedamountlow', resolve, { once: true }))
      }
      for (const name of (await readdir(path!)).sort()) {
        const bytes = await readFile(join(path!, name))
        const sha256 = createHash('sha256').update(bytes).digest('hex')
        await drained()
        dc.send(JSON.stringify({ name, size: bytes.byteLength, sha256 }))
        for (let at = 0; at < bytes.byteLength; at += chunk) {
          await drained()
          dc.send(bytes.subarray(at, Math.min(at + chunk, bytes.byteLength)))
        }
      }
      dc.send(JSON.stringify({ end: true }))
      await new Promise<void>((resolve) => dc.addEventListener('close', () => resolve(), { once: true }))
    } else if (target === 'parleyfiles') {
      const names = (await readdir(path!)).sort()
      // opened eight at a time, as `parley send` does
      const sources: NodeFileSource[] = new Array(names.length)
      await eachLimited([...names.keys()], 8, async (i) => {
        sources[i] = await NodeFileSource.open(join(path!, names[i]!))
      })
      const sender = new FileSender({ id: 'bench', sources, hashers: await benchHashers(), chunkSize: chunk })
      sender.attach(dc, { maxMessageSize: pc.sctp?.maxMessageSize })
      await sender.finished()
    } else if (target === 'raw') {
      dc.bufferedAmountLowThreshold = MiB
      const buf = new Uint8Array(chunk)
      let sent = 0
      await new Promise<void>((resolve) => {
        const pump = () => {
          while (sent < size && dc.bufferedAmount < 4 * MiB) {
            dc.send(buf)
            sent += chunk
          }
          if (sent >= size) resolve()
        }
        dc.addEventListener('bufferedamountlow', pump)
        pump()
      })
      // the receiver reports when everything arrived; wait for its close
      await new Promise<void>((resolve) => dc.addEventListener('close', () => resolve(), { once: true }))
    } else if (target === 'rawio') {
      dc.bufferedAmountLowThreshold = MiB
      const file = await open(path!)
      const hash = createHash('sha256')
      for (let sent = 0; sent < size; ) {
        if (dc.bufferedAmount >= 4 * MiB) {
          await new Promise((resolve) => dc.addEventListener('bufferedamountlow', resolve, { once: true }))
          continue
        }
        const buf = Buffer.allocUnsafe(Math.min(chunk, size - sent))
        const { bytesRead } = await file.read(buf, 0, buf.byteLength, sent)
        hash.update(buf.subarray(0, bytesRead))
        dc.send(buf.subarray(0, bytesRead))
        sent += bytesRead
      }
      await file.close()
      dc.send(hash.digest('hex'))
      await new Promise<void>((resolve) => dc.addEventListener('close', () => resolve(), { once: true }))
    } else {
      const source = await NodeFileSource.open(path!)
      const sender = new FileSender({
        id: 'bench',
        sources: [source],
        hashers: await benchHashers(),
        chunkSize: chunk,
        ...(process.env.PARLEY_BENCH_HWM
          ? {
              highWaterMark: Number(process.env.PARLEY_BENCH_HWM) * MiB,
              lowWaterMark: (Number(process.env.PARLEY_BENCH_HWM) * MiB) / 4,
            }
          : {}),
      })
      sender.attach(dc, { maxMessageSize: pc.sctp?.maxMessageSize })
      await sender.finished()
    }
    await report({ seconds: (performance.now() - started) / 1000 })
  } else {
    // loaded before the channel arrives: the offer must find the receiver's listener in place
    const hashers = await benchHashers()
    const channel = await new Promise<RTCDataChannel>((resolve) => {
      pc.ondatachannel = (e) => resolve(e.channel)
    })
    send({ kind: 'open', ms: performance.now() - t0 })
    // no await before the listeners below: a message that arrives first would be lost
    const measuring = startMeasuring()
    const started = performance.now()
    // when the first and the last data byte arrived: the rest is set-up (offer, accept, opening
    // the file) and ending (digest, rename, file-ok, close), which raw code has none of
    let firstByteAt = 0
    let lastByteAt = 0
    channel.addEventListener('message', (e) => {
      if (typeof e.data === 'string') return
      lastByteAt = performance.now()
      firstByteAt ||= lastByteAt
    })
    if (target === 'rawfiles') {
      channel.binaryType = 'arraybuffer'
      let file: { name: string; size: number; sha256: string; parts: Uint8Array[]; got: number } | undefined
      let writes: Promise<unknown> = Promise.resolve()
      let files = 0
      const store = (f: NonNullable<typeof file>) => {
        const bytes = Buffer.concat(f.parts)
        if (createHash('sha256').update(bytes).digest('hex') !== f.sha256)
          throw new Error(`rawfiles: ${f.name} corrupt`)
        files++
        writes = writes.then(() => writeFile(join(path!, f.name), bytes))
      }
      await new Promise<void>((resolve) => {
        channel.onmessage = (e) => {
          if (typeof e.data === 'string') {
            const header = JSON.parse(e.data) as { end?: true; name: string; size: number; sha256: string }
            if (header.end) return resolve()
            file = { ...header, parts: [], got: 0 }
            if (file.size === 0) store(file)
            return
          }
          const bytes = new Uint8Array(e.data as ArrayBuffer)
          file!.parts.push(bytes)
          file!.got += bytes.byteLength
          if (file!.got === file!.size) store(file!)
        }
      })
      await writes
      if (files !== size) throw new Error(`rawfiles: ${files} files of ${size}`)
      channel.close()
    } else if (target === 'raw') {
      channel.binaryType = 'arraybuffer'
      let got = 0
      await new Promise<void>((resolve) => {
        channel.onmessage = (e) => {
          got += (e.data as ArrayBuffer).byteLength
          if (got >= size) resolve()
        }
      })
      channel.close()
    } else if (target === 'rawio') {
      channel.binaryType = 'arraybuffer'
      // no await before onmessage is set: the first messages would be lost
      const opened = open(join(path!, 'source.bin'), 'w')
      const hash = createHash('sha256')
      let got = 0
      let writes: Promise<unknown> = opened
      const digest = await new Promise<string>((resolve) => {
        channel.onmessage = (e) => {
          if (typeof e.data === 'string') return resolve(e.data)
          const bytes = new Uint8Array(e.data as ArrayBuffer)
          hash.update(bytes)
          const at = got
          got += bytes.byteLength
          writes = writes.then(async () => (await opened).write(bytes, 0, bytes.byteLength, at))
        }
      })
      await writes
      await (await opened).close()
      if (digest !== hash.digest('hex')) throw new Error('rawio: SHA-256 mismatch')
      channel.close()
    } else {
      const receiver = await FileReceiver.fromChannel(channel, { hashers })
      // many files: the sinks `parley receive` makes (no overwriting, one space check and one
      // listing of the directory per accept)
      const shared =
        target === 'parleyfiles'
          ? { space: await SpaceBudget.of(path!), listing: DirectoryListing.of(path!) }
          : { overwrite: true }
      await receiver.accept(
        () => new NodeFileSink({ dir: path!, ...shared, directIo: target !== 'parleyBuffered' }),
      )
      await receiver.finished()
      await receiver.settled()
    }
    await measuring
    const ended = performance.now()
    await report({
      seconds: (ended - started) / 1000,
      firstByteMs: Math.round(firstByteAt - started),
      afterLastByteMs: Math.round(ended - lastByteAt),
    })
  }
}

main().catch((error) => {
  send({ kind: 'error', message: String(error?.stack ?? error) })
  process.exit(1)
})
