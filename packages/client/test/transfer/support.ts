import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RTCPeerConnection as PolyfillPeerConnection } from 'node-datachannel/polyfill'
import type { FileMeta } from '../../src/transfer/messages.js'
import type { Transfer, TransferState } from '../../src/transfer/Transfer.js'

/**
 * Two node-datachannel peer connections of this process, connected directly (no signaling server).
 * The offerer's candidates are held back until the answer is applied: otherwise the answerer's
 * DTLS ClientHello reaches the offerer before it has a DTLS transport and is retransmitted only
 * after OpenSSL's 1 s timer.
 */
export async function connectedPair(): Promise<{
  a: RTCPeerConnection
  b: RTCPeerConnection
  close: () => void
}> {
  const a = new PolyfillPeerConnection({ iceServers: [] }) as unknown as RTCPeerConnection
  const b = new PolyfillPeerConnection({ iceServers: [] }) as unknown as RTCPeerConnection
  const heldA: RTCIceCandidateInit[] = []
  const heldB: RTCIceCandidateInit[] = []
  let answered = false
  a.onicecandidate = (e) => {
    if (!e.candidate) return
    if (answered) void b.addIceCandidate(e.candidate).catch(() => {})
    else heldA.push(e.candidate.toJSON())
  }
  b.onicecandidate = (e) => {
    if (!e.candidate) return
    if (answered) void a.addIceCandidate(e.candidate).catch(() => {})
    else heldB.push(e.candidate.toJSON())
  }
  // A first channel makes the offer carry the SCTP m-line; it also proves the connection.
  const probe = a.createDataChannel('probe')
  const opened = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('peer connection did not open')), 15_000)
    probe.onopen = () => {
      clearTimeout(timer)
      resolve()
    }
  })
  await a.setLocalDescription(await a.createOffer())
  const offer = a.localDescription!
  const stripped = offer.sdp
    .split('\r\n')
    .filter((l) => !l.startsWith('a=candidate') && !l.startsWith('a=end-of-candidates'))
    .join('\r\n')
  await b.setRemoteDescription({ type: 'offer', sdp: stripped })
  await b.setLocalDescription(await b.createAnswer())
  await a.setRemoteDescription(b.localDescription!)
  answered = true
  for (const c of heldB) await a.addIceCandidate(c).catch(() => {})
  for (const line of offer.sdp.split('\r\n')) {
    if (line.startsWith('a=candidate')) {
      await b.addIceCandidate({ candidate: line.slice(2), sdpMid: '0' }).catch(() => {})
    }
  }
  for (const c of heldA) await b.addIceCandidate(c).catch(() => {})
  await opened
  probe.close()
  return {
    a,
    b,
    close: () => {
      a.close()
      b.close()
    },
  }
}

/** Opens a channel from `a`; resolves with both ends once open. */
export function openChannel(
  a: RTCPeerConnection,
  b: RTCPeerConnection,
  label: string,
): Promise<{ local: RTCDataChannel; remote: RTCDataChannel }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('channel did not open')), 10_000)
    let remote: RTCDataChannel | undefined
    let localOpen = false
    const local = a.createDataChannel(label)
    const check = () => {
      if (!remote || !localOpen) return
      clearTimeout(timer)
      resolve({ local, remote })
    }
    b.addEventListener('datachannel', (e) => {
      const channel = (e as RTCDataChannelEvent).channel
      if (channel.label !== label) return
      remote = channel
      check()
    })
    local.addEventListener('open', () => {
      localOpen = true
      check()
    })
  })
}

/** The remote end of the next channel `b` receives with a label starting with `prefix`. */
export function nextRemoteChannel(b: RTCPeerConnection, prefix: string): Promise<RTCDataChannel> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no remote channel')), 10_000)
    const onChannel = (e: Event) => {
      const channel = (e as RTCDataChannelEvent).channel
      if (!channel.label.startsWith(prefix)) return
      clearTimeout(timer)
      b.removeEventListener('datachannel', onChannel)
      resolve(channel)
    }
    b.addEventListener('datachannel', onChannel)
  })
}

export async function tempDir(
  prefix = 'parley-transfer-',
): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}

/** Writes `size` pseudo-random bytes to `path` (in 4 MiB blocks); resolves with their SHA-256. */
export async function writeRandomFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha256')
  const handle = await open(path, 'w')
  try {
    const block = randomBytes(Math.min(size, 4 * 1024 * 1024))
    for (let at = 0; at < size; ) {
      const n = Math.min(block.length, size - at)
      // vary each block so that misplaced blocks change the hash
      if (block.length >= 4) block.writeUInt32LE(at >>> 0, 0)
      const view = block.subarray(0, n)
      await handle.write(view, 0, n, at)
      hash.update(view)
      at += n
    }
  } finally {
    await handle.close()
  }
  return hash.digest('hex')
}

export function sha256OfFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256')
    createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')))
  })
}

/**
 * The `sha256-list` digest of a file, computed independently of the SDK: SHA-256 over the SHA-256s
 * of its 1 MiB segments (docs/file-transfer.md, "Integrity").
 */
export async function sha256ListOfFile(path: string): Promise<string> {
  const outer = createHash('sha256')
  const file = await open(path, 'r')
  try {
    const segment = Buffer.alloc(1024 * 1024)
    for (;;) {
      let filled = 0
      while (filled < segment.length) {
        const { bytesRead } = await file.read(segment, filled, segment.length - filled)
        if (bytesRead === 0) break
        filled += bytesRead
      }
      if (filled === 0) break
      outer.update(createHash('sha256').update(segment.subarray(0, filled)).digest())
      if (filled < segment.length) break
    }
  } finally {
    await file.close()
  }
  return outer.digest('hex')
}

/** Resolves when `transfer` reaches `state` (rejects on another terminal state or timeout). */
export function waitForState(transfer: Transfer, state: TransferState, timeoutMs = 30_000): Promise<void> {
  if (transfer.state === state) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`timed out waiting for ${state}; state is ${transfer.state}`))
    }, timeoutMs)
    const off = transfer.on('state', (s, error) => {
      if (s === state) {
        clearTimeout(timer)
        off()
        resolve()
      } else if (s === 'done' || s === 'failed' || s === 'cancelled') {
        clearTimeout(timer)
        off()
        reject(new Error(`reached ${s} instead of ${state}: ${error?.message ?? ''}`))
      }
    })
  })
}

/** Resolves once `transfer` has moved at least `bytes` (progress events). */
export function waitForBytes(transfer: Transfer, bytes: number, timeoutMs = 30_000): Promise<void> {
  if (transfer.progress.bytes >= bytes) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`timed out waiting for ${bytes} bytes; at ${transfer.progress.bytes}`))
    }, timeoutMs)
    const off = transfer.on('progress', (p) => {
      if (p.bytes < bytes) return
      clearTimeout(timer)
      off()
      resolve()
    })
  })
}

/** A promise and the function that resolves it (a test's gate or signal). */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {}
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

/** The offer's description of a file `name` of `size` bytes (id '0', no type). */
export function fileMeta(name: string, size: number, lastModified = 1_700_000_000_000): FileMeta {
  return { id: '0', name, size, type: '', lastModified }
}
