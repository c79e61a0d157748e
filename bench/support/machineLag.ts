/**
 * The machine's own wake-up lag, beside a page's: a separate Node process with nothing to do but a
 * 10 ms interval, read over the same period as the page's lag probe. On a 2-core machine that two
 * browsers keep busy, any thread that sleeps wakes late, whatever it runs; what a page's lag has
 * above this process's is the page's own.
 */
import { createInterface } from 'node:readline'
import { spawnWithFdLimit } from './childProcess.js'

/** What the probe saw between start() and the stop it returned. */
export interface MachineLag {
  /** The interval's longest delay past its 10 ms, ms. */
  readonly maxLagMs: number
  /** How many ticks came more than 50 ms late, of how many. */
  readonly over50: number
  readonly ticks: number
}

// one line in ("start" or "stop"), one JSON line out per "stop"
const SOURCE = `
let last = performance.now(), max = 0, over50 = 0, ticks = 0
setInterval(() => {
  const now = performance.now(), lag = now - last - 10
  last = now; ticks++
  if (lag > max) max = lag
  if (lag > 50) over50++
}, 10)
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'stop') {
    const lag = performance.now() - last - 10
    if (lag > max) max = lag
    process.stdout.write(JSON.stringify({ maxLagMs: Math.round(Math.max(0, max) * 10) / 10, over50, ticks }) + '\\n')
  }
  max = 0; over50 = 0; ticks = 0; last = performance.now()
})
`

export interface MachineLagProbe {
  /** Starts a window; the function it returns ends it with what the probe saw. */
  start(): () => Promise<MachineLag>
  close(): void
}

export function startMachineLagProbe(): MachineLagProbe {
  const child = spawnWithFdLimit(process.execPath, ['-e', SOURCE], { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout! })
  const waiting: ((lag: MachineLag) => void)[] = []
  lines.on('line', (line) => waiting.shift()?.(JSON.parse(line) as MachineLag))
  return {
    start() {
      child.stdin!.write('start\n')
      return () =>
        new Promise<MachineLag>((resolve) => {
          waiting.push(resolve)
          child.stdin!.write('stop\n')
        })
    },
    close() {
      lines.close()
      child.kill()
    },
  }
}
