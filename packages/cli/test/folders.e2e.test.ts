/**
 * `parley send` of folders and `parley receive` of the tree they hold, as child processes against a
 * real server; a hostile sender (the SDK in this process) that offers paths out of the receive's folder.
 */
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { BlobFileSource, type Participant, Room, TransferManager } from '@parley/client'
import { type ParleyServer, startServer } from '@parley/server'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { sha256OfFile, tempDir, writeRandomFile } from '../../client/test/transfer/support.js'
import { killAll, parley, startSend } from './support.js'

const MiB = 1024 * 1024

/** Every file under `root`, as relative paths with `/`, sorted. */
async function tree(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split('\\').join('/'))
    .sort()
}

describe('parley send of folders (child processes, real server)', () => {
  let server: ParleyServer
  let dir: { path: string; remove: () => Promise<void> }
  let out: string

  beforeAll(async () => {
    server = await startServer({ port: 0, host: '127.0.0.1', logLevel: 'silent' })
  })
  afterAll(async () => {
    await server?.close({ graceful: false })
  })
  beforeEach(async () => {
    dir = await tempDir('parley-folders-')
    out = join(dir.path, 'out')
    await mkdir(out)
  })
  afterEach(async () => {
    await killAll()
    await dir.remove()
  })

  it('send of a folder and a file: the receive rebuilds the folder’s tree under --out, every file verified; a link to a file is sent as the file, a link to a folder is skipped and said so, names equal but for case numbered', async () => {
    const photos = join(dir.path, 'src', 'photos')
    await mkdir(join(photos, '2024', 'summer'), { recursive: true })
    await mkdir(join(photos, 'empty'))
    const files: Record<string, number> = {
      'photos/2024/summer/beach.jpg': 5 * MiB + 123,
      'photos/2024/a.txt': 10,
      'photos/Readme.MD': 7,
      // the same name but for letter case: saved beside it under a number (as a case-blind disk needs)
      'photos/readme.md': 0,
    }
    const hashes = new Map<string, string>()
    for (const [name, size] of Object.entries(files)) {
      const hash = await writeRandomFile(join(dir.path, 'src', name), size)
      hashes.set(name === 'photos/readme.md' ? 'photos/readme (1).md' : name, hash)
    }
    await symlink('2024/a.txt', join(photos, 'link.txt'))
    await symlink('..', join(photos, 'loop'))
    const loose = join(dir.path, 'loose.bin')
    hashes.set('loose.bin', await writeRandomFile(loose, 3000))
    hashes.set('photos/link.txt', hashes.get('photos/2024/a.txt')!)

    const { sender, code } = await startSend([photos, loose], server.url)
    const receiver = await parley(['receive', code, '--out', out, '--server', server.url])
    expect(await receiver.exited).toBe(0)
    expect(await sender.exited).toBe(0)
    expect(sender.stderr).toContain(
      `Skipping ${join(photos, 'loop')}: not a regular file (links to folders, sockets and devices are not sent).`,
    )
    expect(sender.stderr).toContain('Sending 6 files')
    // the offer lists each file with its folders
    expect(receiver.stderr).toContain('  photos/2024/summer/beach.jpg  5.00 MiB')
    expect(await tree(out)).toEqual([...hashes.keys()].sort())
    for (const [name, hash] of hashes) expect(await sha256OfFile(join(out, name))).toBe(hash)
    expect(receiver.stdout).toContain(`Saved ${join(out, 'photos/2024/summer/beach.jpg')} (5.00 MiB, SHA-256`)
    // a folder without files is not made
    expect(await readdir(join(out, 'photos'))).not.toContain('empty')
  }, 60_000)

  it('a folder received into --out where it exists already: new files go in it, a file there already stops the receive with exit 10 unless --force', async () => {
    const src = join(dir.path, 'docs')
    await mkdir(src)
    await writeFile(join(src, 'new.txt'), 'new')
    await writeFile(join(src, 'old.txt'), 'sent')
    await mkdir(join(out, 'docs'))
    await writeFile(join(out, 'docs', 'old.txt'), 'mine')
    const first = await startSend([src], server.url)
    const refused = await parley(['receive', first.code, '--out', out, '--server', server.url])
    expect(await refused.exited).toBe(10)
    expect(refused.stderr).toContain(`${join(out, 'docs', 'old.txt')} exists; use --force to overwrite`)
    expect(await readFile(join(out, 'docs', 'old.txt'), 'utf8')).toBe('mine')
    first.sender.kill('SIGINT')
    await first.sender.exited

    const second = await startSend([src], server.url)
    const forced = await parley(['receive', second.code, '--out', out, '--force', '--server', server.url])
    expect(await forced.exited).toBe(0)
    expect(await second.sender.exited).toBe(0)
    expect(await readFile(join(out, 'docs', 'old.txt'), 'utf8')).toBe('sent')
    expect(await readFile(join(out, 'docs', 'new.txt'), 'utf8')).toBe('new')
  }, 60_000)

  it('Ctrl-C on the sender of a folder mid-transfer: the receive exits 7 and leaves neither partial files nor the folders it made', async () => {
    const src = join(dir.path, 'big')
    await mkdir(join(src, 'inner'), { recursive: true })
    await writeRandomFile(join(src, 'inner', 'big.bin'), 256 * MiB)
    const { sender, code } = await startSend([src], server.url)
    const receiver = await parley(['receive', code, '--out', out, '--server', server.url])
    await receiver.waitFor(/Receiving +\d+% [1-9]/)
    sender.kill('SIGINT')
    expect(await sender.exited).toBe(130)
    expect(await receiver.exited).toBe(7)
    expect(await readdir(out)).toEqual([])
  }, 60_000)

  it('bad folders: one without any file exits 3, one holding more files than a transfer takes exits 2, both before a code is printed', async () => {
    const empty = join(dir.path, 'nothing')
    await mkdir(join(empty, 'deeper'), { recursive: true })
    const p = await parley(['send', empty, '--server', server.url])
    expect(await p.exited).toBe(3)
    expect(p.stdout).toBe('')
    expect(p.stderr).toBe(`parley: the folder ${empty} holds no file to send\n`)

    const lots = join(dir.path, 'lots')
    await mkdir(join(lots, 'a'), { recursive: true })
    await mkdir(join(lots, 'b'))
    for (let i = 0; i < 10_001; i++) await writeFile(join(lots, i % 2 ? 'a' : 'b', `f${i}`), '')
    const q = await parley(['send', lots, '--server', server.url])
    expect(await q.exited).toBe(2)
    expect(q.stdout).toBe('')
    expect(q.stderr).toBe(
      `parley: ${lots} holds more than 10,000 files: too many for one transfer; send them in several, or as an archive\n`,
    )
  }, 60_000)

  it('a sender offering names with ../ and absolute folders: every file lands inside --out, under its folders made safe', async () => {
    const code = `9-hostile-${Date.now().toString(36)}`
    const room = await Room.join(server.url, code, { name: 'hostile', quality: false })
    try {
      const manager = new TransferManager(room)
      const offered = ['../../escape.txt', '/etc/cron.d/job', 'a/../../b/c.txt', '..\\..\\win.ini']
      const sources = offered.map((name, i) => new BlobFileSource(new Blob([`file ${i}`]), name))
      const connected = new Promise<Participant>((resolve) => {
        room.on('connection-state', (peer, state) => {
          if (state === 'connected') resolve(peer)
        })
      })
      const receiver = await parley(['receive', code, '--out', out, '--server', server.url])
      const [sending] = await manager.sendFiles(await connected, sources)
      expect(await receiver.exited).toBe(0)
      await sending!.finished()
      expect(await tree(dir.path)).toEqual([
        'out/a/b/c.txt',
        'out/escape.txt',
        'out/etc/cron.d/job',
        'out/win.ini',
      ])
      expect(await readFile(join(out, 'etc/cron.d/job'), 'utf8')).toBe('file 1')
    } finally {
      await room.leave()
    }
  }, 30_000)
})
