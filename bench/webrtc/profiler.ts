/** The V8 sampling profiler of a page, through CDP, written as a .cpuprofile (see bench/support/profileSummary.ts). */
import { mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'

export const PROFILE_DIR = join(tmpdir(), 'parley-bench-profiles')

/** Starts profiling `page`; the returned function stops and writes `<PROFILE_DIR>/<name>-<time>.cpuprofile`. */
export async function startProfiler(page: Page): Promise<(name: string) => Promise<string>> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 })
  await cdp.send('Profiler.start')
  return async (name) => {
    const { profile } = await cdp.send('Profiler.stop')
    await cdp.detach()
    mkdirSync(PROFILE_DIR, { recursive: true })
    const file = join(PROFILE_DIR, `${name}-${Date.now()}.cpuprofile`)
    writeFileSync(file, JSON.stringify(profile))
    return file
  }
}
