/**
 * End-to-end support for the web app: builds it with Vite, serves it from a real Parley server on
 * an ephemeral loopback port, and drives participants in Chromium (one browser context each).
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type ParleyServer, startServer } from '@parley/server'
import type { Browser, Page } from 'playwright-core'
import { expect } from 'vitest'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..')
export const WEB_DIR = join(root, 'apps', 'web')
export const DIST_DIR = join(WEB_DIR, 'dist')
export const OUTPUT_DIR = join(root, 'test-output', 'web')

/** Builds apps/web into apps/web/dist (the same `vite build` scripts/build.mjs runs). */
export function buildWebApp(): void {
  const result = spawnSync(
    process.execPath,
    [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'],
    {
      cwd: WEB_DIR,
      encoding: 'utf8',
    },
  )
  if (result.status !== 0) throw new Error(`vite build failed:\n${result.stdout}\n${result.stderr}`)
}

/** A server for the built app on `port` (default: an ephemeral one). */
export function startAppServer(port = 0): Promise<ParleyServer> {
  return startServer({ port, host: '127.0.0.1', staticDir: DIST_DIR, logLevel: 'silent' })
}

export function screenshotPath(name: string): string {
  mkdirSync(OUTPUT_DIR, { recursive: true })
  return join(OUTPUT_DIR, name)
}

export interface Participant {
  readonly name: string
  readonly page: Page
  /** Console errors and uncaught page errors seen so far. */
  readonly errors: string[]
  close(): Promise<void>
}

/** Opens a new browser context on `url` (e.g. a room link with ?name=) and records its errors. */
export async function openPage(browser: Browser, url: string, name: string): Promise<Participant> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`)
  })
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`))
  await page.goto(url)
  return { name, page, errors, close: () => context.close() }
}

/** Joins `room` by its link with ?name= prefilled, clicks join, and waits for the call screen. */
export async function joinByLink(
  browser: Browser,
  server: ParleyServer,
  room: string,
  name: string,
): Promise<Participant> {
  const p = await openPage(browser, `${server.url}/r/${room}?name=${encodeURIComponent(name)}`, name)
  await expect.poll(() => p.page.getByTestId('name-input').inputValue()).toBe(name)
  await p.page.getByTestId('join-button').click()
  await p.page.getByTestId('local-tile').waitFor()
  return p
}

/** The peer id of a participant (from its own local tile). */
export function peerIdOf(p: Participant): Promise<string> {
  return p.page
    .getByTestId('local-tile')
    .getAttribute('data-peer-id')
    .then((id) => {
      if (!id) throw new Error(`${p.name} has no peer id`)
      return id
    })
}

export function remoteTile(viewer: Participant, peerId: string) {
  return viewer.page.locator(`[data-testid="participant-tile"][data-peer-id="${peerId}"]`)
}

/** Waits until `viewer` plays `peerId`'s video: frames decoded (videoWidth > 0) and time advancing. */
export async function expectVideoPlaying(
  viewer: Participant,
  peerId: string,
  size?: { width: number; height: number },
): Promise<void> {
  const selector = `[data-testid="participant-tile"][data-peer-id="${peerId}"] video`
  await viewer.page.waitForFunction(
    ({ selector, size }) => {
      const v = document.querySelector<HTMLVideoElement>(selector)
      if (!v || v.videoWidth === 0 || v.paused) return false
      return !size || (v.videoWidth === size.width && v.videoHeight === size.height)
    },
    { selector, size },
    { timeout: 30_000 },
  )
  const t0 = await viewer.page.$eval(selector, (v) => (v as HTMLVideoElement).currentTime)
  await viewer.page.waitForFunction(
    ({ selector, t0 }) => (document.querySelector<HTMLVideoElement>(selector)?.currentTime ?? 0) > t0,
    { selector, t0 },
    { timeout: 10_000 },
  )
}

/** Every participant sees every other's video playing. */
export async function expectFullMesh(participants: readonly Participant[]): Promise<void> {
  const ids = await Promise.all(participants.map(peerIdOf))
  for (const [i, viewer] of participants.entries()) {
    await expect
      .poll(() => viewer.page.getByTestId('participant-tile').count(), { timeout: 30_000 })
      .toBe(participants.length - 1)
    for (const [j, id] of ids.entries()) if (i !== j) await expectVideoPlaying(viewer, id)
  }
}
