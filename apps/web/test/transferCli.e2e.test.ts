/**
 * The web app and the `parley` CLI on one server: `parley send` to a browser that opens the link it
 * prints, a browser's file to `parley receive`, and each of these with the browser's signaling cut
 * mid-way past the server's resume grace (the page re-joins under a new id).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join as joinPath } from 'node:path'
import type { ParleyServer } from '@parley/server'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import {
  type CliProcess,
  expectResumedFromConfirmed,
  killAll,
  parley,
  senderStats,
  startSend,
} from '../../../packages/cli/test/support.js'
import { TcpProxy } from '../../../packages/client/test/support/TcpProxy.js'
import { launchBrowser } from '../../../test/support/chromium.js'
import { pseudoRandomFile, sha256Of } from './support/files.js'
import {
  acceptedOffset,
  card,
  confirmedOn,
  expectResumedOnce,
  recordTransferChannels,
  save,
  sendFiles,
  stateOf,
  type Wire,
  wiresOf,
} from './support/transfers.js'
import {
  buildWebApp,
  forgetRefusedWebSockets,
  joinByLink,
  type Participant,
  peerIdOf,
  poll,
  removeWebAppBuild,
  startAppServer,
} from './support/webApp.js'

const MiB = 1024 * 1024
/** The app's test hook that makes its SDK objects log to the console (src/sdk/testLogger.ts). */
const LOG_FLAG = 'parley:test:log'
let browser: Browser
let participants: Participant[] = []
/** Servers and proxies of the current test, closed after it. */
const servers: ParleyServer[] = []
const proxies: TcpProxy[] = []
let roomCounter = 0
const nextRoom = () => `txc-${process.pid}-${++roomCounter}`
const dir = mkdtempSync(joinPath(tmpdir(), 'parley-web-txc-'))

beforeAll(async () => {
  buildWebApp()
  browser = await launchBrowser()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  removeWebAppBuild()
  rmSync(dir, { recursive: true, force: true })
})

afterEach(async () => {
  await killAll()
  for (const proxy of proxies.splice(0)) proxy.close()
  await Promise.all(servers.splice(0).map((server) => server.close({ graceful: false })))
  const errors = participants.flatMap((p) => p.errors.map((e) => `${p.name}: ${e}`))
  await Promise.all(participants.map((p) => p.close()))
  participants = []
  expect(errors, 'console errors').toEqual([])
})

/** Joins `room` by its link through `via` (the server, or a proxy in front of it), SDK log shown on failure. */
async function joinLogged(via: { readonly url: string }, room: string, name: string): Promise<Participant> {
  const p = await joinByLink(browser, via, room, name, { localStorage: { [LOG_FLAG]: '1' } })
  participants.push(p)
  const log: string[] = []
  p.page.on('console', (m) => {
    if (m.text().startsWith('[parley]')) log.push(m.text())
  })
  onTestFailed(() => {
    console.info(`SDK log of ${name}:\n${log.join('\n')}`)
  })
  return p
}

/** The highest offset the page confirmed as stored (its `progress` messages) on `wires`. */
function confirmedBy(wires: readonly Wire[]): number {
  let max = 0
  for (const w of wires) for (const m of w.sent) if (m.t === 'progress') max = Math.max(max, Number(m.offset))
  return max
}

/** The app's server for this test (closed after it), with `proxy` a TCP proxy in front of it. */
async function appServer(
  options: { resumeGraceMs?: number } = {},
): Promise<{ server: ParleyServer; proxy: TcpProxy }> {
  const server = await startAppServer(0, options)
  servers.push(server)
  const proxy = await TcpProxy.start(server.port)
  proxies.push(proxy)
  return { server, proxy }
}

/**
 * `parley send` of `path`; Bo joins by its code through `via` (the server, or the proxy), his
 * transfer channels recorded, and accepts the offer.
 */
async function sendFromCli(
  server: { readonly url: string },
  via: { readonly url: string },
  path: string,
): Promise<{ sender: CliProcess; bo: Participant; boId: string }> {
  const { sender, code } = await startSend([path], server.url)
  const bo = await joinLogged(via, code, 'Bo')
  const boId = await peerIdOf(bo)
  await recordTransferChannels(bo.page)
  await poll(() => stateOf(bo), 30_000).toBe('offered')
  await bo.page.getByTestId('file-accept').click()
  return { sender, bo, boId }
}

/**
 * Ada joins a new room through `pageVia` (her transfer channels recorded) and `parley receive`
 * joins it into a new directory `out` through `receiveVia`; resolves once Ada sees the receive.
 */
async function receiveOnCli(
  pageVia: { readonly url: string },
  receiveVia: { readonly url: string },
  outName: string,
): Promise<{ ada: Participant; receiver: CliProcess; receiverId: string | null; out: string }> {
  const room = nextRoom()
  const ada = await joinLogged(pageVia, room, 'Ada')
  await recordTransferChannels(ada.page)
  const out = joinPath(dir, outName)
  mkdirSync(out)
  const receiver = await parley(['receive', room, '--out', out, '--server', receiveVia.url])
  const tile = ada.page.getByTestId('participant-tile').first()
  await tile.waitFor({ timeout: 30_000 })
  return { ada, receiver, receiverId: await tile.getAttribute('data-peer-id'), out }
}

/** Waits until more than `bytes` are confirmed, as `count` reads it from `page`'s channels. */
async function untilConfirmed(page: Page, count: (wires: readonly Wire[]) => number, bytes: number) {
  await expect
    .poll(async () => count(await wiresOf(page)), { timeout: 120_000, interval: 100 })
    .toBeGreaterThan(bytes)
}

/**
 * The web app (Ada) sends 128 MiB to `parley receive`; once more than 16 MiB are confirmed, the
 * signaling of `cut` (the page, or the receive) goes through a TCP proxy that drops it until the
 * server ended that side's session (1 s resume grace). It re-joins under a new id; the transfer
 * continues from the receive's confirmed offset (no confirmed byte sent again), one card.
 */
async function webToCliAfterRejoin(cut: 'page' | 'receive', seed: number): Promise<void> {
  const size = 128 * MiB
  const file = pseudoRandomFile(dir, `web-to-cli-${cut}-cut.bin`, size, seed)
  const { server, proxy } = await appServer({ resumeGraceMs: 1000 })
  const { ada, receiver, receiverId, out } = await receiveOnCli(
    cut === 'page' ? proxy : server,
    cut === 'receive' ? proxy : server,
    `web-to-cli-${cut}-cut`,
  )
  const adaId = await peerIdOf(ada)
  await sendFiles(ada, [file.path])
  await untilConfirmed(ada.page, confirmedOn, 16 * MiB)

  proxy.pause()
  proxy.dropAll()
  if (cut === 'page') {
    await receiver.waitFor(/Connection lost; resuming|left; waiting for the sender to come back/, 60_000)
  } else {
    // the server ended the receive's session: Ada saw it leave
    await ada.page
      .locator(`[data-testid="participant-tile"][data-peer-id="${receiverId}"]`)
      .waitFor({ state: 'detached', timeout: 30_000 })
  }
  proxy.resume()
  if (cut === 'page') {
    await expect.poll(() => peerIdOf(ada), { timeout: 30_000, interval: 200 }).not.toBe(adaId)
  }
  expect(await receiver.exitCode(180_000)).toBe(0)
  expect(await sha256Of(joinPath(out, `web-to-cli-${cut}-cut.bin`))).toBe(file.sha256)
  const { resumedAt, channels, sentTwice } = expectResumedOnce(await wiresOf(ada.page), size, 16 * MiB)
  console.info(
    `web → CLI, ${cut} cut: resumed at ${(resumedAt / MiB).toFixed(1)} MiB, ${channels} channels, ` +
      `sent twice ${(sentTwice / MiB).toFixed(1)} MiB`,
  )
  await poll(() => stateOf(ada), 30_000).toBe('done')
  expect(await card(ada).count()).toBe(1)
  forgetRefusedWebSockets(ada)
}

describe('web app ↔ parley CLI', () => {
  it('parley send → the web app opened at the link it prints: the offer shows, Accept receives it, the save action downloads the same bytes, and send exits 0 once the browser verified them', async () => {
    const { server } = await appServer()
    const file = pseudoRandomFile(dir, 'cli-to-web.bin', 32 * MiB, 21)
    const { sender, code } = await startSend([file.path], server.url)
    const [, link] = await sender.waitFor(/Link: (\S+)/)
    expect(link).toBe(`${server.url}/r/${code}`)
    const bo = await joinLogged(server, code, 'Bo')
    await poll(() => stateOf(bo), 30_000).toBe('offered')
    expect(await card(bo).textContent()).toContain('cli-to-web.bin')
    await bo.page.getByTestId('file-accept').click()
    await expect.poll(() => stateOf(bo), { timeout: 90_000, interval: 250 }).toBe('done')
    expect(await sender.exitCode(30_000)).toBe(0)
    expect(sender.stdout).toMatch(/Sent 1 file, 32\.0 MiB in .*; the receiver verified the SHA-256\./)
    expect(await sha256Of(await save(bo))).toBe(file.sha256)
  }, 180_000)

  it('the web app → parley receive: the page sends a file to the receive that joined its room, which writes and verifies it and exits 0', async () => {
    const { server } = await appServer()
    const file = pseudoRandomFile(dir, 'web-to-cli.bin', 32 * MiB, 22)
    const { ada, receiver, out } = await receiveOnCli(server, server, 'web-to-cli')
    await sendFiles(ada, [file.path])
    expect(await receiver.exitCode(90_000)).toBe(0)
    expect(receiver.stdout).toMatch(/web-to-cli\.bin .*SHA-256 hash list [0-9a-f]{64} verified/)
    expect(await sha256Of(joinPath(out, 'web-to-cli.bin'))).toBe(file.sha256)
    await poll(() => stateOf(ada), 30_000).toBe('done')
  }, 180_000)

  it('parley send → the web app, the page reloaded mid-way: it goes back into the room as the same participant and the transfer continues by itself from the offset it confirmed (OPFS), send exits 0, the same bytes', async () => {
    const size = 128 * MiB
    const file = pseudoRandomFile(dir, 'cli-to-web-reload.bin', size, 26)
    const { server } = await appServer()
    const { sender, bo, boId } = await sendFromCli(server, server, file.path)
    await untilConfirmed(bo.page, confirmedBy, 16 * MiB)

    await bo.page.reload()
    await bo.page.getByTestId('local-tile').waitFor()
    await expect.poll(() => stateOf(bo), { timeout: 180_000, interval: 500 }).toBe('done')
    expect(await peerIdOf(bo)).toBe(boId)
    expect(await card(bo).count()).toBe(1)
    expect(await sender.exitCode(30_000)).toBe(0)
    const attempts = expectResumedFromConfirmed(senderStats(sender.stderr), size)
    console.info(`CLI → web reload: attempts ${JSON.stringify(attempts)}`)
    expect(await sha256Of(await save(bo))).toBe(file.sha256)
  }, 300_000)

  it("Ctrl-C on parley send mid-way cancels the page's transfer with the reason shown (send exits 130); the page's Cancel mid-way makes parley receive exit 7 without a partial file", async () => {
    const { server } = await appServer()
    const big = pseudoRandomFile(dir, 'cancelled-by-cli.bin', 128 * MiB, 27)
    const { sender, bo } = await sendFromCli(server, server, big.path)
    await sender.waitFor(/Sending +[1-9]\d*% /, 60_000)
    sender.kill('SIGINT')
    expect(await sender.exitCode(15_000)).toBe(130)
    await poll(() => stateOf(bo)).toBe('cancelled')
    expect(await card(bo).textContent()).toContain('cancelled by the sender')

    const { ada, receiver, out } = await receiveOnCli(server, server, 'cancelled-by-page')
    await sendFiles(ada, [big.path])
    await receiver.waitFor(/Receiving +[1-9]\d*% /, 60_000)
    await ada.page.getByTestId('file-cancel').click()
    await poll(() => stateOf(ada)).toBe('cancelled')
    expect(await receiver.exitCode(15_000)).toBe(7)
    expect(receiver.stderr).toMatch(/the sender cancelled/)
    expect(readdirSync(out)).toEqual([])
  }, 240_000)

  it('the web app → parley receive, the sending page reloaded mid-way: the receive waits, and the same file sent again from the reloaded page resumes from its partial file (only the rest is sent), exit 0 with the file verified', async () => {
    const size = 128 * MiB
    const file = pseudoRandomFile(dir, 'web-to-cli-reload.bin', size, 28)
    const { server } = await appServer()
    const { ada, receiver, out } = await receiveOnCli(server, server, 'web-to-cli-reload')
    await sendFiles(ada, [file.path])
    await untilConfirmed(ada.page, confirmedOn, 16 * MiB)
    const confirmed = confirmedOn(await wiresOf(ada.page))

    await ada.page.reload()
    await ada.page.getByTestId('local-tile').waitFor()
    await receiver.waitFor(/waiting for the sender to come back/, 30_000)
    await recordTransferChannels(ada.page)
    await ada.page.getByTestId('participant-tile').first().waitFor({ timeout: 30_000 })
    await sendFiles(ada, [file.path])
    expect(await receiver.exitCode(180_000)).toBe(0)
    expect(receiver.stderr).toMatch(/The sender is back: resuming/)
    expect(receiver.stderr).toMatch(/Resuming web-to-cli-reload\.bin at [1-9]/)
    expect(await sha256Of(joinPath(out, 'web-to-cli-reload.bin'))).toBe(file.sha256)
    // the reloaded page sent only what the receive did not have: from at or after what it confirmed
    const [wire] = await wiresOf(ada.page)
    const offset = (wire && acceptedOffset(wire)) ?? -1
    console.info(`web → CLI after the sender's reload: resumed at ${(offset / MiB).toFixed(1)} MiB`)
    expect(offset).toBeGreaterThanOrEqual(confirmed)
    expect(wire?.binarySent).toBe(size - offset)
  }, 300_000)

  it("parley send → the web app, the page's signaling cut mid-way past the server's resume grace (1 s): it re-joins under a new id, the transfer continues from the offset it confirmed (no confirmed byte sent again), send exits 0, the same bytes", async () => {
    const size = 128 * MiB
    const file = pseudoRandomFile(dir, 'cli-to-web-rejoin.bin', size, 23)
    const { server, proxy } = await appServer({ resumeGraceMs: 1000 })
    const { sender, bo, boId } = await sendFromCli(server, proxy, file.path)
    await untilConfirmed(bo.page, confirmedBy, 16 * MiB)

    proxy.pause()
    proxy.dropAll()
    // the server ended Bo's session and told the sender
    await sender.waitFor(/Bo dropped out; waiting for them to come back/, 60_000)
    proxy.resume()
    await expect.poll(() => peerIdOf(bo), { timeout: 30_000, interval: 200 }).not.toBe(boId)
    await expect.poll(() => stateOf(bo), { timeout: 180_000, interval: 500 }).toBe('done')
    expect(await sender.exitCode(30_000)).toBe(0)
    const attempts = expectResumedFromConfirmed(senderStats(sender.stderr), size)
    console.info(`CLI → web re-join: attempts ${JSON.stringify(attempts)}`)
    expect(await card(bo).count()).toBe(1)
    expect(await sha256Of(await save(bo))).toBe(file.sha256)
    forgetRefusedWebSockets(bo)
  }, 300_000)

  it("the web app → parley receive, the page's signaling cut mid-way past the server's resume grace (1 s): it re-joins under a new id, the transfer continues from the offset the receive confirmed (no confirmed byte sent again), receive exits 0 with the file verified", async () => {
    await webToCliAfterRejoin('page', 24)
  }, 300_000)

  it("the web app → parley receive, the receive's signaling cut mid-way past the server's resume grace (1 s): it re-joins under a new id and asks for the transfer again, which continues from the offset it confirmed (no confirmed byte sent again), receive exits 0 with the file verified", async () => {
    await webToCliAfterRejoin('receive', 25)
  }, 300_000)
})
