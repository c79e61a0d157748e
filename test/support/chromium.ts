/**
 * Launches Debian's Chromium through playwright-core with the flags Parley's tests need:
 * headless, fake media devices, loopback ICE allowed, no background networking, and mDNS host
 * candidate obfuscation off (WebRtcHideLocalIpsWithMdns merged into Playwright's own
 * --disable-features, because a second --disable-features flag would replace the first).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, type BrowserContext, chromium, type LaunchOptions } from 'playwright-core'

export const CHROMIUM_PATH = '/usr/bin/chromium'

const BASE_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
]

let defaultDisableFeatures: Promise<string | undefined> | undefined

function findCmdlineWith(marker: string): string[] | undefined {
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
      if (args.some((a) => a.includes(marker)) && args.some((a) => a.includes('chrom'))) return args
    } catch {
      // process exited while scanning
    }
  }
  return undefined
}

/** Reads once the --disable-features=… flag that Playwright itself passes to Chromium. */
function playwrightDisableFeatures(): Promise<string | undefined> {
  defaultDisableFeatures ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-probe-'))
    const context = await chromium.launchPersistentContext(dir, {
      executablePath: CHROMIUM_PATH,
      args: BASE_ARGS,
    })
    try {
      const args = findCmdlineWith(`--user-data-dir=${dir}`)
      return args?.find((a) => a.startsWith('--disable-features='))
    } finally {
      await context.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })()
  return defaultDisableFeatures
}

async function launchOptions(extraArgs: readonly string[]): Promise<LaunchOptions> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: run node scripts/ensure-system-deps.mjs`)
  }
  const playwrights = await playwrightDisableFeatures()
  const features = [playwrights?.slice('--disable-features='.length), 'WebRtcHideLocalIpsWithMdns']
    .filter((f): f is string => Boolean(f))
    .join(',')
  return {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...BASE_ARGS, `--disable-features=${features}`, ...extraArgs],
    ...(playwrights ? { ignoreDefaultArgs: [playwrights] } : {}),
  }
}

export interface LaunchPlace {
  /**
   * A network namespace to run Chromium in (the network lab's): it is started through a wrapper
   * script, `ip netns exec <netns> chromium …`, and sees only that namespace's links.
   */
  readonly netns?: string
}

/** One Chromium process (fresh temporary profile); open several contexts in it with newContext(). */
export async function launchBrowser(
  extraArgs: readonly string[] = [],
  { netns }: LaunchPlace = {},
): Promise<Browser> {
  const options = await launchOptions(extraArgs)
  if (!netns) return chromium.launch(options)
  const dir = mkdtempSync(join(tmpdir(), 'parley-chromium-netns-'))
  const wrapper = join(dir, 'chromium')
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${netns} ${CHROMIUM_PATH} "$@"\n`, { mode: 0o755 })
  const browser = await chromium.launch({ ...options, executablePath: wrapper })
  browser.on('disconnected', () => rmSync(dir, { recursive: true, force: true }))
  return browser
}

export interface PersistentChromium {
  readonly context: BrowserContext
  /** Closes the browser and removes its profile directory. Idempotent. */
  close(): Promise<void>
}

/** One Chromium process with an explicit fresh user-data-dir, returned as its single context. */
export async function launchPersistent(extraArgs: readonly string[] = []): Promise<PersistentChromium> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-chromium-'))
  const context = await chromium.launchPersistentContext(dir, await launchOptions(extraArgs))
  let closed: Promise<void> | undefined
  return {
    context,
    close: () => {
      closed ??= context.close().finally(() => rmSync(dir, { recursive: true, force: true }))
      return closed
    },
  }
}

/** Flags of the running Chromium whose profile is `userDataDir` (to verify the launch in tests). */
export function chromiumCmdline(userDataDir: string): string[] | undefined {
  return findCmdlineWith(`--user-data-dir=${userDataDir}`)
}
