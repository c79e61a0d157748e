/**
 * Starts the servers under test, each in its own process, bound to the loopback interface.
 * Every server runs with `--expose-gc` and the gcOnSignal preload so that the resident set can be read
 * after a full collection; nothing else is added to any of them.
 */
import type { ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
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

export interface StartOptions {
  /** Extra Node options (e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[]
  /** Bundle run by the `parleyAlt` target. */
  readonly parleyAltBundle?: string
}

/** The script and environment that run each server, from the repository root. */
function command(
  target: TargetName,
  root: string,
  port: number,
  options: StartOptions,
): { script: string; env: NodeJS.ProcessEnv } {
  const common = { ...process.env, PORT: String(port), HOST: '127.0.0.1' }
  // Parley: default configuration (validation, metrics, heartbeats, logs at info), except the limits
  // the workload would trip: per-connection rate (each client sends 100+ signals/s), connections and
  // rooms (20,000 idle clients in 10,000 rooms).
  const parleyEnv = {
    ...common,
    NODE_ENV: 'production',
    RATE_LIMIT: '1000000',
    RATE_BURST: '1000000',
    MAX_CONNECTIONS: '1000000',
    MAX_ROOMS: '1000000',
  }
  switch (target) {
    case 'parley':
      return { script: join(root, 'packages/server/dist/main.js'), env: parleyEnv }
    case 'parleyAlt':
      if (options.parleyAltBundle === undefined) throw new Error('parleyAlt needs --parley-alt <bundle>')
      return { script: resolve(root, options.parleyAltBundle), env: parleyEnv }
    case 'peerjs':
      return { script: here('./peerjsServer.mjs'), env: common }
    case 'wsRelay':
      return { script: here('./wsRelayServer.mjs'), env: common }
    case 'wsForward':
      return { script: here('./wsForwardServer.mjs'), env: common }
  }
}

export async function startServer(
  target: TargetName,
  root: string,
  options: StartOptions = {},
): Promise<ServerUnderTest> {
  const port = await freePort()
  const { script, env } = command(target, root, port, options)
  if (!existsSync(script)) throw new Error(`${target}: ${script} does not exist`)
  const child: ChildProcess = spawnWithFdLimit(
    process.execPath,
    ['--expose-gc', '--import', GC_HOOK, ...(options.nodeArgs ?? []), script],
    { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] },
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
