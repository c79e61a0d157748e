/** The Node examples, run as their READMEs say, against a real signaling server. */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { type ParleyServer, startServer } from '@parley/server'
import { afterEach, describe, expect, it } from 'vitest'
import { Room } from '../src/index.js'
import { nextRoomMessages } from './support/rooms.js'
import { sha256OfFile, tempDir, writeRandomFile } from './transfer/support.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const children: ChildProcess[] = []
const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  for (const c of cleanups.splice(0)) await c()
})

async function server(): Promise<ParleyServer> {
  const s = await startServer({ port: 0, host: '127.0.0.1', logLevel: 'silent' })
  cleanups.push(() => s.close({ graceful: false }))
  return s
}

/** Runs an example with tsx (in `cwd`, default the repository); `output()` is everything it printed so far. */
function run(file: string, args: string[], url: string, cwd = root) {
  // tsx by path: `--import tsx` resolves from the working directory
  const tsx = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href
  const child = spawn(process.execPath, ['--import', tsx, join(root, 'examples', file), ...args], {
    cwd,
    env: { ...process.env, PARLEY_URL: url },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let out = ''
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString()
  })
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString()
  })
  const waitFor = (pattern: RegExp, timeoutMs = 20_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        clearInterval(poll)
        reject(new Error(`${file}: ${pattern} not printed in time; output:\n${out}`))
      }, timeoutMs)
      const poll = setInterval(() => {
        if (!pattern.test(out)) return
        clearTimeout(timer)
        clearInterval(poll)
        resolve()
      }, 25)
    })
  return { child, waitFor, output: () => out }
}

describe('examples', () => {
  it('file-drop: a sender process offers two files to two receivers, each saves them into ./received with the SHA-256 sha256sum prints', async () => {
    const s = await server()
    const dir = await tempDir('parley-file-drop-')
    cleanups.push(() => dir.remove())
    const files = { 'a.bin': await writeRandomFile(join(dir.path, 'a.bin'), 3 << 20), 'b.txt': '' }
    await writeFile(join(dir.path, 'b.txt'), 'hello, file drop\n')
    files['b.txt'] = await sha256OfFile(join(dir.path, 'b.txt'))
    const receivers = ['one', 'two'].map(async (name) => {
      await mkdir(join(dir.path, name))
      return run('file-drop/drop.ts', ['drop-room'], s.url, join(dir.path, name))
    })
    const [one, two] = await Promise.all(receivers)
    await Promise.all([one!.waitFor(/joined drop-room/), two!.waitFor(/joined drop-room/)])
    const sender = run('file-drop/drop.ts', ['drop-room', 'a.bin', 'b.txt'], s.url, dir.path)
    for (const [receiver, name] of [
      [one!, 'one'],
      [two!, 'two'],
    ] as const) {
      for (const [file, sha256] of Object.entries(files)) {
        await receiver.waitFor(new RegExp(`saved .*received/${file.replace('.', '\\.')}, SHA-256 ${sha256}`))
        expect(await sha256OfFile(join(dir.path, name, 'received', file))).toBe(sha256)
      }
    }
    await sender.waitFor(/receiver has the files, verified[\s\S]*receiver has the files, verified/)
  }, 60_000)

  it('hello-data-channel: two processes greet each other peer to peer', async () => {
    const s = await server()
    const ada = run('hello-data-channel/hello.ts', ['Ada'], s.url)
    const bob = run('hello-data-channel/hello.ts', ['Bob'], s.url)
    await Promise.all([
      ada.waitFor(/Bob: \{ text: 'hello Ada, I am Bob' \}/),
      bob.waitFor(/Ada: \{ text: 'hello Bob, I am Ada' \}/),
    ])
  }, 40_000)

  it('echo-bot: echoes JSON and bytes on every preset, and leaves cleanly on SIGINT', async () => {
    const s = await server()
    const bot = run('echo-bot/bot.ts', ['echo-room'], s.url)
    await bot.waitFor(/echo-bot joined echo-room/)
    const me = await Room.join(s.url, 'echo-room', { name: 'tester', quality: false })
    cleanups.push(() => me.leave())
    const botPeer = [...me.participants.values()].find((p) => p.name === 'echo-bot')
    expect(botPeer).toBeDefined()
    const echoes = nextRoomMessages(me, 4, 20_000)
    await botPeer?.send({ ping: 1 })
    await botPeer?.send({ ping: 2 }, { channel: 'unreliable' })
    await botPeer?.send({ ping: 3 }, { channel: 'partial' })
    await botPeer?.send(new Uint8Array(300_000).fill(7))
    const got = await echoes
    expect(
      got.map((m) => [m.channel, m.message instanceof Uint8Array ? m.message.byteLength : m.message]),
    ).toEqual(
      expect.arrayContaining([
        ['reliable', { ping: 1 }],
        ['unreliable', { ping: 2 }],
        ['partial', { ping: 3 }],
        ['reliable', 300_000],
      ]),
    )
    const left = new Promise((resolve) => me.on('participant-left', resolve))
    bot.child.kill('SIGINT')
    await left
    await new Promise((resolve) => bot.child.once('exit', resolve))
    expect(bot.child.exitCode).toBe(0)
  }, 40_000)
})
