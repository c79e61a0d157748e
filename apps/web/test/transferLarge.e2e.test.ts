import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join as joinPath } from 'node:path'
import type { ParleyServer } from '@parley/server'
import type { Browser } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { TcpProxy } from '../../../packages/client/test/support/TcpProxy.js'
import { launchBrowser } from '../../../test/support/chromium.js'
import { pseudoRandomFile, sha256Of } from './support/files.js'
import {
  acceptOn,
  card,
  confirmedOn,
  expectResumedOnce,
  pickedSha256,
  pickIntoOpfs,
  recordTransferChannels,
  save,
  saveAll,
  sendFiles,
  sendUntilConfirmed,
  stateOf,
  type Wired,
  wiresOf,
} from './support/transfers.js'
import {
  buildWebApp,
  expectFullMesh,
  forgetRefusedWebSockets,
  joinByLink,
  type Participant,
  peerIdOf,
  poll,
  remoteTile,
  removeWebAppBuild,
  startAppServer,
} from './support/webApp.js'

const MiB = 1024 * 1024
/** The app's test hook that makes it send files from its sender worker (src/sdk/downloads.ts). */
const SENDER_WORKER_FLAG = 'parley:test:sender-worker'
/** The app's test hook that makes its SDK objects log to the console (src/sdk/testLogger.ts). */
const LOG_FLAG = 'parley:test:log'
let senderBrowser: Browser
let receiverBrowser: Browser
let server: ParleyServer
let participants: Participant[] = []
let roomCounter = 0
const nextRoom = () => `txl-${process.pid}-${++roomCounter}`
const dir = mkdtempSync(joinPath(tmpdir(), 'parley-web-txl-'))

beforeAll(async () => {
  buildWebApp()
  ;[senderBrowser, receiverBrowser, server] = await Promise.all([
    launchBrowser(),
    launchBrowser(),
    startAppServer(),
  ])
}, 120_000)

afterAll(async () => {
  await senderBrowser?.close()
  await receiverBrowser?.close()
  await server?.close({ graceful: false })
  removeWebAppBuild()
  rmSync(dir, { recursive: true, force: true })
})

afterEach(async () => {
  const errors = participants.flatMap((p) => p.errors.map((e) => `${p.name}: ${e}`))
  await Promise.all(participants.map((p) => p.close()))
  participants = []
  expect(errors, 'console errors').toEqual([])
})

/**
 * Ada (sending, from her page or with `senderWorker` from the app's sender worker) and Bo, on the
 * suite's server or on `on` (Ada through `adaVia`, Bo through `boVia`, e.g. a proxy in front of it,
 * when given).
 */
async function joinPair(
  options: {
    senderWorker?: boolean
    on?: { readonly url: string }
    adaVia?: { readonly url: string }
    boVia?: { readonly url: string }
  } = {},
): Promise<[Participant, Participant]> {
  const { senderWorker = false, on = server, adaVia = on, boVia = on } = options
  const room = nextRoom()
  const hooks = { [LOG_FLAG]: '1', ...(senderWorker ? { [SENDER_WORKER_FLAG]: '1' } : {}) }
  const ada = await joinByLink(senderBrowser, adaVia, room, 'Ada', { localStorage: hooks })
  participants.push(ada)
  const bo = await joinByLink(receiverBrowser, boVia, room, 'Bo', { localStorage: { [LOG_FLAG]: '1' } })
  participants.push(bo)
  // the SDK's log of both pages (reloads included), shown when the test fails
  const log: string[] = []
  for (const p of [ada, bo])
    p.page.on('console', (m) => {
      if (m.text().startsWith('[parley]')) log.push(`${p.name} ${m.text()}`)
    })
  onTestFailed(() => {
    console.info(`SDK log of ${room}:\n${log.join('\n')}`)
  })
  await expectFullMesh([ada, bo])
  // Cameras off: encoding and decoding two video streams would take CPU from the transfer.
  for (const p of [ada, bo]) {
    await p.page.getByTestId('toggle-camera').click()
    await poll(() => p.page.getByTestId('toggle-camera').getAttribute('aria-pressed')).toBe('false')
  }
  return [ada, bo]
}

/**
 * The sending or the receiving page's signaling cut through a TCP proxy once more than 16 MiB of a
 * 128 MiB file are confirmed, until the server ended that page's session (1 s resume grace) and the
 * other page saw it leave (which closes their connection); then restored. The cut page re-joins
 * under a new id and the transfer resumes by itself (the receiver reclaims it): one card on each
 * side, every channel resumed at or after each offset confirmed before it, the same bytes saved.
 */
async function resumesAfterRejoin(
  cut: 'sender' | 'receiver',
  seed: number,
  options: { saveAs?: boolean } = {},
): Promise<void> {
  const size = 128 * MiB
  const file = pseudoRandomFile(dir, `rejoin-${cut}-128.bin`, size, seed)
  const graceServer = await startAppServer(0, { resumeGraceMs: 1000 })
  const proxy = await TcpProxy.start(graceServer.port)
  try {
    const [ada, bo] = await joinPair({ on: graceServer, [cut === 'sender' ? 'adaVia' : 'boVia']: proxy })
    const [gone, stays] = cut === 'sender' ? [ada, bo] : [bo, ada]
    const goneId = await peerIdOf(gone)
    await recordTransferChannels(ada.page)
    if (options.saveAs) await pickIntoOpfs(bo, 'picked.bin')

    await sendUntilConfirmed(
      ada,
      bo,
      [file.path],
      16 * MiB,
      options.saveAs ? 'file-accept-to' : 'file-accept',
    )

    proxy.pause()
    proxy.dropAll()
    await remoteTile(stays, goneId).waitFor({ state: 'detached', timeout: 30_000 })
    proxy.resume()
    await expect.poll(() => peerIdOf(gone), { timeout: 30_000, interval: 200 }).not.toBe(goneId)
    await expect.poll(() => stateOf(bo), { timeout: 180_000, interval: 500 }).toBe('done')
    await poll(() => stateOf(ada), 30_000).toBe('done')
    expect(await card(ada).count()).toBe(1)
    expect(await card(bo).count()).toBe(1)

    const { resumedAt, channels, sentTwice } = expectResumedOnce(await wiresOf(ada.page), size, 16 * MiB)
    console.info(
      `${cut} re-join resume: resumed at ${(resumedAt / MiB).toFixed(1)} MiB, ${channels} channels, ` +
        `sent twice ${(sentTwice / MiB).toFixed(1)} MiB`,
    )
    if (options.saveAs) {
      // written where "Save as…" pointed, as it arrived: nothing to save afterwards
      expect(await bo.page.getByTestId('file-save').getAttribute('data-saved')).toBe('true')
      expect(await pickedSha256(bo, 'picked.bin')).toBe(file.sha256)
    } else {
      expect(await sha256Of(await save(bo))).toBe(file.sha256)
    }
    // while cut off, that page's browser logged its refused reconnections (not the app)
    forgetRefusedWebSockets(gone)
  } finally {
    proxy.close()
    await graceServer.close({ graceful: false })
  }
}

describe('web app large file transfer between two Chromium processes', () => {
  it('a 256 MiB file sent through the file input arrives verified and the save action downloads the same bytes', async () => {
    const file = pseudoRandomFile(dir, 'big-256.bin', 256 * MiB, 1)
    const [ada, bo] = await joinPair()

    await sendFiles(ada, [file.path])
    await poll(() => stateOf(bo)).toBe('offered')
    await bo.page.getByTestId('file-accept').click()
    await poll(() => stateOf(bo), 30_000).toBe('active')
    const started = performance.now()
    await expect.poll(() => stateOf(bo), { timeout: 180_000, interval: 500 }).toBe('done')
    const seconds = (performance.now() - started) / 1000
    await poll(() => stateOf(ada), 30_000).toBe('done')
    console.info(`256 MiB browser → browser: ${seconds.toFixed(1)} s, ${(256 / seconds).toFixed(1)} MiB/s`)

    const saved = await save(bo)
    expect(await sha256Of(saved)).toBe(file.sha256)
  }, 240_000)

  it('Room resume after the receiving page reloads mid-way: the transfer continues by itself from the offset the receiver confirmed (OPFS), no confirmed byte is sent again, the same bytes arrive', async () => {
    const size = 128 * MiB
    const file = pseudoRandomFile(dir, 'resume-128.bin', size, 2)
    const [ada, bo] = await joinPair()
    const boId = await peerIdOf(bo)
    await recordTransferChannels(ada.page)

    await sendUntilConfirmed(ada, bo, [file.path], 32 * MiB)

    // Reload the receiver mid-way: the page goes back into the call as the same participant, and
    // the transfer goes on without any click on either side.
    await bo.page.reload()
    await bo.page.getByTestId('local-tile').waitFor()
    await expect.poll(() => stateOf(bo), { timeout: 180_000, interval: 500 }).toBe('done')
    await poll(() => stateOf(ada), 30_000).toBe('done')

    // Still one transfer on each side, and the same participant (the session was taken over).
    expect(await card(ada).count()).toBe(1)
    expect(await card(bo).count()).toBe(1)
    expect(await peerIdOf(bo)).toBe(boId)
    expect(await remoteTile(ada, boId).count()).toBe(1)
    expect(await ada.page.getByTestId('notice').filter({ hasText: 'Bo left' }).count()).toBe(0)

    const { resumedAt, confirmedBefore, channels, sentTwice } = expectResumedOnce(
      await wiresOf(ada.page),
      size,
      32 * MiB,
    )
    console.info(
      `reload resume: confirmed ${(confirmedBefore / MiB).toFixed(1)} MiB, resumed at ${(resumedAt / MiB).toFixed(1)} MiB, ` +
        `${channels} channels, sent twice ${(sentTwice / MiB).toFixed(1)} MiB`,
    )

    const saved = await save(bo)
    expect(await sha256Of(saved)).toBe(file.sha256)
  }, 300_000)

  it("the sending page's signaling is cut mid-way past the server's resume grace (1 s): it re-joins under a new id, meets Bo afresh, and the transfer continues by itself from the offset Bo confirmed (no confirmed byte sent again), one card on each side, the same bytes", async () => {
    await resumesAfterRejoin('sender', 3)
  }, 300_000)

  it("the receiving page's signaling is cut mid-way past the server's resume grace (1 s): it re-joins under a new id, meets Ada afresh and reclaims the transfer, which continues by itself from the offset it confirmed (no confirmed byte sent again) into the same OPFS file, one card on each side, the same bytes", async () => {
    await resumesAfterRejoin('receiver', 5)
  }, 300_000)

  it('accepted with "Save as…" (File System Access): the receiving page\'s signaling is cut mid-way past the server\'s resume grace (1 s), it re-joins under a new id and reclaims the transfer, which continues from the offset it confirmed into the same picked file (no confirmed byte sent again), the same bytes', async () => {
    await resumesAfterRejoin('receiver', 7, { saveAs: true })
  }, 300_000)

  it('Room resume after the receiving page reloads during the second of three files (8, 48, 8 MiB: one transfer of 64 MiB, all in OPFS), sent from the sender worker: the first, verified before the reload, is not sent again and shows done with its digest; the second continues from its confirmed offset; all three end done and save with the same SHA-256', async () => {
    const sizes = [8 * MiB, 48 * MiB, 8 * MiB]
    const files = sizes.map((size, i) => pseudoRandomFile(dir, `multi-${i}.bin`, size, 10 + i))
    // the other reload test sends from the page (the app's default): this one covers the worker's resume
    const [ada, bo] = await joinPair({ senderWorker: true })
    const boId = await peerIdOf(bo)
    await recordTransferChannels(ada.page)

    await sendFiles(
      ada,
      files.map((f) => f.path),
    )
    await poll(() => stateOf(bo)).toBe('offered')
    await bo.page.getByTestId('file-accept').click()
    // the first file verified (file-ok), the second well on its way
    await expect
      .poll(
        async () => {
          const wires = await wiresOf(ada.page)
          const ok = wires.some((w) => w.received.some((m) => m.t === 'file-ok' && m.id === '0'))
          return ok ? confirmedOn(wires, '1') : 0
        },
        { timeout: 120_000, interval: 100 },
      )
      .toBeGreaterThan(8 * MiB)
    const fileOf = (p: Participant, id: string) =>
      p.page.locator(`[data-testid="transfer-file"][data-file-id="${id}"]`)
    const digestBefore = await fileOf(bo, '0').getAttribute('data-sha256')
    expect(digestBefore).toMatch(/^[0-9a-f]{64}$/)

    await bo.page.reload()
    await bo.page.getByTestId('local-tile').waitFor()
    await expect.poll(() => stateOf(bo), { timeout: 180_000, interval: 500 }).toBe('done')
    await poll(() => stateOf(ada), 30_000).toBe('done')
    expect(await card(bo).count()).toBe(1)
    expect(await peerIdOf(bo)).toBe(boId)

    // the reloaded page shows every file done, the first with the digest it was verified with before
    for (const id of ['0', '1', '2'])
      await poll(() => fileOf(bo, id).getAttribute('data-status')).toBe('done')
    expect(await fileOf(bo, '0').getAttribute('data-sha256')).toBe(digestBefore)

    const wires = await wiresOf(ada.page)
    const [first] = wires
    const last = wires.at(-1)
    if (!first || !last || wires.length < 2)
      throw new Error(`expected a resumed channel, got ${wires.length}`)
    expect(new Set(wires.map((w) => w.label)).size).toBe(1)
    // every channel was the worker's: the page itself sent no file byte
    expect(await ada.page.evaluate(() => (globalThis as Wired).parleyWire?.length ?? 0)).toBe(0)
    // file 0: its bytes went once, on the first channel; the reloaded page reported it completed
    expect(wires.reduce((sum, w) => sum + (w.binaryByFile['0'] ?? 0), 0)).toBe(sizes[0])
    expect(wires.slice(1).flatMap((w) => w.sent.filter((m) => m.t === 'file' && m.id === '0'))).toEqual([])
    expect(acceptOn(last)?.completed).toContain('0')
    // file 1: the last channel started at or after every offset confirmed before it and sent the rest exactly
    const resumedAt = acceptOn(last)?.files.find((f) => f.id === '1')?.offset ?? -1
    const confirmedBefore = confirmedOn(wires.slice(0, -1), '1')
    expect(confirmedBefore).toBeGreaterThan(8 * MiB)
    expect(resumedAt).toBeGreaterThanOrEqual(confirmedBefore)
    expect(resumedAt).toBeLessThan(sizes[1]!)
    expect(last.sent.find((m) => m.t === 'file' && m.id === '1')?.offset).toBe(resumedAt)
    expect(last.binaryByFile['1']).toBe(sizes[1]! - resumedAt)
    const sent = wires.reduce((sum, w) => sum + w.binarySent, 0)
    console.info(
      `multi-file reload: file 1 confirmed ${(confirmedBefore / MiB).toFixed(1)} MiB, resumed at ${(resumedAt / MiB).toFixed(1)} MiB, ` +
        `${wires.length} channels, sent twice ${((sent - 64 * MiB) / MiB).toFixed(1)} MiB`,
    )

    const saved = await saveAll(bo, 3)
    for (const [i, f] of files.entries()) {
      const path = saved.get(`multi-${i}.bin`)
      if (!path) throw new Error(`multi-${i}.bin was not saved (saved: ${[...saved.keys()].join(', ')})`)
      expect(await sha256Of(path)).toBe(f.sha256)
    }
  }, 300_000)
})
