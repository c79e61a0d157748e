/**
 * Process trees from /proc (Linux only): find a process by a command-line argument, list its
 * descendants, and read the CPU time of every thread of a whole tree (e.g. a Chromium browser with
 * its renderer, network and GPU processes) from the scheduler's statistics (nanosecond precision,
 * unlike the tick-sampled utime/stime of /proc/<pid>/stat).
 */
import { readdirSync, readFileSync } from 'node:fs'

function pids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
}

/** The first process whose command line has exactly the argument `arg`. */
export function findProcessWithArg(arg: string): number | undefined {
  for (const pid of pids()) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(arg)) return pid
    } catch {
      // exited while scanning
    }
  }
  return undefined
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // field 4 (ppid) follows the parenthesised command name, which may contain spaces
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    return Number.isInteger(ppid) ? ppid : undefined
  } catch {
    return undefined
  }
}

/** `root` and every process below it. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>()
  for (const pid of pids()) {
    const parent = parentOf(pid)
    if (parent === undefined) continue
    children.set(parent, [...(children.get(parent) ?? []), pid])
  }
  const tree: number[] = []
  const queue = [root]
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    tree.push(pid)
    queue.push(...(children.get(pid) ?? []))
  }
  return tree
}

/**
 * Scheduler statistics of a process's main thread (/proc/<pid>/schedstat, nanoseconds): time on a CPU
 * and time spent runnable but waiting for one (how much the rest of the machine delayed it).
 */
export function mainThreadSchedNs(pid: number): { runNs: number; waitNs: number } {
  const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number)
  if (!Number.isFinite(run) || !Number.isFinite(wait)) throw new Error(`unreadable /proc/${pid}/schedstat`)
  return { runNs: run ?? 0, waitNs: wait ?? 0 }
}

function processType(pid: number): string {
  try {
    // Chromium's child processes rewrite their title: the arguments may be one space-separated string
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/)
    const type = args.find((a) => a.startsWith('--type='))?.slice('--type='.length)
    const sub = args
      .find((a) => a.startsWith('--utility-sub-type='))
      ?.split('.')
      .at(-1)
    return type === undefined ? 'browser' : sub ? `${type}:${sub}` : type
  } catch {
    return '?'
  }
}

/**
 * CPU time (µs) of every thread of the tree under `root`, keyed by `pid:tid`, with a label
 * `<process type>/<thread name>` (e.g. `renderer/CrRendererMain`, `renderer/WebRTC_Network`).
 */
export function treeThreadCpuMicros(root: number): Map<string, { label: string; micros: number }> {
  const threads = new Map<string, { label: string; micros: number }>()
  for (const pid of processTree(root)) {
    const type = processType(pid)
    let tids: string[] = []
    try {
      tids = readdirSync(`/proc/${pid}/task`)
    } catch {
      continue
    }
    for (const tid of tids) {
      try {
        const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()
        const [run] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number)
        threads.set(`${pid}:${tid}`, { label: `${type}/${name}`, micros: (run ?? 0) / 1000 })
      } catch {
        // exited meanwhile
      }
    }
  }
  return threads
}

/** Per label, the CPU µs used between two readings of treeThreadCpuMicros (new threads count from zero). */
export function threadCpuDelta(
  before: ReadonlyMap<string, { label: string; micros: number }>,
  after: ReadonlyMap<string, { label: string; micros: number }>,
): Map<string, number> {
  const byLabel = new Map<string, number>()
  for (const [key, { label, micros }] of after) {
    byLabel.set(label, (byLabel.get(label) ?? 0) + micros - (before.get(key)?.micros ?? 0))
  }
  return byLabel
}

/** Total CPU µs used between two readings of treeThreadCpuMicros. */
export function totalCpuDelta(
  before: ReadonlyMap<string, { label: string; micros: number }>,
  after: ReadonlyMap<string, { label: string; micros: number }>,
): number {
  let total = 0
  for (const micros of threadCpuDelta(before, after).values()) total += micros
  return total
}
