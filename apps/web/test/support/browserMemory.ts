/**
 * Memory of a whole Chromium (browser, renderers — pages and service workers —, GPU, network and
 * storage processes): the sum of their proportional set sizes (Pss, Linux /proc/<pid>/smaps_rollup),
 * so pages shared between processes (e.g. Mojo data pipes) count once. Process ids come from the
 * browser itself (CDP SystemInfo.getProcessInfo), read again at every sample.
 */
import { readFileSync } from 'node:fs'
import type { Browser } from 'playwright-core'

function pssBytes(pid: number): number {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
    const kib = /^Pss:\s+(\d+) kB$/m.exec(rollup)?.[1]
    return kib === undefined ? 0 : Number(kib) * 1024
  } catch {
    return 0 // exited
  }
}

/** A sampler of the total Pss of `browser`'s processes, in bytes. */
export async function browserMemory(browser: Browser): Promise<() => Promise<number>> {
  const cdp = await browser.newBrowserCDPSession()
  return async () => {
    const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as {
      processInfo: { id: number }[]
    }
    return processInfo.reduce((sum, p) => sum + pssBytes(p.id), 0)
  }
}
