/** The multiplayer game example in two Chromium tabs, through a real signaling server. */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type ParleyServer, startServer } from '@parley/server'
import { build } from 'esbuild'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from '../../../test/support/chromium.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const gameDir = join(root, 'examples', 'multiplayer-game')

interface GameWindow {
  game: {
    room: { localPeerId: string }
    me: { x: number; y: number }
    others: Map<string, { x: number; seq: number }>
  }
}

/** Serves the example like examples/serve.mjs, with the SDK bundled (ESM) from source. */
async function serveGame(): Promise<{ url: string; close: () => Promise<void> }> {
  const bundle = await build({
    entryPoints: [join(root, 'packages/client/src/index.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    alias: { '@parley/protocol': join(root, 'packages/protocol/src/index.ts') },
    logLevel: 'silent',
  })
  const js = bundle.outputFiles[0]?.text ?? ''
  const files: Record<string, [string, string]> = {
    '/': ['text/html', readFileSync(join(gameDir, 'index.html'), 'utf8')],
    '/game.js': ['text/javascript', readFileSync(join(gameDir, 'game.js'), 'utf8')],
    '/parley.js': ['text/javascript', js],
  }
  const http: Server = createServer((req, res) => {
    const file = files[(req.url ?? '/').split('?')[0] ?? '/']
    if (file) res.writeHead(200, { 'content-type': file[0] }).end(file[1])
    else res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections()
        http.close(() => resolve())
      }),
  }
}

describe('examples/multiplayer-game in Chromium', () => {
  let browser: Browser
  let signaling: ParleyServer
  let site: Awaited<ReturnType<typeof serveGame>>

  beforeAll(async () => {
    ;[browser, signaling, site] = await Promise.all([
      launchBrowser(),
      startServer({ port: 0, host: '127.0.0.1', logLevel: 'silent' }),
      serveGame(),
    ])
  })
  afterAll(async () => {
    await browser?.close()
    await site?.close()
    await signaling?.close({ graceful: false })
  })

  async function player(name: string): Promise<{ page: Page; id: string }> {
    const page = await (await browser.newContext()).newPage()
    await page.goto(`${site.url}?server=${encodeURIComponent(signaling.url)}&room=game-e2e&name=${name}`)
    await page.waitForFunction(() => 'game' in window, undefined, { timeout: 20_000 })
    const id = await page.evaluate(() => (window as unknown as GameWindow).game.room.localPeerId)
    return { page, id }
  }

  it("moving with the arrow keys shows up on the other player's screen (positions over `unreliable`)", async () => {
    const ada = await player('Ada')
    const bob = await player('Bob')
    // bob sees ada's position updates
    await bob.page.waitForFunction(
      (id) => ((window as unknown as GameWindow).game.others.get(id)?.seq ?? -1) > 0,
      ada.id,
      {
        timeout: 20_000,
      },
    )
    const start = await ada.page.evaluate(() => (window as unknown as GameWindow).game.me.x)
    await ada.page.bringToFront()
    await ada.page.keyboard.down(start > 400 ? 'ArrowLeft' : 'ArrowRight')
    const direction = start > 400 ? -1 : 1
    await bob.page.waitForFunction(
      ({ id, start, direction }) => {
        const x = (window as unknown as GameWindow).game.others.get(id)?.x ?? start
        return (x - start) * direction > 60
      },
      { id: ada.id, start, direction },
      { timeout: 15_000 },
    )
    await ada.page.keyboard.up(start > 400 ? 'ArrowLeft' : 'ArrowRight')
    const seen = await bob.page.evaluate(
      (id) => (window as unknown as GameWindow).game.others.get(id)?.x,
      ada.id,
    )
    expect(((seen ?? start) - start) * direction).toBeGreaterThan(60)
  })
})
