import { type ChildProcessByStdio, spawn } from 'node:child_process'
import { constants } from 'node:os'
import { dirname, join } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { expect } from 'vitest'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const bundlePath = join(root, 'packages/cli/test-output/parley.js')
let bundled: Promise<string> | undefined

/**
 * The CLI bundled from source (like scripts/build.mjs does, npm dependencies external) into
 * packages/cli/test-output, so that tests never run a stale build.
 */
export function cliBundle(): Promise<string> {
  bundled ??= build({
    entryPoints: [join(root, 'packages/cli/src/main.ts')],
    outfile: bundlePath,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'es2022',
    logLevel: 'silent',
    alias: {
      '@parley/protocol': join(root, 'packages/protocol/src/index.ts'),
      '@parley/client': join(root, 'packages/client/src/index.ts'),
    },
    external: ['ws', 'valibot', 'node-datachannel', 'node-datachannel/*'],
  }).then(() => bundlePath)
  return bundled
}

export interface CliProcess {
  readonly child: ChildProcessByStdio<Writable, Readable, Readable>
  stdout: string
  stderr: string
  /** Resolves with the exit code (signal → 128 + n like a shell). */
  readonly exited: Promise<number>
  /** The exit code; rejects (with the output) if the process is still running after `timeoutMs`. */
  exitCode(timeoutMs?: number): Promise<number>
  /** Resolves with the first stdout/stderr match of `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  kill(signal?: NodeJS.Signals): void
}

const running = new Set<CliProcess>()

export interface ParleyOptions {
  /** Runs the process under this limit of open files, soft and hard (`ulimit -n`). */
  readonly maxOpenFiles?: number
  /** Runs the process in this network namespace (`ip netns exec`, which execs it: same pid). */
  readonly netns?: string
}

/** Runs `parley <args>` as a child process. */
export async function parley(
  args: string[],
  env: Record<string, string> = {},
  options: ParleyOptions = {},
): Promise<CliProcess> {
  const bundle = await cliBundle()
  const command = [process.execPath, bundle, ...args]
  const limit = options.maxOpenFiles
  // the shell sets both limits (Node raises its soft limit to the hard one at start)
  const limited =
    limit === undefined ? command : ['/bin/sh', '-c', `ulimit -n ${limit} && exec "$@"`, 'sh', ...command]
  const argv = options.netns === undefined ? limited : ['ip', 'netns', 'exec', options.netns, ...limited]
  const child = spawn(argv[0]!, argv.slice(1), {
    env: { ...process.env, PARLEY_SERVER: '', PARLEY_TEST_HOOKS: '1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const waiters = new Set<() => void>()
  const proc: CliProcess = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        running.delete(proc)
        resolve(code ?? 128 + (signal ? constants.signals[signal] : 0))
      })
    }),
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = proc.stdout.match(pattern) ?? proc.stderr.match(pattern)
          if (!m) return false
          clearTimeout(timer)
          waiters.delete(check)
          resolve(m)
          return true
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(
            new Error(`timed out waiting for ${pattern}\nstdout: ${proc.stdout}\nstderr: ${proc.stderr}`),
          )
        }, timeoutMs)
        if (!check()) waiters.add(check)
      })
    },
    exitCode(timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `still running after ${timeoutMs} ms\nstdout: ${proc.stdout}\nstderr: ${proc.stderr}`,
              ),
            ),
          timeoutMs,
        )
        void proc.exited.then((code) => {
          clearTimeout(timer)
          resolve(code)
        })
      })
    },
    kill(signal = 'SIGTERM') {
      child.kill(signal)
    },
  }
  const onData = (which: 'stdout' | 'stderr') => (chunk: Buffer) => {
    proc[which] += chunk.toString()
    for (const w of [...waiters]) w()
  }
  child.stdout.on('data', onData('stdout'))
  child.stderr.on('data', onData('stderr'))
  running.add(proc)
  return proc
}

/** Kills every CLI process still running (after each test). */
export async function killAll(): Promise<void> {
  const procs = [...running]
  for (const p of procs) p.kill('SIGKILL')
  await Promise.all(procs.map((p) => p.exited))
}

/** Starts `parley send`, returns it with its code once printed. */
export async function startSend(
  files: string[],
  server: string,
  env: Record<string, string> = {},
  options: ParleyOptions = {},
) {
  const sender = await parley(['send', ...files, '--server', server], env, options)
  const [, code] = await sender.waitFor(/Code: (\S+)/)
  return { sender, code: code! }
}

export interface SenderStats {
  dataBytesSent: number
  attempts: { fileId: string; from: number; to: number; confirmed: number }[]
}

/** The test stats line the sender prints on exit (PARLEY_TEST_HOOKS=1). */
export function senderStats(stderr: string): SenderStats[] {
  const line = stderr.split('\n').find((l) => l.startsWith('parley-test-stats '))
  if (!line) throw new Error(`no stats in ${stderr}`)
  return JSON.parse(line.slice('parley-test-stats '.length)) as SenderStats[]
}

/**
 * Asserts what the sender's stats say of a resumed transfer of one file of `size` bytes: more than
 * one attempt, each starting where the receiver's storage ended (never before a byte the previous
 * attempt had confirmed, never past what it sent), the last one reaching the end. Returns them.
 */
export function expectResumedFromConfirmed(stats: SenderStats[], size: number): SenderStats['attempts'] {
  const attempts = stats.flatMap((s) => s.attempts)
  expect(attempts.length).toBeGreaterThan(1)
  for (let i = 1; i < attempts.length; i++) {
    expect(attempts[i]!.from).toBeGreaterThanOrEqual(attempts[i - 1]!.confirmed)
    expect(attempts[i]!.from).toBeLessThanOrEqual(attempts[i - 1]!.to)
  }
  expect(attempts.at(-1)!.to).toBe(size)
  return attempts
}
