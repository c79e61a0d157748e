/**
 * Serves a blank page with the client SDK bundled from source as `window.Parley`, on an ephemeral
 * loopback port (http://127.0.0.1 is a secure context, so getUserMedia and WebRTC work).
 * The bundle is built in memory with esbuild on first use, so tests never run a stale build.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
let bundle: Promise<string> | undefined

/** The SDK as an IIFE assigning its exports to `window.Parley`. */
export function sdkBundle(): Promise<string> {
  bundle ??= build({
    entryPoints: [join(root, 'packages/client/src/index.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'Parley',
    platform: 'browser',
    target: 'es2022',
    sourcemap: 'inline',
    alias: { '@parley/protocol': join(root, 'packages/protocol/src/index.ts') },
    external: ['node-datachannel', 'node-datachannel/*', 'ws'],
    logLevel: 'silent',
  }).then((r) => r.outputFiles[0]?.text ?? '')
  return bundle
}

export interface SdkPageServer {
  /** e.g. http://127.0.0.1:41234/ — open it, then use `window.Parley`. */
  readonly url: string
  close(): Promise<void>
}

/** Extra files to serve: path → [content type, body]. */
export type ExtraFiles = Record<string, readonly [string, string | Uint8Array]>

export async function serveSdkPage(extra: ExtraFiles = {}): Promise<SdkPageServer> {
  const js = await sdkBundle()
  const html =
    '<!doctype html><meta charset="utf-8"><title>parley test</title><script src="/parley.js"></script>'
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const file = extra[path]
    if (file) {
      res.writeHead(200, { 'content-type': file[0] }).end(file[1])
    } else if (path === '/parley.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(js)
    } else if (path === '/favicon.ico') {
      res.writeHead(204).end()
    } else {
      res.writeHead(200, { 'content-type': 'text/html' }).end(html)
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  let closed: Promise<void> | undefined
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
      return closed
    },
  }
}
