import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { startServer } from '@parley/server'
import { describe, expect, it } from 'vitest'
import { startCoturn } from '../../client/test/support/coturn.js'
import { tempDir, writeRandomFile } from '../../client/test/transfer/support.js'
import { createNetnsLink } from './netns.js'
import { parley, startSend } from './support.js'

describe('relay figures', () => {
  it('direct with turn available', async () => {
    const lab = await createNetnsLink()
    const turn = await startCoturn('s', { ip: lab.hostIp })
    const server = await startServer({
      port: 0,
      host: lab.hostIp,
      logLevel: 'silent',
      turnUrls: [turn.url],
      turnSecret: turn.secret,
    })
    const dir = await tempDir('relayfig-')
    const src = join(dir.path, 'big.bin')
    await writeRandomFile(src, 64 * 1024 * 1024)
    for (let round = 0; round < 4; round++) {
      const out = join(dir.path, `out-${round}`)
      await mkdir(out)
      const { sender, code } = await startSend([src], server.url, {}, { netns: lab.ns })
      const receiver = await parley(['receive', code, '--out', out, '--server', server.url], {}, {})
      expect(await receiver.exitCode(300_000)).toBe(0)
      await sender.exitCode(10_000)
      const lines = sender.stderr
        .split('\n')
        .filter((l) => l.startsWith('ROUTE') || l.startsWith('Connected'))
      const changes = lines.filter(
        (l, i) => i === 0 || l.split(' ').slice(2).join(' ') !== lines[i - 1]!.split(' ').slice(2).join(' '),
      )
      console.log(`round ${round}: ${changes.join(' | ')}`)
      await rm(out, { recursive: true })
    }
    await server.close({ graceful: false })
    await turn.close()
    await lab.remove()
    await dir.remove()
  }, 900_000)
})
