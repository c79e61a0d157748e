import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { DigestWorker, type DigestWorkerPort } from '../src/transfer/browser/DigestWorker.js'
import { LIST_SEGMENT_BYTES, segmentBuffers } from '../src/transfer/HashList.js'
import { webCryptoHashers } from '../src/transfer/hash.js'

const subtle = globalThis.crypto.subtle
const hex = (d: ArrayBuffer) => Buffer.from(d).toString('hex')
const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')

/** A worker run in this thread: messages are cloned (buffers transferred) as a real one gets them. */
class FakeWorker implements DigestWorkerPort {
  onmessage: DigestWorkerPort['onmessage'] = null
  onerror: DigestWorkerPort['onerror'] = null
  readonly requests: { id: number; bytes: Uint8Array<ArrayBuffer> }[] = []
  terminated = false
  /** Replies only when told to (the probe included). */
  readonly held: (() => Promise<void>)[] = []

  postMessage(message: unknown, transfer: Transferable[]): void {
    const request = structuredClone(message, { transfer }) as { id: number; bytes: Uint8Array<ArrayBuffer> }
    this.requests.push(request)
    this.held.push(() =>
      subtle.digest('SHA-256', request.bytes).then((digest) => {
        // as the real worker: the request's buffer goes back with the digest
        const back = request.bytes.buffer
        const data = structuredClone({ id: request.id, digest, back }, { transfer: [back] })
        if (!this.terminated) this.onmessage?.({ data } as MessageEvent)
      }),
    )
  }

  /** Answers every held request; resolves once the replies were delivered. */
  async reply(): Promise<void> {
    await Promise.all(this.held.splice(0).map((run) => run()))
  }

  terminate(): void {
    this.terminated = true
  }
}

/** Waits (up to 5 s, checking every ms) for what a promise chain settles on its own time. */
const until = async (condition: () => boolean) => {
  const deadline = Date.now() + 5000
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1))
  expect(condition()).toBe(true)
}

describe('DigestWorker', () => {
  it('digests on the page until the worker answered its probe, then in the worker, buffers transferred; same digests', async () => {
    const worker = new FakeWorker()
    const digests = new DigestWorker(subtle, () => worker)
    const early = new Uint8Array(1000).fill(1)
    expect(hex(await digests.digest(early))).toBe(sha(new Uint8Array(1000).fill(1)))
    expect(worker.requests).toHaveLength(1) // the probe only
    await worker.reply()
    await until(() => digests.inWorker)
    const data = new Uint8Array(3000).fill(2)
    const pending = digests.digest(data)
    expect(data.byteLength).toBe(0) // transferred, not copied
    await worker.reply()
    expect(hex(await pending)).toBe(sha(new Uint8Array(3000).fill(2)))
    expect(worker.requests).toHaveLength(2)
  })

  it('a worker that fails rejects what it held, is terminated, and later digests run on the page', async () => {
    const worker = new FakeWorker()
    const digests = new DigestWorker(subtle, () => worker)
    await worker.reply()
    await until(() => digests.inWorker)
    const held = digests.digest(new Uint8Array(10))
    worker.onerror?.(new Event('error'))
    await expect(held).rejects.toThrow('digest worker failed')
    expect(worker.terminated).toBe(true)
    expect(digests.inWorker).toBe(false)
    expect(hex(await digests.digest(new Uint8Array(5).fill(9)))).toBe(sha(new Uint8Array(5).fill(9)))
    expect(worker.requests).toHaveLength(2)
  })

  it('a worker that cannot start (e.g. a Content Security Policy) leaves every digest on the page', async () => {
    const digests = new DigestWorker(subtle, () => {
      throw new Error('blocked by CSP')
    })
    expect(digests.inWorker).toBe(false)
    expect(hex(await digests.digest(new Uint8Array(7).fill(3)))).toBe(sha(new Uint8Array(7).fill(3)))
  })

  it('segment buffers come back from the worker and are reused: hashing 6 MiB allocates no buffer per MiB', async () => {
    const worker = new FakeWorker()
    const digests = new DigestWorker(subtle, () => worker)
    await worker.reply()
    await until(() => digests.inWorker)
    while (segmentBuffers.size > 0) segmentBuffers.take()
    const h = webCryptoHashers(subtle, digests.digest).create('sha256-list')
    for (let n = 0; n < 6; n++) {
      h.update(new Uint8Array(LIST_SEGMENT_BYTES).fill(n))
      expect(segmentBuffers.size).toBe(0) // the segment's buffer is out, in the worker
      await worker.reply()
      // back in the pool, where the next segment takes it: one buffer for every segment
      expect(segmentBuffers.size).toBe(1)
    }
    await h.digestHex()
  })

  it('as the sha256-list segment digest, gives the digest WebCrypto on the page gives', async () => {
    const worker = new FakeWorker()
    const digests = new DigestWorker(subtle, () => worker)
    await worker.reply()
    await until(() => digests.inWorker)
    const data = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => i * 7)
    const viaWorker = webCryptoHashers(subtle, digests.digest).create('sha256-list')
    const onPage = webCryptoHashers(subtle).create('sha256-list')
    viaWorker.update(data)
    onPage.update(data)
    const result = viaWorker.digestHex()
    expect(worker.held).toHaveLength(4)
    await worker.reply()
    expect(await result).toBe(await onPage.digestHex())
  })
})
