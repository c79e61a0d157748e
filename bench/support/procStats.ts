/**
 * Reads a process's resource usage from /proc (Linux only): CPU time, resident memory, file descriptors.
 * All readers are synchronous so that a caller can take a reading at an exact point of its own loop.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

let clockTicks: number | undefined

/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`, usually 100). */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    if (!Number.isInteger(value) || value <= 0) throw new Error(`getconf CLK_TCK gave ${value}`)
    clockTicks = value
  }
  return clockTicks
}

/** utime and stime of every thread of the process, in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuTimes(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name (field 2) is parenthesised and may contain spaces: split after its closing paren.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  const utime = Number(fields[14 - 3])
  const stime = Number(fields[15 - 3])
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unreadable /proc/${pid}/stat`)
  return { user: utime, system: stime }
}

/** CPU time (user and system) of the process in microseconds. */
export function cpuMicros(pid: number): { user: number; system: number } {
  const ticks = cpuTimes(pid)
  const micros = 1e6 / clockTicksPerSecond()
  return { user: ticks.user * micros, system: ticks.system * micros }
}

function statusField(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)
  if (!match?.[1]) throw new Error(`no ${field} in /proc/${pid}/status`)
  return Number(match[1])
}

/** Resident set size (VmRSS) in KiB. */
export function rssKiB(pid: number): number {
  return statusField(pid, 'VmRSS')
}

/** Number of open file descriptors of the process. */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length
}

/** Soft limit on open files (RLIMIT_NOFILE) of the process. */
export function fdLimit(pid: number): number {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8')
  const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(limits)
  if (!match?.[1]) throw new Error(`no open-files limit in /proc/${pid}/limits`)
  return match[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match[1])
}

/** CPU time all cores spent busy (not idle or waiting for I/O) since boot, in microseconds (/proc/stat). */
export function machineBusyMicros(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? ''
  const ticks = line.trim().split(/\s+/).slice(1).map(Number)
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks
  return ((user + nice + system + irq + softirq + steal) * 1e6) / clockTicksPerSecond()
}
