import { type ChildProcess, spawn } from 'node:child_process'
import { createServer, type Server } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CloseCode } from '@parley/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { OPTION_SPECS } from '../src/config.js'
import { RawClient } from './support/rawClient.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..')
const children: ChildProcess[] = []
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
})

interface Run {
  readonly child: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  /** Resolves with the exit code; rejects if the process is still running after `timeoutMs`. */
  exited(timeoutMs: number): Promise<number | null>
  /** Resolves with the first stdout line containing `text`. */
  line(text: string, timeoutMs?: number): Promise<string>
}

/** Runs the server CLI from its TypeScript source, with a clean environment for its options. */
function runMain(args: string[], env: Record<string, string> = {}): Run {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !OPTION_SPECS.some((s) => s.env === k)),
  )
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts', ...args], {
    cwd: root,
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let out = ''
  let err = ''
  const lineWaiters: { text: string; resolve: (line: string) => void }[] = []
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString()
    for (const w of [...lineWaiters]) {
      const line = out.split('\n').find((l) => l.includes(w.text))
      if (line !== undefined) {
        lineWaiters.splice(lineWaiters.indexOf(w), 1)
        w.resolve(line)
      }
    }
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString()
  })
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const within = <T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> => {
    let timer: NodeJS.Timeout | undefined
    return Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${what} within ${timeoutMs} ms; stdout: ${out} stderr: ${err}`)),
          timeoutMs,
        )
      }),
    ]).finally(() => clearTimeout(timer))
  }
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited: (timeoutMs) => within(exit, timeoutMs, 'process did not exit'),
    line: (text, timeoutMs = 15_000) =>
      within(
        new Promise<string>((resolve) => lineWaiters.push({ text, resolve })),
        timeoutMs,
        `no line containing "${text}"`,
      ),
  }
}

describe('parley-server CLI (main.ts)', () => {
  it('exits with code 2 and a clear message on a bad flag value or a bad env var (other cases: config.test.ts)', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--port', 'abc'], {}, /--port \(PORT\): "abc" is not an integer/],
      [[], { MAX_PEERS_PER_ROOM: '0' }, /--max-peers-per-room \(MAX_PEERS_PER_ROOM\): must be ≥ 1/],
    ]
    const runs = cases.map(([args, env]) => runMain(args, env))
    for (const [i, run] of runs.entries()) {
      expect(await run.exited(15_000)).toBe(2)
      expect(run.stderr()).toMatch(cases[i]![2])
      expect(run.stderr()).toContain('invalid configuration')
    }
  })

  it('exits with code 2 when the port is taken', async () => {
    const blocker: Server = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as { port: number }).port
    try {
      const run = runMain(['--port', String(port), '--host', '127.0.0.1'])
      expect(await run.exited(15_000)).toBe(2)
      expect(run.stderr()).toMatch(/cannot listen on 127\.0\.0\.1/)
    } finally {
      blocker.close()
    }
  })

  it('--help prints every option with its env var', async () => {
    const run = runMain(['--help'])
    expect(await run.exited(15_000)).toBe(0)
    for (const s of OPTION_SPECS) expect(run.stdout()).toContain(s.flag)
    expect(run.stdout()).toContain('AUTH_SECRET')
  })

  it('prints the effective config with secrets redacted; SIGTERM closes clients with 1012 and exits 0 in time', async () => {
    const run = runMain(['--port', '0', '--host', '127.0.0.1'], {
      AUTH_SECRET: 'hunter2-hunter2-hunter2-hunter2',
      TURN_URLS: 'turn:127.0.0.1:3478',
      TURN_SECRET: 'coturn-secret-value',
    })
    const configLine = JSON.parse(await run.line('effective configuration')) as {
      config: Record<string, unknown>
    }
    expect(configLine.config).toMatchObject({
      authSecret: '[redacted]',
      turnSecret: '[redacted]',
      host: '127.0.0.1',
    })
    const listening = JSON.parse(await run.line('parley server listening')) as { wsUrl: string }
    expect(run.stdout()).not.toContain('hunter2')
    expect(run.stdout()).not.toContain('coturn-secret-value')

    const client = await RawClient.connect(listening.wsUrl)
    client.send({ type: 'join', room: 'r', token: 'x' })
    await client.nextOf('error') // auth is on: UNAUTHORIZED, the socket stays open
    run.child.kill('SIGTERM')
    expect((await client.waitClosed(5_000)).code).toBe(CloseCode.SERVICE_RESTART)
    expect(await run.exited(5_000)).toBe(0)
  })
})
