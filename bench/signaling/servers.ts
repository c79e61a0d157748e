/**
 * Starts the servers under test, each in its own process, bound to the loopback interface.
 * Every server runs with `--expose-gc` and the gcOnSignal preload so that the resident set can be read
 * after a full collection; nothing else is added to any of them.
 */
import type { ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { freePort, spawnWithFdLimit, stopChild, tail, waitForPort } from '../support/childProcess.js'
import type { TargetName } from './loadgenMessages.js'

const GC_HOOK = pathToFileURL(fileURLToPath(new URL('../support/gcOnSignal.mjs', import.meta.url))).href
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))

export interface ServerUnderTest {
  readonly target: TargetName
  readonly port: number
  readonly pid: number
  /** What the server wrote on stderr lately (for error messages). */
  readonly stderr: () => string
  stop(): Promise<void>
}

/** The script and environment that run each server, from the repository root. */
function command(target: TargetName, root: string, port: number): { script: string; env: NodeJS.ProcessEnv } {
  const common = { ...process.env, PORT: String(port), HOST: '127.0.0.1' }
  switch (target) {
    case 'parley':
      // Default configuration (validation, metrics, heartbeats, logs at info), except the limits the
      // workload would trip: per-connection rate (each client sends 100+ signals/s), connections and
      // rooms (20,000 idle clients in 10,000 rooms).
      return {
        script: join(root, 'packages/server/dist/main.js'),
        env: {
          ...common,
          NODE_ENV: 'production',
          RATE_LIMIT: '1000000',
          RATE_BURST: '1000000',
          MAX_CONNECTIONS: '1000000',
          MAX_ROOMS: '1000000',
        },
      }
    case 'peerjs':
      return { script: here('./peerjsServer.mjs'), env: common }
    case 'wsRelay':
      return { script: here('./wsRelayServer.mjs'), env: common }
    case 'wsForward':
      return { script: here('./wsForwardServer.mjs'), env: common }
  }
}

/** Starts a server; `nodeArgs` are extra Node options (e.g. --cpu-prof). */
export async function startServer(
  target: TargetName,
  root: string,
  nodeArgs: readonly string[] = [],
): Promise<ServerUnderTest> {
  const port = await freePort()
  const { script, env } = command(target, root, port)
  if (!existsSync(script)) throw new Error(`${target}: ${script} does not exist`)
  const child: ChildProcess = spawnWithFdLimit(
    process.execPath,
    ['--expose-gc', '--import', GC_HOOK, ...nodeArgs, script],
    {
      cwd: root,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  )
  const stderr = tail(child.stderr)
  try {
    await waitForPort(child, port)
  } catch (error) {
    await stopChild(child)
    throw new Error(`${target} server did not start: ${(error as Error).message}\n${stderr()}`)
  }
  const pid = child.pid
  if (pid === undefined) throw new Error(`${target} server has no pid`)
  return { target, port, pid, stderr, stop: () => stopChild(child) }
}
