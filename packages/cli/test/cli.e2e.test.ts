/**
 * The `parley` command as child processes against a real signaling server.
 */
import { spawnSync } from 'node:child_process'
import { chmod, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type ParleyServer, startServer } from '@parley/server'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { sha256OfFile, tempDir, writeRandomFile } from '../../client/test/transfer/support.js'
import { expectResumedFromConfirmed, killAll, parley, senderStats, startSend } from './support.js'

const MiB = 1024 * 1024

describe('parley CLI (child processes, real server)', () => {
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
    dir = await tempDir('parley-cli-')
    out = join(dir.path, 'out')
    await mkdir(out)
  })
  afterEach(async () => {
    await killAll()
    await dir.remove()
  })

  it('send → receive 256 MiB: both exit 0 and the received file has the same SHA-256', async () => {
    const src = join(dir.path, 'big.bin')
    const expected = await writeRandomFile(src, 256 * MiB)
    const { sender, code } = await startSend([src], server.url)
    expect(sender.stdout).toContain(`Link: ${server.url}/r/${code}`)
    const started = performance.now()
    const receiver = await parley(['receive', code, '--out', out, '--server', server.url])
    expect(await receiver.exited).toBe(0)
    const seconds = (performance.now() - started) / 1000
    console.log(
      `CLI 256 MiB in ${seconds.toFixed(2)} s (${(256 / seconds).toFixed(1)} MiB/s incl. join and connect)`,
    )
    expect(await sender.exited).toBe(0)
    expect(receiver.stdout).toContain(`SHA-256 ${expected} verified`)
    expect(sender.stdout).toMatch(/Sent 1 file, 256\.0 MiB .*verified/)
    expect(await sha256OfFile(join(out, 'big.bin'))).toBe(expected)
    expect(await readdir(out)).toEqual(['big.bin'])
    expect(senderStats(sender.stderr)[0]?.dataBytesSent).toBe(256 * MiB)
    // over loopback, each side tells its user that no relay carries the bytes
    expect(sender.stderr).toContain('Connected directly.')
    expect(receiver.stderr).toContain('Connected directly.')
  }, 120_000)

  it('receives five files of one send, duplicates renamed, each verified', async () => {
    const sub = join(dir.path, 'sub')
    await mkdir(sub)
    const paths = [
      join(dir.path, 'a.txt'),
      join(dir.path, 'b.bin'),
      join(sub, 'a.txt'),
      join(dir.path, 'empty'),
      join(dir.path, 'c.dat'),
    ]
    const hashes: string[] = []
    for (const [i, p] of paths.entries())
      hashes.push(await writeRandomFile(p, [10, 3 * MiB, 20, 0, 70_000][i]!))
    const { sender, code } = await startSend(paths, server.url)
    const receiver = await parley(['receive', code, '--out', out, '--server', server.url])
    expect(await receiver.exited).toBe(0)
    expect(await sender.exited).toBe(0)
    expect((await readdir(out)).sort()).toEqual(['a (1).txt', 'a.txt', 'b.bin', 'c.dat', 'empty'])
    const names = ['a.txt', 'b.bin', 'a (1).txt', 'empty', 'c.dat']
    for (const [i, name] of names.entries()) expect(await sha256OfFile(join(out, name))).toBe(hashes[i])
  }, 60_000)

  it('receives 1,200 files with long names in one send, both processes limited to 200 open files: an offer of ~330 KiB (more than one data channel message holds), files opened as they are sent and received, the listing of the offer capped at 20 names', async () => {
    const src = join(dir.path, 'many')
    await mkdir(src)
    const names = Array.from(
      { length: 1200 },
      (_, i) => `${String(i).padStart(4, '0')}-${'n'.repeat(200)}.txt`,
    )
    for (const [i, name] of names.entries()) await writeFile(join(src, name), `file ${i}\n`)
    const limited = { maxOpenFiles: 200 }
    const { sender, code } = await startSend(
      names.map((n) => join(src, n)),
      server.url,
      {},
      limited,
    )
    const receiver = await parley(['receive', code, '--out', out, '--server', server.url], {}, limited)
    expect(await receiver.exited).toBe(0)
    expect(await sender.exited).toBe(0)
    expect((await readdir(out)).sort()).toEqual(names)
    for (const i of [0, 599, 1199]) expect(await readFile(join(out, names[i]!), 'utf8')).toBe(`file ${i}\n`)
    // the offer lists 20 names and counts the rest; each saved file has its line
    expect(receiver.stderr).toContain(`  ${names[19]}  `)
    expect(receiver.stderr).not.toContain(`  ${names[20]}  `)
    expect(receiver.stderr).toContain('  … and 1180 more\n')
    expect(receiver.stdout.split('\n').filter((l) => l.startsWith('Saved ')).length).toBe(1200)
  }, 90_000)

  it('a receiver whose output reader went away (| head -1) still receives and verifies every file, exit 0', async () => {
    const paths = ['a.bin', 'b.bin', 'c.bin'].map((n) => join(dir.path, n))
    const hashes = await Promise.all(paths.map((p) => writeRandomFile(p, 2 * MiB)))
    const { sender, code } = await startSend(paths, server.url)
    const receiver = await parley(['receive', code, '--out', out, '--server', server.url])
    receiver.child.stdout.destroy() // its writes to stdout now fail with EPIPE
    expect(await receiver.exited).toBe(0)
    expect(await sender.exited).toBe(0)
    for (const [i, name] of ['a.bin', 'b.bin', 'c.bin'].entries()) {
      expect(await sha256OfFile(join(out, name))).toBe(hashes[i])
    }
  }, 60_000)

  it('the receiver link works as the receive argument (its server is used)', async () => {
    const src = join(dir.path, 'x.txt')
    await writeFile(src, 'via link')
    const { sender, code } = await startSend([src], server.url)
    const receiver = await parley(['receive', `${server.url}/r/${code}`, '--out', out])
    expect(await receiver.exited).toBe(0)
    expect(await sender.exited).toBe(0)
    expect(await readFile(join(out, 'x.txt'), 'utf8')).toBe('via link')
  }, 30_000)

  describe('bad input: one-line reason and a distinct exit code', () => {
    it('send of a missing file exits 3', async () => {
      const p = await parley(['send', join(dir.path, 'nope.bin'), '--server', server.url])
      expect(await p.exited).toBe(3)
      expect(p.stderr).toBe(`parley: ${join(dir.path, 'nope.bin')}: no such file\n`)
    })

    it('send of 40 files of which several cannot be opened names the first of them in the order given', async () => {
      const src = join(dir.path, 'some')
      await mkdir(src)
      const paths = Array.from({ length: 40 }, (_, i) => join(src, `f${String(i).padStart(2, '0')}`))
      // opened eight at a time: the 30th fails first, the 13th (a link to nothing) is named
      for (const [i, path] of paths.entries()) {
        if (i === 12) await symlink(join(src, 'nowhere'), path)
        else if (i !== 29 && i !== 35) await writeFile(path, `${i}`)
      }
      const p = await parley(['send', ...paths, '--server', server.url])
      expect(await p.exited).toBe(3)
      expect(p.stderr).toBe(`parley: ${paths[12]}: no such file\n`)
    })

    it('send of more files than one transfer takes (10,001) exits 2 before it prints a code', async () => {
      const src = join(dir.path, 'lots')
      await mkdir(src)
      const paths = Array.from({ length: 10_001 }, (_, i) => join(src, `f${i}`))
      for (const p of paths) await writeFile(p, '')
      const p = await parley(['send', ...paths, '--server', server.url])
      expect(await p.exited).toBe(2)
      expect(p.stdout).toBe('')
      expect(p.stderr).toBe(
        'parley: 10001 files are too many for one transfer (at most 10000): send them in several\n',
      )
    }, 60_000)

    it('receive of an unknown code exits 5 after the timeout', async () => {
      const p = await parley([
        'receive',
        '12-no-such-code',
        '--out',
        out,
        '--server',
        server.url,
        '--timeout',
        '1',
      ])
      expect(await p.exited).toBe(5)
      expect(p.stderr).toMatch(/^parley: no sender with code 12-no-such-code on .* \(waited 1 s\)\n$/)
    })

    it('receive into a missing directory, a file, or a read-only directory exits 9', async () => {
      const file = join(dir.path, 'plain')
      await writeFile(file, '')
      const readOnly = join(dir.path, 'ro')
      await mkdir(readOnly)
      await chmod(readOnly, 0o500)
      const cases: [string, RegExp][] = [
        [join(dir.path, 'missing'), /does not exist/],
        [file, /is not a directory/],
        // root ignores permissions: /proc is never writable
        [process.getuid?.() === 0 ? '/proc' : readOnly, /cannot write to/],
      ]
      for (const [target, reason] of cases) {
        const p = await parley(['receive', '1-a-b', '--out', target, '--server', server.url])
        expect(await p.exited).toBe(9)
        expect(p.stderr).toMatch(reason)
      }
    })

    it('an unreachable server exits 4; a bad code or option exits 2', async () => {
      const down = await parley(['receive', '1-a-b', '--out', out, '--server', 'http://127.0.0.1:9'])
      expect(await down.exited).toBe(4)
      expect(down.stderr).toBe('parley: cannot reach the Parley server at http://127.0.0.1:9\n')
      const bad = await parley(['receive', 'not a/code', '--out', out, '--server', server.url])
      expect(await bad.exited).toBe(2)
      const option = await parley(['send', 'x', '--bogus'])
      expect(await option.exited).toBe(2)
      expect(option.stderr).toBe('parley: unknown option --bogus for parley send\n')
    })
  })

  /** Mounts a tmpfs of `size` at `path` (needs mount rights: root with CAP_SYS_ADMIN, as in CI here). */
  function mountTmpfs(path: string, size: string): boolean {
    return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', path]).status === 0
  }

  it('files larger than the free space are refused at the accept: the receiver exits 9 (not enough space) before a byte is sent, the sender says so too', async (ctx) => {
    const small = join(dir.path, 'small')
    await mkdir(small)
    if (!mountTmpfs(small, '8m')) ctx.skip()
    try {
      const src = join(dir.path, 'big.bin')
      await writeRandomFile(src, 32 * MiB)
      const { sender, code } = await startSend([src], server.url)
      const receiver = await parley(['receive', code, '--out', small, '--server', server.url])
      expect(await receiver.exitCode(60_000)).toBe(9)
      expect(receiver.stderr).toMatch(
        /parley: not enough space in .*small for big\.bin: it needs 32\.0 MiB, 8\.0 MiB of the 8\.0 MiB free are left\n$/,
      )
      expect(await sender.exitCode(10_000)).toBe(9)
      expect(sender.stderr).toMatch(/parley: the receiver cannot store the files: not enough space/)
      expect(senderStats(sender.stderr)[0]?.dataBytesSent).toBe(0)
      expect(await readdir(small)).toEqual([])
    } finally {
      spawnSync('umount', [small])
    }
  }, 60_000)

  it('a disk that fills up mid-transfer (another writer takes the space): the receiver exits 9 (disk full), the sender says so too', async (ctx) => {
    const small = join(dir.path, 'small')
    await mkdir(small)
    if (!mountTmpfs(small, '64m')) ctx.skip()
    try {
      const src = join(dir.path, 'big.bin')
      await writeRandomFile(src, 48 * MiB)
      const { sender, code } = await startSend([src], server.url)
      const receiver = await parley(['receive', code, '--out', small, '--server', server.url])
      await receiver.waitFor(/Receiving +\d+% [1-9]/)
      await writeFile(join(small, 'filler'), new Uint8Array(32 * MiB))
      expect(await receiver.exitCode(60_000)).toBe(9)
      expect(receiver.stderr).toMatch(/parley: disk full while writing .*big\.bin\.parley-part\n$/)
      expect(await sender.exitCode(10_000)).toBe(9)
      expect(sender.stderr).toMatch(/parley: the receiver cannot store the files: disk full/)
    } finally {
      spawnSync('umount', [small])
    }
  }, 60_000)

  it('--confirm answered no: the receiver exits 6 (declined) and so does the sender', async () => {
    const src = join(dir.path, 'x.txt')
    await writeFile(src, 'no thanks')
    const { sender, code } = await startSend([src], server.url)
    const receiver = await parley(['receive', code, '--out', out, '--server', server.url, '--confirm'])
    await receiver.waitFor(/Accept\? \[y\/N\]/)
    receiver.child.stdin.end('n\n')
    expect(await receiver.exited).toBe(6)
    expect(await sender.exited).toBe(6)
    expect(sender.stderr).toMatch(/parley: the receiver declined: declined by the receiver\n/)
    expect(await readdir(out)).toEqual([])
  }, 30_000)

  it('an existing file is not overwritten without --force (exit 10), and is with it; received again, it is checked in place (exit 0)', async () => {
    const src = join(dir.path, 'x.txt')
    await writeFile(src, 'new content')
    // (another size: a file of the same size and time would be checked in place instead)
    await writeFile(join(out, 'x.txt'), 'old text')
    const first = await startSend([src], server.url)
    const refused = await parley(['receive', first.code, '--out', out, '--server', server.url])
    expect(await refused.exited).toBe(10)
    expect(refused.stderr).toMatch(/x\.txt exists; use --force to overwrite\n$/)
    expect(await readFile(join(out, 'x.txt'), 'utf8')).toBe('old text')
    expect(await first.sender.exited).not.toBe(0)
    const second = await startSend([src], server.url)
    const forced = await parley(['receive', second.code, '--out', out, '--server', server.url, '--force'])
    expect(await forced.exited).toBe(0)
    expect(await readFile(join(out, 'x.txt'), 'utf8')).toBe('new content')
    // the same file again (a receive run once more): the one here has its size and time, so it is
    // checked against the sender's digest in place, not refused and not sent again
    const third = await startSend([src], server.url)
    const again = await parley(['receive', third.code, '--out', out, '--server', server.url])
    expect(await again.exited).toBe(0)
    expect(again.stderr).toMatch(/x\.txt is here already \(same size and time\): checking it/)
    expect(again.stdout).toMatch(/Already here: .*x\.txt .*SHA-256 [0-9a-f]{64} verified/)
    expect(await third.sender.exited).toBe(0)
    expect(await readFile(join(out, 'x.txt'), 'utf8')).toBe('new content')
  }, 30_000)

  it('35 files received again: 20 "here already" lines on stderr and the rest counted; every file still gets its stdout line', async () => {
    const src = join(dir.path, 'src')
    await mkdir(src)
    const paths: string[] = []
    for (let i = 0; i < 35; i++) {
      const path = join(src, `f${String(i).padStart(2, '0')}.txt`)
      await writeFile(path, `file ${i}`)
      paths.push(path)
    }
    const first = await startSend(paths, server.url)
    expect(await (await parley(['receive', first.code, '--out', out, '--server', server.url])).exited).toBe(0)
    expect(await first.sender.exited).toBe(0)
    const second = await startSend(paths, server.url)
    const again = await parley(['receive', second.code, '--out', out, '--server', server.url])
    expect(await again.exited).toBe(0)
    expect(again.stderr.match(/is here already \(same size and time\): checking it/g)).toHaveLength(20)
    expect(again.stderr).toContain('… and 15 more files are here already: checking them.')
    expect(again.stdout.match(/^Already here: /gm)).toHaveLength(35)
    expect(await second.sender.exited).toBe(0)
  }, 30_000)

  const stops = [
    ['sender', 'SIGINT', 'Ctrl-C'],
    ['receiver', 'SIGINT', 'Ctrl-C'],
    ['receiver', 'SIGHUP', 'hang-up'],
  ] as const
  for (const [side, signal, why] of stops) {
    it(`${signal} (${why}) on the ${side} mid-transfer cancels both sides (130 and 7) and removes the partial file`, async () => {
      const src = join(dir.path, 'big.bin')
      await writeRandomFile(src, 256 * MiB)
      const { sender, code } = await startSend([src], server.url)
      const receiver = await parley(['receive', code, '--out', out, '--server', server.url])
      await receiver.waitFor(/Receiving +\d+% [1-9]/)
      const [stopped, other] = side === 'sender' ? [sender, receiver] : [receiver, sender]
      stopped.kill(signal)
      expect(await stopped.exited).toBe(130)
      expect(stopped.stderr).toContain(`cancelled (${why})`)
      expect(await other.exited).toBe(7)
      expect(other.stderr).toMatch(side === 'sender' ? /the sender cancelled/ : /the receiver cancelled/)
      expect(await readdir(out)).toEqual([])
    }, 60_000)
  }

  it('a receive killed mid-transfer (SIGKILL) and run again with the code: the new receiver takes over once the first is lost and resumes from its partial file; no stored byte is sent again, both exit 0', async () => {
    const size = 192 * MiB
    const src = join(dir.path, 'big.bin')
    const expected = await writeRandomFile(src, size)
    const { sender, code } = await startSend([src], server.url)
    const first = await parley(['receive', code, '--out', out, '--server', server.url])
    await first.waitFor(/Receiving +[1-9]\d% /)
    first.kill('SIGKILL')
    expect(await first.exited).toBe(137)
    // run again at once: the sender has not noticed the loss yet (no goodbye from a killed process)
    const second = await parley(['receive', code, '--out', out, '--server', server.url])
    expect(await second.exitCode(90_000)).toBe(0)
    expect(await sender.exitCode(10_000)).toBe(0)
    expect(sender.stderr).toContain('it takes over if the current receiver is lost')
    expect(second.stderr).toMatch(/Resuming big\.bin at [1-9]/)
    expect(await sha256OfFile(join(out, 'big.bin'))).toBe(expected)
    expect(await readdir(out)).toEqual(['big.bin'])
    // two transfers: the first, closed when the second receiver took over, and the second, which
    // starts where the partial file ends: at or after what the first receiver confirmed
    const [before, after] = senderStats(sender.stderr)
    const cut = before!.attempts.at(-1)!
    const resumed = after!.attempts[0]!
    expect(resumed.from).toBeGreaterThanOrEqual(cut.confirmed)
    expect(resumed.from).toBeGreaterThan(0)
    expect(resumed.from).toBeLessThanOrEqual(cut.to)
    expect(after!.dataBytesSent).toBe(size - resumed.from)
  }, 120_000)

  it('a second receive while the sender is busy with a first one says so and waits past its timeout; once the sender is done and gone it exits 5 at once with why', async () => {
    const src = join(dir.path, 'big.bin')
    await writeRandomFile(src, 192 * MiB)
    const { sender, code } = await startSend([src], server.url)
    const first = await parley(['receive', code, '--out', out, '--server', server.url])
    await first.waitFor(/Receiving +\d+% [1-9]/)
    const other = join(dir.path, 'other')
    await mkdir(other)
    const second = await parley(['receive', code, '--out', other, '--server', server.url, '--timeout', '1'])
    await second.waitFor(/busy with another receiver; waiting/)
    expect(await first.exitCode(60_000)).toBe(0)
    expect(await sender.exitCode(10_000)).toBe(0)
    expect(await second.exitCode(15_000)).toBe(5)
    expect(second.stderr).toContain('sent its files to another receiver and left')
    expect(await readdir(other)).toEqual([])
  }, 120_000)
})

describe('parley CLI resume', () => {
  it('resumes after the signaling server restarts and the sender forces a new connection mid-transfer; no stored byte is sent again', async () => {
    let server = await startServer({ port: 0, host: '127.0.0.1', logLevel: 'silent' })
    const port = Number(new URL(server.url).port)
    const dir = await tempDir('parley-cli-resume-')
    try {
      const out = join(dir.path, 'out')
      await mkdir(out)
      const size = 192 * MiB
      const src = join(dir.path, 'big.bin')
      const expected = await writeRandomFile(src, size)
      const { sender, code } = await startSend([src], server.url)
      const receiver = await parley(['receive', code, '--out', out, '--server', server.url])
      await receiver.waitFor(/Receiving +[1-9]\d*% /)
      // cut: the signaling server goes away and comes back on the same port, and the sender's
      // peer connection is replaced (ICE restart / new connection) while bytes are in flight
      await server.close({ graceful: false })
      sender.kill('SIGUSR2')
      server = await startServer({ port, host: '127.0.0.1', logLevel: 'silent' })
      expect(await receiver.exitCode(90_000)).toBe(0)
      expect(await sender.exitCode(10_000)).toBe(0)
      expect(await sha256OfFile(join(out, 'big.bin'))).toBe(expected)
      const stats = senderStats(sender.stderr)
      const attempts = expectResumedFromConfirmed(stats, size)
      const sent = stats.reduce((sum, s) => sum + s.dataBytesSent, 0)
      const resent = attempts.slice(1).reduce((sum, a, i) => sum + (attempts[i]!.to - a.from), 0)
      expect(sent - size).toBe(resent)
    } finally {
      await killAll()
      await server.close({ graceful: false })
      await dir.remove()
    }
  }, 120_000)
})
