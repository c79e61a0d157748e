/**
 * Node side of the WebRTC benchmarks: the signaling servers under test (each in its own process, see
 * bench/signaling/servers.ts), one loopback page with the SDK (`window.Parley`, built from source) and
 * the benchmark's page code (`window.Bench`, bench/webrtc/page.ts, peerjs bundled in), and two
 * Chromium processes with one page each, so that the two peers never share a renderer or a network
 * process.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import type { Page } from 'playwright-core'
import { launchPersistent, type PersistentChromium } from '../../test/support/chromium.js'
import { type ExtraFiles, type SdkPageServer, serveSdkPage } from '../../test/support/sdkPage.js'
import type { TargetName } from '../signaling/loadgenMessages.js'
import { type ServerUnderTest, startServer } from '../signaling/servers.js'
import { ensureParleyServerBuilt } from '../support/parleyBuild.js'
import { findProcessWithArg } from '../support/processTree.js'
import type { SignalingTargets } from './page.js'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

export interface WebRtcHarness {
  readonly servers: SignalingTargets
  /** One page in each of two Chromium processes. */
  readonly pages: readonly [Page, Page]
  /** Pids of the two Chromium browser processes (roots of their process trees). */
  readonly browserPids: readonly [number, number]
  /** Pids of the servers (parley, peerjs, wsRelay). */
  readonly serverPids: Readonly<Record<string, number>>
  close(): Promise<void>
}

export type ServerTarget = Extract<TargetName, 'parley' | 'peerjs' | 'wsRelay'>

/** Bundles a page script (`entry`, relative to the repository) for the browser, as one IIFE. */
export async function pageBundle(entry = 'bench/webrtc/page.ts'): Promise<string> {
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  })
  const text = result.outputFiles[0]?.text
  if (!text) throw new Error(`${entry}: empty bundle`)
  return text
}

/** More scripts for the pages: served at `/<name>` and added after the benchmark's page code, in order. */
export type ExtraScripts = readonly (readonly [name: string, body: string])[]

async function openPage(
  browser: PersistentChromium,
  url: string,
  log: (m: string) => void,
  name: string,
  extra: ExtraScripts,
) {
  const page = browser.context.pages()[0] ?? (await browser.context.newPage())
  page.on('pageerror', (error) => log(`page ${name}: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      log(`page ${name} ${message.type()}: ${message.text()}`)
  })
  await page.goto(url)
  await page.addScriptTag({ url: `${url}bench.js` })
  for (const [script] of extra) await page.addScriptTag({ url: `${url}${script}` })
  await page.waitForFunction(() => window.Bench !== undefined && window.Parley !== undefined)
  return page
}

export async function openWebRtcHarness(
  targets: readonly ServerTarget[],
  log: (message: string) => void,
  extra: ExtraScripts = [],
  /** Files served (not added to the pages), e.g. worker scripts: path → [content type, body]. */
  files: ExtraFiles = {},
): Promise<WebRtcHarness> {
  if (targets.includes('parley')) ensureParleyServerBuilt(root, log)
  const started: ServerUnderTest[] = []
  const browsers: PersistentChromium[] = []
  let pageServer: SdkPageServer | undefined
  const close = async () => {
    await Promise.allSettled(browsers.map((b) => b.close()))
    await pageServer?.close()
    await Promise.allSettled(started.map((s) => s.stop()))
  }
  try {
    const servers = await Promise.all(
      targets.map(async (target) => {
        const server = await startServer(target, root)
        started.push(server)
        return server
      }),
    )
    const port = (target: ServerTarget) => servers.find((s) => s.target === target)?.port ?? 0
    pageServer = await serveSdkPage({
      ...files,
      '/bench.js': ['text/javascript', await pageBundle()],
      ...Object.fromEntries(
        extra.map(([script, body]) => [`/${script}`, ['text/javascript', body] as const]),
      ),
    })
    // a marker argument finds each browser process in /proc (Chromium ignores unknown switches)
    const tag = `${process.pid}-${Date.now()}`
    browsers.push(
      await launchPersistent([`--parley-bench=${tag}-A`]),
      await launchPersistent([`--parley-bench=${tag}-B`]),
    )
    const browserPids = (['A', 'B'] as const).map((side) => {
      const pid = findProcessWithArg(`--parley-bench=${tag}-${side}`)
      if (pid === undefined) throw new Error(`browser process ${side} not found in /proc`)
      return pid
    })
    const url = pageServer.url
    const pages = [
      await openPage(browsers[0]!, url, log, 'A', extra),
      await openPage(browsers[1]!, url, log, 'B', extra),
    ] as const
    return {
      servers: {
        relayUrl: `ws://127.0.0.1:${port('wsRelay')}`,
        peerjsPort: port('peerjs'),
        parleyUrl: `http://127.0.0.1:${port('parley')}`,
      },
      pages,
      browserPids: [browserPids[0]!, browserPids[1]!],
      serverPids: Object.fromEntries(servers.map((s) => [s.target, s.pid])),
      close,
    }
  } catch (error) {
    await close()
    throw error
  }
}

/** Whatever happens, the process ends by then (children are killed on exit by bench/support/childProcess.ts). */
export function hardDeadline(ms: number, log: (message: string) => void): void {
  setTimeout(() => {
    log(`still running after ${Math.round(ms / 1000)} s: giving up`)
    process.exit(1)
  }, ms).unref()
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
