/**
 * Main-thread task lengths of a page, from a Chromium trace (CDP Tracing, category `toplevel`): every
 * task the renderer main thread (CrRendererMain) ran, with its wall-clock duration and its thread CPU
 * time. On a busy machine the wall-clock length of a task includes the time the OS did not run the
 * thread; the CPU time is the work the task itself did, which is what code running in the page (the SDK)
 * is responsible for.
 */
import type { CDPSession, Page } from 'playwright-core'

interface TraceEvent {
  readonly ph: string
  readonly name: string
  readonly pid: number
  readonly tid: number
  readonly ts?: number
  readonly dur?: number
  readonly tdur?: number
  readonly args?: { readonly name?: string }
}

export interface TaskReport {
  /** Longest main-thread task, wall clock. */
  readonly maxTaskMs: number
  /** Longest main-thread task, thread CPU time. */
  readonly maxTaskCpuMs: number
  /** Tasks longer than 50 ms, wall clock / CPU time. */
  readonly tasksOver50Ms: number
  readonly tasksOver50MsCpu: number
}

const TASK_EVENT = 'ThreadControllerImpl::RunTask'
const round1 = (value: number) => Math.round(value * 10) / 10

/** Traces `toplevel` events; the returned function stops and gives the main-thread tasks of renderers. */
async function startTrace(page: Page): Promise<() => Promise<TraceEvent[]>> {
  const cdp: CDPSession = await page.context().newCDPSession(page)
  const events: TraceEvent[] = []
  cdp.on('Tracing.dataCollected', (data) => events.push(...(data.value as unknown as TraceEvent[])))
  await cdp.send('Tracing.start', {
    traceConfig: { includedCategories: ['toplevel', '__metadata'] },
    transferMode: 'ReportEvents',
  })
  // Tracing.start returns before every process records: give the renderer a moment to join.
  await new Promise((resolve) => setTimeout(resolve, 200))
  return async () => {
    const complete = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()))
    await cdp.send('Tracing.end')
    await complete
    await cdp.detach()
    const mainThreads = new Set(
      events
        .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
        .map((e) => `${e.pid}:${e.tid}`),
    )
    return events.filter((e) => e.ph === 'X' && e.name === TASK_EVENT && mainThreads.has(`${e.pid}:${e.tid}`))
  }
}

/**
 * The OS pid of the renderer process running `page`: the renderer whose main thread ran a 30 ms task
 * the page was asked to run while tracing.
 */
export async function pageRendererPid(page: Page): Promise<number> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const stop = await startTrace(page)
    await page.evaluate(() => {
      const until = performance.now() + 30
      while (performance.now() < until) {
        // busy: one long task on this page's main thread
      }
    })
    const tasks = await stop()
    const longest = tasks.reduce<TraceEvent | undefined>(
      (a, b) => ((b.dur ?? 0) > (a?.dur ?? 0) ? b : a),
      undefined,
    )
    if (longest && (longest.dur ?? 0) >= 25_000) return longest.pid
  }
  throw new Error('cannot find the page renderer in the trace')
}

/** Starts tracing; the returned function stops it and reports the renderer main thread's tasks. */
export async function startTaskTrace(page: Page): Promise<() => Promise<TaskReport>> {
  const stop = await startTrace(page)
  return async () => {
    const tasks = await stop()
    const wall = tasks.map((e) => (e.dur ?? 0) / 1000)
    const cpu = tasks.map((e) => (e.tdur ?? 0) / 1000)
    return {
      maxTaskMs: round1(Math.max(0, ...wall)),
      maxTaskCpuMs: round1(Math.max(0, ...cpu)),
      tasksOver50Ms: wall.filter((ms) => ms > 50).length,
      tasksOver50MsCpu: cpu.filter((ms) => ms > 50).length,
    }
  }
}
