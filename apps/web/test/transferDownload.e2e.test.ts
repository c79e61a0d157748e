/**
 * Received files streamed into the browser's Downloads through the download service worker, in
 * real Chromium through the web app UI. The receiver runs with the app's test hook
 * `localStorage['parley:test:no-opfs'] = '1'` (OPFS treated as unavailable), so the sink choice
 * takes the service-worker path that browsers without OPFS would take.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join as joinPath } from 'node:path'
import type { Browser, Download, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from '../../../test/support/chromium.js'
import { browserMemory } from './support/browserMemory.js'
import { pseudoRandomFile, sha256Of } from './support/files.js'
import { pageHeap, serviceWorkerHeap } from './support/heap.js'
import { expectFullMesh, joinByLink, type Participant, poll, useWebAppSuite } from './support/webApp.js'

const MiB = 1024 * 1024
const NO_OPFS = { localStorage: { 'parley:test:no-opfs': '1' } }
const suite = useWebAppSuite('txsw')
const dir = mkdtempSync(joinPath(tmpdir(), 'parley-web-txsw-'))

/** Bo's own Chromium: its memory is the receiver's alone. */
let receiverBrowser: Browser

beforeAll(async () => {
  receiverBrowser = await launchBrowser()
}, 120_000)

afterAll(async () => {
  await receiverBrowser?.close()
  rmSync(dir, { recursive: true, force: true })
})

async function sendFiles(from: Participant, paths: string[]): Promise<void> {
  await from.page.getByTestId('send-files').click()
  await from.page.getByTestId('file-input').setInputFiles(paths)
}

const card = (p: Participant) => p.page.getByTestId('file-transfer')
const stateOf = (p: Participant) => card(p).getAttribute('data-state')

/**
 * Ada (OPFS as usual) and Bo (his own Chromium, OPFS off: service-worker downloads) in a call,
 * cameras off.
 */
async function joinPair(): Promise<[Participant, Participant]> {
  const room = suite.nextRoom()
  const ada = await suite.join(room, 'Ada')
  const bo = suite.track(await joinByLink(receiverBrowser, suite.server, room, 'Bo', NO_OPFS))
  await expectFullMesh([ada, bo])
  // Cameras off: encoding and decoding two video streams would take CPU from the transfer.
  for (const p of [ada, bo]) {
    await p.page.getByTestId('toggle-camera').click()
    await poll(() => p.page.getByTestId('toggle-camera').getAttribute('aria-pressed')).toBe('false')
  }
  return [ada, bo]
}

/** Accepts the offer on `p` and returns the download the acceptance starts. */
async function acceptIntoDownload(p: Participant): Promise<Download> {
  await poll(() => stateOf(p), 30_000).toBe('offered')
  const download = p.page.waitForEvent('download', { timeout: 60_000 })
  await p.page.getByTestId('file-accept').click()
  return download
}

/** Names of the files in the page's OPFS transfer directory (none when it does not exist). */
function opfsTransferFiles(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const root = await navigator.storage.getDirectory()
    try {
      const dir = await root.getDirectoryHandle('parley-transfers')
      const names: string[] = []
      for await (const key of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(key)
      return names
    } catch {
      return []
    }
  })
}

describe('web app: received files streamed through the download service worker (OPFS unavailable)', () => {
  it('a 96 MiB file downloads while it arrives, with the same SHA-256, and the receiving page never holds it in memory', async () => {
    const size = 96 * MiB
    const file = pseudoRandomFile(dir, 'stream-96.bin', size, 11)
    const [ada, bo] = await joinPair()
    const pageSampler = await pageHeap(bo.page)
    const memory = await browserMemory(receiverBrowser)
    const pageBefore = await pageSampler()
    const memoryBefore = await memory()

    await sendFiles(ada, [file.path])
    const download = await acceptIntoDownload(bo)
    // The download starts at accept time, long before the last byte arrives: it is a stream.
    expect(await stateOf(bo)).not.toBe('done')
    expect(download.suggestedFilename()).toBe('stream-96.bin')
    const workerSampler = await serviceWorkerHeap(receiverBrowser, '/parley-sw.js')

    const max = { page: pageBefore.heap, pageLive: pageBefore.live, worker: 0, workerLive: 0 }
    let memoryMax = memoryBefore
    const started = performance.now()
    for (let state = await stateOf(bo); state !== 'done'; state = await stateOf(bo)) {
      expect(['offered', 'active']).toContain(state)
      const [page, worker] = [await pageSampler(), await workerSampler()]
      max.page = Math.max(max.page, page.heap)
      max.pageLive = Math.max(max.pageLive, page.live)
      max.worker = Math.max(max.worker, worker.heap)
      max.workerLive = Math.max(max.workerLive, worker.live)
      memoryMax = Math.max(memoryMax, await memory())
      await bo.page.waitForTimeout(250)
    }
    const seconds = (performance.now() - started) / 1000
    await poll(() => stateOf(ada), 30_000).toBe('done')

    const saved = await download.path()
    expect(await download.failure()).toBeNull()
    expect(statSync(saved).size).toBe(size)
    expect(await sha256Of(saved)).toBe(file.sha256)
    // Nothing went to OPFS, and neither the page nor the service worker held the file: what their
    // JS heaps (ArrayBuffers included) kept reachable stayed far below its size. (Before a
    // collection the worker's heap also counts chunks the browser already read, garbage until V8
    // collects it — on its own schedule, whatever the file size; reported below, not asserted.)
    expect(await opfsTransferFiles(bo.page)).toEqual([])
    expect(max.page).toBeLessThan(size / 2)
    expect(max.pageLive).toBeLessThan(size / 2)
    expect(max.workerLive).toBeGreaterThan(0)
    expect(max.workerLive).toBeLessThan(size / 2)
    // The download was the save: the save action shows it as done.
    const saveButton = bo.page.getByTestId('file-save')
    expect(await saveButton.getAttribute('data-saved')).toBe('true')
    expect(await saveButton.isDisabled()).toBe(true)
    const mib = (n: number) => (n / MiB).toFixed(1)
    console.info(
      `96 MiB via service-worker download: ${seconds.toFixed(1)} s (${(96 / seconds).toFixed(1)} MiB/s); ` +
        `receiver page heap ${mib(pageBefore.heap)} MiB before, max ${mib(max.page)} (live ${mib(max.pageLive)}); ` +
        `service worker heap max ${mib(max.worker)} MiB (live ${mib(max.workerLive)}); ` +
        `receiver Chromium Pss ${mib(memoryBefore)} MiB before, max ${mib(memoryMax)} (+${mib(memoryMax - memoryBefore)})`,
    )
  }, 240_000)

  it('a transfer the sender cancels mid-way fails the download, and both sides show cancelled', async () => {
    const size = 96 * MiB
    const file = pseudoRandomFile(dir, 'cancel-96.bin', size, 12)
    const [ada, bo] = await joinPair()

    await sendFiles(ada, [file.path])
    const download = await acceptIntoDownload(bo)
    await poll(() => stateOf(bo), 30_000).toBe('active')
    // mid-way: some bytes through, far from the end
    await expect
      .poll(
        async () => Number((await card(bo).getByRole('progressbar').getAttribute('aria-valuenow')) ?? 0),
        { timeout: 120_000, interval: 100 },
      )
      .toBeGreaterThanOrEqual(5)
    expect(await stateOf(bo)).toBe('active')
    await ada.page.getByTestId('file-cancel').click()

    await poll(() => stateOf(ada), 30_000).toBe('cancelled')
    await poll(() => stateOf(bo), 30_000).toBe('cancelled')
    expect(await download.failure()).not.toBeNull()
    expect(await bo.page.getByTestId('file-save').count()).toBe(0)
  }, 240_000)
})
