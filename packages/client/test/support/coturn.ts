import { type ChildProcess, spawn } from 'node:child_process'
import { createHmac, randomBytes } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const TURNSERVER = '/usr/bin/turnserver'
export const hasCoturn = existsSync(TURNSERVER)

async function freeUdpPort(ip: string): Promise<number> {
  const socket = createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, ip, resolve))
  const { port } = socket.address()
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  return port
}

/**
 * Resolves once a STUN Binding request to `ip`:`port` is answered: coturn logs its auth
 * threads before its UDP listeners take packets, and on a loaded machine a TURN client that talks
 * to it in between waits out its retransmission timers. Retries every 100 ms until `timeoutMs`.
 */
async function answersStun(ip: string, port: number, timeoutMs: number): Promise<void> {
  const socket = createSocket('udp4')
  const transaction = randomBytes(12)
  // type 0x0001 (Binding request), length 0, magic cookie, transaction id
  const request = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), transaction])
  let retry: ReturnType<typeof setInterval> | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await new Promise<void>((resolve, reject) => {
      socket.on('message', (message) => {
        if (
          message.length >= 20 &&
          message.readUInt16BE(0) === 0x0101 &&
          message.subarray(8, 20).equals(transaction)
        ) {
          resolve()
        }
      })
      socket.on('error', reject)
      timer = setTimeout(
        () => reject(new Error(`coturn did not answer STUN on port ${port} within ${timeoutMs} ms`)),
        timeoutMs,
      )
      const send = (): void => socket.send(request, port, ip)
      socket.bind(0, ip, () => {
        send()
        retry = setInterval(send, 100)
      })
    })
  } finally {
    clearInterval(retry)
    clearTimeout(timer)
    socket.close()
  }
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

export interface CoturnOptions {
  /** The address coturn listens and relays on (default loopback; e.g. a network lab's host side). */
  readonly ip?: string
}

/**
 * Starts coturn with `use-auth-secret` on `ip` (default loopback), relaying on the same address;
 * resolves once it answers STUN on its port.
 */
export async function startCoturn(
  secret = 'parley-test-secret',
  { ip = '127.0.0.1' }: CoturnOptions = {},
): Promise<Coturn> {
  const port = await freeUdpPort(ip)
  const dir = mkdtempSync(join(tmpdir(), 'parley-coturn-'))
  const base = 49152 + Math.floor(Math.random() * 60) * 250
  const proc: ChildProcess = spawn(
    TURNSERVER,
    [
      '-n',
      `--listening-ip=${ip}`,
      `--listening-port=${port}`,
      `--relay-ip=${ip}`,
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
  try {
    await answersStun(ip, port, 10_000)
  } catch (error) {
    proc.kill('SIGTERM')
    rmSync(dir, { recursive: true, force: true })
    throw new Error(`${(error as Error).message}:\n${log}`, { cause: error })
  }
  let closed: Promise<void> | undefined
  return {
    url: `turn:${ip}:${port}?transport=udp`,
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
