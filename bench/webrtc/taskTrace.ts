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
  /**
   * With `detail`: the three longest tasks (wall clock), each with its CPU time and the events
   * inside it that took longest (GC, script, IPC… from the `devtools.timeline` and `v8` categories).
   */
  readonly longest?: readonly { wallMs: number; cpuMs: number; inside: string[] }[]
}

const TASK_EVENT = 'ThreadControllerImpl::RunTask'
const round1 = (value: number) => Math.round(value * 10) / 10

/** Traces `toplevel` events; the returned function stops and gives the main-thread tasks of renderers. */
async function startTrace(page: Page, detail = false): Promise<() => Promise<TraceEvent[]>> {
  const cdp: CDPSession = await page.context().newCDPSession(page)
  const events: TraceEvent[] = []
  cdp.on('Tracing.dataCollected', (data) => events.push(...(data.value as unknown as TraceEvent[])))
  await cdp.send('Tracing.start', {
    traceConfig: {
      includedCategories: detail
        ? ['toplevel', '__metadata', 'devtools.timeline', 'v8', 'disabled-by-default-v8.gc']
        : ['toplevel', '__metadata'],
    },
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
    return events.filter((e) => e.ph === 'X' && mainThreads.has(`${e.pid}:${e.tid}`))
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
    const tasks = (await stop()).filter((e) => e.name === TASK_EVENT)
    const longest = tasks.reduce<TraceEvent | undefined>(
      (a, b) => ((b.dur ?? 0) > (a?.dur ?? 0) ? b : a),
      undefined,
    )
    if (longest && (longest.dur ?? 0) >= 25_000) return longest.pid
  }
  throw new Error('cannot find the page renderer in the trace')
}

/** Starts tracing; the returned function stops it and reports the renderer main thread's tasks. */
export async function startTaskTrace(
  page: Page,
  options: { detail?: boolean } = {},
): Promise<() => Promise<TaskReport>> {
  const stop = await startTrace(page, options.detail)
  return async () => {
    const events = await stop()
    const tasks = events.filter((e) => e.name === TASK_EVENT)
    const wall = tasks.map((e) => (e.dur ?? 0) / 1000)
    const cpu = tasks.map((e) => (e.tdur ?? 0) / 1000)
    return {
      maxTaskMs: round1(Math.max(0, ...wall)),
      maxTaskCpuMs: round1(Math.max(0, ...cpu)),
      tasksOver50Ms: wall.filter((ms) => ms > 50).length,
      tasksOver50MsCpu: cpu.filter((ms) => ms > 50).length,
      ...(options.detail ? { longest: longestTasks(tasks, events) } : {}),
    }
  }
}

/** The three longest tasks and the five longest events inside each (same thread). */
function longestTasks(tasks: TraceEvent[], events: TraceEvent[]) {
  return [...tasks]
    .sort((a, b) => (b.dur ?? 0) - (a.dur ?? 0))
    .slice(0, 3)
    .map((task) => {
      const start = task.ts ?? 0
      const end = start + (task.dur ?? 0)
      const inside = events
        .filter(
          (e) =>
            e !== task &&
            e.pid === task.pid &&
            e.tid === task.tid &&
            (e.ts ?? 0) >= start &&
            (e.ts ?? 0) + (e.dur ?? 0) <= end,
        )
        .sort((a, b) => (b.dur ?? 0) - (a.dur ?? 0))
        .slice(0, 5)
        .map((e) => `${e.name} ${round1((e.dur ?? 0) / 1000)}/${round1((e.tdur ?? 0) / 1000)}`)
      return { wallMs: round1((task.dur ?? 0) / 1000), cpuMs: round1((task.tdur ?? 0) / 1000), inside }
    })
}
