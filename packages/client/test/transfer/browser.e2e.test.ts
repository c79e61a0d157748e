/**
 * The transfer engine in Chromium: browser → browser in one page (File slices, WebCrypto hash list,
 * OPFS sink, save() as a download), and browser ↔ terminal through a real server with the `parley`
 * CLI as a child process.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type ParleyServer, startServer } from '@parley/server'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { killAll, parley, startSend } from '../../../cli/test/support.js'
import { downloadServiceWorkerSource } from '../../src/index.js'
import { type Harness, openHarness, type ParleyGlobal } from '../media/browserHarness.js'
import { sha256ListOfFile, sha256OfFile, tempDir, writeRandomFile } from './support.js'

const MiB = 1024 * 1024
type W = Window & { Parley: ParleyGlobal; T: Record<string, unknown> }

/** Makes `window.T.blob`: `size` pseudo-random bytes (generated in the page, 1 MiB pieces). */
async function makeBlob(page: Page, size: number): Promise<void> {
  await page.evaluate((size) => {
    const parts: Uint8Array[] = []
    for (let at = 0; at < size; at += 1024 * 1024) {
      const part = new Uint8Array(Math.min(1024 * 1024, size - at))
      for (let i = 0; i < part.length; i += 65536) crypto.getRandomValues(part.subarray(i, i + 65536))
      parts.push(part)
    }
    ;(window as unknown as W).T = { blob: new Blob(parts as BlobPart[]) }
  }, size)
}

/** Runs the page's save action (window.T.save) and returns the downloaded file's path. */
async function download(page: Page): Promise<string> {
  const downloaded = page.waitForEvent('download', { timeout: 60_000 })
  await page.evaluate(() => ((window as unknown as W).T.save as () => Promise<void>)())
  const path = await (await downloaded).path()
  return path
}

/** An open channel between two RTCPeerConnections of one page, and the other end's channel. */
interface PagePair {
  channel: RTCDataChannel
  remote: RTCDataChannel
  maxMessageSize: number | undefined
}
type WithPair = W & { openPair(label: string): Promise<PagePair> }

/**
 * Defines `window.openPair(label)` in the page: two connected peer connections of the page (no
 * trickle: each description carries all its candidates), resolved once the labelled channel is
 * open on the offering side and announced on the other.
 */
async function definePair(page: Page): Promise<void> {
  await page.evaluate(() => {
    ;(window as unknown as WithPair).openPair = async (label: string) => {
      const a = new RTCPeerConnection()
      const b = new RTCPeerConnection()
      const gathered = (pc: RTCPeerConnection) =>
        new Promise<void>((resolve) => {
          if (pc.iceGatheringState === 'complete') return resolve()
          pc.addEventListener(
            'icegatheringstatechange',
            () => pc.iceGatheringState === 'complete' && resolve(),
          )
        })
      const remote = new Promise<RTCDataChannel>((resolve) => {
        b.ondatachannel = (e) => resolve(e.channel)
      })
      const channel = a.createDataChannel(label)
      await a.setLocalDescription(await a.createOffer())
      await gathered(a)
      await b.setRemoteDescription(a.localDescription!)
      await b.setLocalDescription(await b.createAnswer())
      await gathered(b)
      await a.setRemoteDescription(b.localDescription!)
      // the channel may have opened while setRemoteDescription's continuation waited for its turn
      if (channel.readyState !== 'open') {
        await new Promise((resolve) => channel.addEventListener('open', resolve, { once: true }))
      }
      return { channel, remote: await remote, maxMessageSize: a.sctp?.maxMessageSize }
    }
  })
}

describe('file transfer in Chromium', () => {
  let harness: Harness
  let server: ParleyServer
  let dir: { path: string; remove: () => Promise<void> }

  beforeAll(async () => {
    ;[harness, server, dir] = await Promise.all([
      openHarness({ '/parley-sw.js': ['text/javascript', downloadServiceWorkerSource()] }),
      startServer({ port: 0, host: '127.0.0.1', logLevel: 'silent' }),
      tempDir('parley-browser-'),
    ])
  })
  afterAll(async () => {
    await killAll()
    await harness?.close()
    await server?.close({ graceful: false })
    await dir?.remove()
  })

  it('browser → browser 64 MiB: File slices in, OPFS out, saved by download with the same SHA-256, sent as the browser defaults say: 64 KiB chunks, a send queue of at most 4 MiB', async () => {
    const page = await harness.newPage()
    await makeBlob(page, 64 * MiB)
    await definePair(page)
    const result = await page.evaluate(async () => {
      const w = window as unknown as WithPair
      const P = w.Parley
      const hashers = await P.loadHashers()
      const sender = new P.FileSender({
        sources: [new P.BlobFileSource(w.T.blob as Blob, 'big.bin')],
        hashers,
      })
      const { channel, remote, maxMessageSize } = await w.openPair(P.transferChannelLabel(sender.id))
      sender.attach(channel, { maxMessageSize })
      const receiver = await P.FileReceiver.fromChannel(remote, { hashers })
      // the send queue, sampled right after sends (progress is reported from the send loop)
      let mostBuffered = 0
      sender.on('progress', () => {
        mostBuffered = Math.max(mostBuffered, channel.bufferedAmount)
      })
      const started = performance.now()
      // main-thread stalls: the longest gap between animation frames while transferring
      let longest = 0
      let last = performance.now()
      let running = true
      const longTasks: number[] = []
      const observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) longTasks.push(Math.round(e.duration))
      })
      observer.observe({ type: 'longtask', buffered: false })
      const frame = (t: number) => {
        longest = Math.max(longest, t - last)
        last = t
        if (running) requestAnimationFrame(frame)
      }
      requestAnimationFrame(frame)
      await receiver.accept(() => {
        const sink = new P.OpfsSink()
        w.T.save = () => sink.save()
        return sink
      })
      await Promise.all([sender.finished(), receiver.finished()])
      running = false
      observer.disconnect()
      return {
        longTasks,
        mostBuffered,
        seconds: (performance.now() - started) / 1000,
        chunkSize: sender.chunkSize,
        longestFrameMs: Math.round(longest),
        sent: sender.files[0]?.sha256,
        received: receiver.files[0]?.sha256,
        digest: receiver.files[0]?.digest,
      }
    })
    console.log(
      `browser → browser 64 MiB: ${(64 / result.seconds).toFixed(1)} MiB/s, chunk ${result.chunkSize}, longest frame ${result.longestFrameMs} ms, long tasks ${JSON.stringify(result.longTasks)} (headless)`,
    )
    // both sides browsers: the WebCrypto hash list, computed here independently of the SDK
    expect(result.digest).toBe('sha256-list')
    expect(result.received).toBe(result.sent)
    expect(await sha256ListOfFile(await download(page))).toBe(result.sent)
    // a browser's defaults: 64 KiB chunks, a send queue of 64 KiB to 4 MiB (a chunk over it at
    // most) that follows the page's thread, not Node's 256 KiB chunks and 8 MiB
    expect(result.chunkSize).toBe(64 * 1024)
    expect(result.mostBuffered).toBeGreaterThan(0)
    expect(result.mostBuffered).toBeLessThanOrEqual(4 * MiB + 64 * 1024)
  }, 120_000)

  it("browser → browser 400 files of 240 KiB in one offer (94 MiB: all in OPFS, more files than the OPFS worker keeps open): every file verified with the sender's digest", async () => {
    const page = await harness.newPage()
    await makeBlob(page, 400 * 240 * 1024)
    await definePair(page)
    const result = await page.evaluate(async () => {
      const w = window as unknown as WithPair
      const P = w.Parley
      const hashers = await P.loadHashers()
      const blob = w.T.blob as Blob
      const piece = 240 * 1024
      const sources = Array.from(
        { length: 400 },
        (_, i) => new P.BlobFileSource(blob.slice(i * piece, (i + 1) * piece), `f${i}.bin`),
      )
      const sender = new P.FileSender({ sources, hashers })
      const { channel, remote, maxMessageSize } = await w.openPair(P.transferChannelLabel(sender.id))
      sender.attach(channel, { maxMessageSize })
      const receiver = await P.FileReceiver.fromChannel(remote, { hashers })
      const kinds = new Set<string>()
      const sinks: { remove(): Promise<void> }[] = []
      const factory = P.createBrowserSinkFactory()
      await receiver.accept(async (file, context) => {
        const sink = await factory(file, context)
        kinds.add(sink instanceof P.OpfsSink ? 'opfs' : 'other')
        sinks.push(sink as unknown as { remove(): Promise<void> })
        return sink
      })
      await Promise.all([sender.finished(), receiver.finished()])
      const sent = sender.files.map((f) => f.sha256)
      const received = receiver.files.map((f) => f.sha256)
      const done = receiver.files.filter((f) => f.status === 'done').length
      for (const sink of sinks) await sink.remove()
      return { kinds: [...kinds], done, same: sent.every((d, i) => d !== undefined && d === received[i]) }
    })
    expect(result.kinds).toEqual(['opfs'])
    expect(result.done).toBe(400)
    expect(result.same).toBe(true)
  }, 120_000)

  it('terminal → browser 32 MiB: parley send, the page accepts the offer and saves the file', async () => {
    const src = join(dir.path, 'to-browser.bin')
    const expected = await writeRandomFile(src, 32 * MiB)
    const { sender, code } = await startSend([src], server.url)
    const page = await harness.newPage()
    const offered = await page.evaluate(
      async ({ serverUrl, code }) => {
        const w = window as unknown as W
        const P = w.Parley
        const room = await P.Room.join(serverUrl, code, { name: 'browser' })
        const manager = new P.TransferManager(room)
        const offer = await new Promise<Parameters<Parameters<typeof manager.on<'offer'>>[1]>[0]>((resolve) =>
          manager.once('offer', resolve),
        )
        await offer.accept('all', P.browserSinkFactory)
        w.T = { save: () => offer.transfer.save() }
        await offer.transfer.finished()
        await offer.transfer.settled()
        const file = offer.transfer.files[0]
        return { files: offer.files.map((f) => [f.name, f.size]), sha256: file?.sha256, digest: file?.digest }
      },
      { serverUrl: server.url, code },
    )
    expect(offered.files).toEqual([['to-browser.bin', 32 * MiB]])
    // a browser on one side: the hash list (native in both), not the page's TypeScript SHA-256
    expect(offered.digest).toBe('sha256-list')
    expect(offered.sha256).toBe(await sha256ListOfFile(src))
    expect(await sender.exitCode(30_000)).toBe(0)
    expect(await sha256OfFile(await download(page))).toBe(expected)
  }, 120_000)

  it('terminal → browser 32 MiB without OPFS: the TransferManager default sinks stream it into a service-worker download', async () => {
    const src = join(dir.path, 'to-download.bin')
    const expected = await writeRandomFile(src, 32 * MiB)
    const { sender, code } = await startSend([src], server.url)
    const page = await harness.newPage()
    const downloaded = page.waitForEvent('download', { timeout: 60_000 })
    const received = await page.evaluate(
      async ({ serverUrl, code }) => {
        const P = (window as unknown as W).Parley
        // a browser without the origin private file system
        Object.defineProperty(navigator.storage, 'getDirectory', { value: undefined })
        const serviceWorkerDownloads = await P.ServiceWorkerDownloads.register('/parley-sw.js', {
          scope: '/_parley/dl/',
        })
        const room = await P.Room.join(serverUrl, code, { name: 'browser' })
        const manager = new P.TransferManager(room, { serviceWorkerDownloads })
        const offer = await new Promise<Parameters<Parameters<typeof manager.on<'offer'>>[1]>[0]>((resolve) =>
          manager.once('offer', resolve),
        )
        await offer.accept() // no sink given: the manager's browser default
        const sink = offer.transfer.sink('0') as { savedAsDownload?: boolean } | undefined
        await offer.transfer.finished()
        await offer.transfer.settled()
        const file = offer.transfer.files[0]
        return { savedAsDownload: sink?.savedAsDownload, sha256: file?.sha256, digest: file?.digest }
      },
      { serverUrl: server.url, code },
    )
    expect(received).toEqual({
      savedAsDownload: true,
      sha256: await sha256ListOfFile(src),
      digest: 'sha256-list',
    })
    expect(await sender.exitCode(30_000)).toBe(0)
    const file = await downloaded
    expect(file.suggestedFilename()).toBe('to-download.bin')
    expect(await file.failure()).toBeNull()
    expect(await sha256OfFile(await file.path())).toBe(expected)
  }, 120_000)

  it('browser → terminal 32 MiB: the page offers to the joining parley receive, which verifies it', async () => {
    const page = await harness.newPage()
    await makeBlob(page, 32 * MiB)
    const code = '7-browser-to-terminal'
    await page.evaluate(
      async ({ serverUrl, code }) => {
        const w = window as unknown as W
        const P = w.Parley
        const room = await P.Room.join(serverUrl, code, { name: 'browser' })
        const manager = new P.TransferManager(room)
        room.on('connection-state', (peer, state) => {
          if (state !== 'connected') return
          void manager.sendFiles(peer, [new File([w.T.blob as Blob], 'from-browser.bin')]).then(([t]) => {
            w.T.transfer = t
          })
        })
      },
      { serverUrl: server.url, code },
    )
    const out = join(dir.path, 'from-browser')
    await mkdir(out)
    const receiver = await parley(['receive', code, '--out', out, '--server', server.url])
    expect(await receiver.exitCode(60_000)).toBe(0)
    const sent = await page.evaluate(async () => {
      const t = (window as unknown as W).T.transfer as {
        finished(): Promise<void>
        files: { sha256?: string }[]
      }
      await t.finished()
      return t.files[0]?.sha256
    })
    expect(await sha256ListOfFile(join(out, 'from-browser.bin'))).toBe(sent)
    expect(receiver.stdout).toMatch(/from-browser\.bin .*SHA-256 hash list [0-9a-f]{64} verified/)
    await writeFile(join(out, 'ok'), '')
  }, 120_000)
})
