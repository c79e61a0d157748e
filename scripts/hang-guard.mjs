#!/usr/bin/env node
/**
 * Runs a command and passes its output and exit code through, unless it prints nothing for
 * `--quiet-minutes` (default 12): then it prints what every process under it is doing (state,
 * kernel wait channel, age, command line, and per thread of each node process), stops them all and
 * exits 124. A hung run (once: a vitest worker idle in epoll_wait with nothing failing) then ends in
 * minutes with a diagnosis, instead of at CI's time limit with none.
 *
 *   node scripts/hang-guard.mjs [--quiet-minutes 12] -- npm test
 */
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { constants } from 'node:os'

const args = process.argv.slice(2)
const separator = args.indexOf('--')
if (separator < 0 || separator === args.length - 1) {
  process.stderr.write('usage: hang-guard.mjs [--quiet-minutes N] -- <command> [args…]\n')
  process.exit(2)
}
const options = args.slice(0, separator)
const command = args.slice(separator + 1)
const minutesAt = options.indexOf('--quiet-minutes')
const quietMinutes = minutesAt >= 0 ? Number(options[minutesAt + 1]) : 12
if (!(quietMinutes > 0)) {
  process.stderr.write(`hang-guard: --quiet-minutes must be a positive number\n`)
  process.exit(2)
}
const quietMs = quietMinutes * 60_000

// its own process group: the whole tree can be stopped at once
const child = spawn(command[0], command.slice(1), { stdio: ['inherit', 'pipe', 'pipe'], detached: true })
let lastOutput = Date.now()
child.stdout.on('data', (chunk) => {
  lastOutput = Date.now()
  process.stdout.write(chunk)
})
child.stderr.on('data', (chunk) => {
  lastOutput = Date.now()
  process.stderr.write(chunk)
})
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => stopTree(signal))
}

let hung = false
const watch = setInterval(
  () => {
    if (Date.now() - lastOutput < quietMs) return
    clearInterval(watch)
    process.stderr.write(
      `\nhang-guard: no output for ${quietMinutes} min; what runs under "${command.join(' ')}":\n`,
    )
    process.stderr.write(describeTree(child.pid ?? 0))
    stopTree('SIGTERM')
    setTimeout(() => stopTree('SIGKILL'), 10_000).unref()
    hung = true
  },
  Math.min(10_000, quietMs / 4),
)

child.on('exit', (code, signal) => {
  clearInterval(watch)
  if (hung) process.exit(124)
  process.exit(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0))
})

function stopTree(signal) {
  try {
    process.kill(-(child.pid ?? 0), signal)
  } catch {
    // already gone
  }
}

/** One line per process under `root` (and per thread of node processes). */
function describeTree(root) {
  const procs = new Map()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const info = readProc(name)
    if (info) procs.set(Number(name), info)
  }
  const children = new Map()
  for (const [pid, p] of procs) {
    const list = children.get(p.ppid) ?? []
    list.push(pid)
    children.set(p.ppid, list)
  }
  const lines = []
  const visit = (pid, depth) => {
    const p = procs.get(pid)
    if (!p) return
    lines.push(`${'  '.repeat(depth)}${pid} ${p.state} wchan=${p.wchan} ${p.cmdline.slice(0, 200)}`)
    if (/\bnode\b/.test(p.cmdline)) {
      for (const t of threadsOf(pid)) lines.push(`${'  '.repeat(depth + 1)}thread ${t}`)
    }
    for (const c of children.get(pid) ?? []) visit(c, depth + 1)
  }
  visit(root, 0)
  return `${lines.join('\n')}\n`
}

function readProc(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return {
      state: fields[0],
      ppid: Number(fields[1]),
      wchan: readFileSync(`/proc/${pid}/wchan`, 'utf8') || '-',
      cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim(),
    }
  } catch {
    return undefined
  }
}

function threadsOf(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).map((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]
      let wchan = '-'
      try {
        wchan = readFileSync(`/proc/${pid}/task/${tid}/wchan`, 'utf8') || '-'
      } catch {}
      return `${tid} ${comm} ${state} wchan=${wchan}`
    })
  } catch {
    return []
  }
}
