import { type ChildProcess, spawn } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const TURNSERVER = '/usr/bin/turnserver'
export const hasCoturn = existsSync(TURNSERVER)

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  const { port } = socket.address()
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  return port
}

export interface Coturn {
  readonly url: string
  readonly secret: string
  /** TURN REST credentials (what coturn's use-auth-secret accepts) for `username`. */
  credentialFor(username: string): string
  /** Everything coturn logged so far. */
  log(): string
  close(): Promise<void>
}

/** Starts coturn on loopback with `use-auth-secret`; resolves once its auth threads are up. */
export async function startCoturn(secret = 'parley-test-secret'): Promise<Coturn> {
  const port = await freeUdpPort()
  const dir = mkdtempSync(join(tmpdir(), 'parley-coturn-'))
  const base = 49152 + Math.floor(Math.random() * 60) * 250
  const proc: ChildProcess = spawn(
    TURNSERVER,
    [
      '-n',
      '--listening-ip=127.0.0.1',
      `--listening-port=${port}`,
      '--relay-ip=127.0.0.1',
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=parley',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      '--allow-loopback-peers',
      `--min-port=${base}`,
      `--max-port=${base + 249}`,
      `--pidfile=${join(dir, 'turnserver.pid')}`,
      `--db=${join(dir, 'turndb')}`,
      '--log-file=stdout',
      '--simple-log',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let log = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`coturn did not start:\n${log}`)), 10_000)
    const onData = (chunk: Buffer): void => {
      log += chunk.toString()
      if (log.includes('IO method (auth thread)')) {
        clearTimeout(timer)
        resolve()
      }
    }
    // keep collecting after start-up (allocations, usage counters)
    proc.stdout?.on('data', onData)
    proc.stderr?.on('data', onData)
    proc.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`coturn exited with ${code}:\n${log}`))
    })
  })
  let closed: Promise<void> | undefined
  return {
    url: `turn:127.0.0.1:${port}?transport=udp`,
    secret,
    credentialFor: (username) => createHmac('sha1', secret).update(username).digest('base64'),
    log: () => log,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve()
        proc.once('exit', () => resolve())
        proc.kill('SIGTERM')
      }).finally(() => rmSync(dir, { recursive: true, force: true }))
      return closed
    },
  }
}
