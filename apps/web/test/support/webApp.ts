/**
 * End-to-end support for the web app: builds it with Vite, serves it from a real Parley server on
 * an ephemeral loopback port, and drives participants in Chromium (one browser context each).
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type ParleyServer, type ServerOptions, startServer } from '@parley/server'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import { launchBrowser } from '../../../../test/support/chromium.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..')
export const WEB_DIR = join(root, 'apps', 'web')
export const OUTPUT_DIR = join(root, 'test-output', 'web')
let distDir: string | undefined

/**
 * Builds the web app with the same `vite build` as scripts/build.mjs, into a temporary directory
 * (never apps/web/dist, which other tests and a running server may be reading).
 */
export function buildWebApp(): string {
  const outDir = mkdtempSync(join(tmpdir(), 'parley-web-e2e-'))
  const vite = join(root, 'node_modules/vite/bin/vite.js')
  const result = spawnSync(
    process.execPath,
    [vite, 'build', '--logLevel', 'warn', '--outDir', outDir, '--emptyOutDir'],
    {
      cwd: WEB_DIR,
      encoding: 'utf8',
    },
  )
  if (result.status !== 0) {
    rmSync(outDir, { recursive: true, force: true })
    throw new Error(`vite build failed:\n${result.stdout}\n${result.stderr}`)
  }
  distDir = outDir
  return outDir
}

/** Removes the build of buildWebApp(). Idempotent. */
export function removeWebAppBuild(): void {
  if (distDir) rmSync(distDir, { recursive: true, force: true })
  distDir = undefined
}

/**
 * A server for the built app on `port` (default: an ephemeral one), on loopback unless `options`
 * say otherwise (a network lab's address, TURN settings, a shorter resume grace).
 */
export function startAppServer(
  port = 0,
  options: Omit<ServerOptions, 'port' | 'staticDir'> = {},
): Promise<ParleyServer> {
  if (!distDir) throw new Error('call buildWebApp() first')
  return startServer({ port, host: '127.0.0.1', staticDir: distDir, logLevel: 'silent', ...options })
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

export interface PageOptions {
  /** localStorage entries set before the app's scripts run (e.g. the app's test hooks). */
  readonly localStorage?: Readonly<Record<string, string>>
}

/** Opens a new browser context on `url` (e.g. a room link with ?name=) and records its errors. */
export async function openPage(
  browser: Browser,
  url: string,
  name: string,
  options: PageOptions = {},
): Promise<Participant> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  if (options.localStorage) {
    await context.addInitScript((entries) => {
      for (const [key, value] of Object.entries(entries)) localStorage.setItem(key, value)
    }, options.localStorage)
  }
  const page = await context.newPage()
  const errors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`)
  })
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`))
  await page.goto(url)
  return { name, page, errors, close: () => context.close() }
}

/**
 * Drops from `p.errors` what the browser itself logs when the signaling server cannot be reached
 * (refused or reset WebSocket connections while it is down or cut off): not the app's errors.
 */
export function forgetRefusedWebSockets(p: Participant): void {
  const refused = (e: string) => /WebSocket connection to .* failed/.test(e)
  p.errors.splice(0, p.errors.length, ...p.errors.filter((e) => !refused(e)))
}

/** Joins `room` by its link with ?name= prefilled, clicks join, and waits for the call screen. */
export async function joinByLink(
  browser: Browser,
  /** The server, or a proxy in front of it (the page loads the app and signals through it). */
  server: { readonly url: string },
  room: string,
  name: string,
  options: PageOptions = {},
): Promise<Participant> {
  const p = await openPage(browser, `${server.url}/r/${room}?name=${encodeURIComponent(name)}`, name, options)
  await poll(() => p.page.getByTestId('name-input').inputValue()).toBe(name)
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

/** Who a remote tile shows: its peer id as the viewer knows it, or the person's (unique) name. */
export type Who = string | { readonly name: string }

function tileSelector(who: Who): string {
  return typeof who === 'string'
    ? `[data-testid="participant-tile"][data-peer-id="${who}"]`
    : `[data-testid="participant-tile"][aria-label="${who.name}"]`
}

/** Waits until `viewer` plays `who`'s video: frames decoded (videoWidth > 0) and time advancing. */
export async function expectVideoPlaying(
  viewer: Participant,
  who: Who,
  size?: { width: number; height: number },
): Promise<void> {
  const selector = `${tileSelector(who)} video`
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

/**
 * Every participant sees every other's video playing (tiles found by name: a participant keeps
 * the id others first knew it by, which is not always its own current id).
 */
export async function expectFullMesh(participants: readonly Participant[]): Promise<void> {
  for (const [i, viewer] of participants.entries()) {
    await poll(() => viewer.page.getByTestId('participant-tile').count(), 30_000).toBe(
      participants.length - 1,
    )
    for (const [j, other] of participants.entries()) {
      if (i !== j) await expectVideoPlaying(viewer, { name: other.name })
    }
  }
}

/** expect.poll with a timeout fit for browsers on a busy machine (the default is 1 s). */
export function poll<T>(fn: () => T | Promise<T>, timeout = 15_000) {
  return expect.poll(fn, { timeout })
}

/** What one e2e file shares: a browser, the app's server, and the participants of the current test. */
export interface WebAppSuite {
  readonly browser: Browser
  readonly server: ParleyServer
  /** A room name unique to this file and run, e.g. `e2e-1234-3`. */
  nextRoom(): string
  /** Closes `p` after the test and fails the test on any console error it recorded. */
  track(p: Participant): Participant
  /** Joins `room` by link as `name`, tracked. */
  join(room: string, name: string, options?: PageOptions): Promise<Participant>
  /** Closes the server (signaling outage); returns its port for {@link startServerOn}. */
  stopServer(): Promise<number>
  /** Starts a new server for the app on `port` (after {@link stopServer}). */
  startServerOn(port: number): Promise<void>
}

/**
 * Registers the hooks of a web app e2e file: builds the app and starts one browser and one server
 * before all tests; after each test closes its participants and fails on their console errors;
 * after all tests closes everything and removes the build.
 */
export function useWebAppSuite(prefix: string): WebAppSuite {
  let browser: Browser | undefined
  let server: ParleyServer | undefined
  let participants: Participant[] = []
  let roomCounter = 0
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not started (used outside a test?)`)
    return value
  }
  const suite: WebAppSuite = {
    get browser() {
      return ready(browser, 'browser')
    },
    get server() {
      return ready(server, 'server')
    },
    nextRoom: () => `${prefix}-${process.pid}-${++roomCounter}`,
    track(p) {
      participants.push(p)
      return p
    },
    async join(room, name, options) {
      return suite.track(await joinByLink(suite.browser, suite.server, room, name, options))
    },
    async stopServer() {
      const { port } = suite.server
      await suite.server.close({ graceful: false })
      return port
    },
    async startServerOn(port) {
      server = await startAppServer(port)
    },
  }
  beforeAll(async () => {
    buildWebApp()
    ;[browser, server] = await Promise.all([launchBrowser(), startAppServer()])
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close({ graceful: false })
    removeWebAppBuild()
  })
  afterEach(async () => {
    const errors = participants.flatMap((p) => p.errors.map((e) => `${p.name}: ${e}`))
    await Promise.all(participants.map((p) => p.close()))
    participants = []
    expect(errors, 'console errors').toEqual([])
  })
  return suite
}
