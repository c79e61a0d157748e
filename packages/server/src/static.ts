import { createReadStream, type Stats } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, resolve, sep } from 'node:path'

const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.wav': 'audio/wav',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
}

/** Vite's content-hashed asset names (`index-3f9a1c2b.js`): safe to cache forever. */
const HASHED_NAME = /-[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$/
const IMMUTABLE = 'public, max-age=31536000, immutable'
const REVALIDATE = 'no-cache'

export const PLACEHOLDER_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Parley</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
<h1>Parley</h1>
<p>The signaling server is running: WebSocket endpoint <code>/ws</code>, health at
<a href="/healthz"><code>/healthz</code></a>, metrics at <a href="/metrics"><code>/metrics</code></a>.</p>
<p>The web app is not built yet: run <code>npm run build</code> (or start the server with
<code>--static-dir</code> pointing at a built app).</p>
</body>
</html>
`

function mimeType(path: string): string {
  return MIME_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream'
}

/**
 * Serves the built web app: files with their MIME type (hashed assets cached for a year, the rest
 * revalidated), and `index.html` for every other GET without a file extension so that client-side
 * routes such as `/r/<room>` work. Paths that escape the root are refused with 403; when the
 * directory (or its index.html) does not exist, a placeholder page is served instead.
 */
export class StaticFiles {
  private readonly root: string

  constructor(root: string) {
    this.root = resolve(root)
  }

  async handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    let decoded: string
    try {
      decoded = decodeURIComponent(pathname)
    } catch {
      return plain(res, 400, 'bad request: malformed percent-encoding')
    }
    if (decoded.includes('\0')) return plain(res, 400, 'bad request')
    if (decoded.split(/[/\\]/).includes('..')) return plain(res, 403, 'forbidden')
    const path = join(this.root, decoded)
    if (path !== this.root && !path.startsWith(this.root + sep)) return plain(res, 403, 'forbidden')

    const file = await statFile(path)
    if (file) return this.send(req, res, path, file)
    const dirIndex = await statFile(join(path, 'index.html'))
    if (dirIndex) return this.send(req, res, join(path, 'index.html'), dirIndex)
    if (extname(decoded) !== '') return plain(res, 404, 'not found')
    const index = await statFile(join(this.root, 'index.html'))
    if (index) return this.send(req, res, join(this.root, 'index.html'), index)
    return this.placeholder(req, res)
  }

  private send(req: IncomingMessage, res: ServerResponse, path: string, file: Stats): void {
    const etag = `W/"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`
    res.setHeader('Content-Type', mimeType(path))
    res.setHeader('Cache-Control', HASHED_NAME.test(path) ? IMMUTABLE : REVALIDATE)
    res.setHeader('ETag', etag)
    res.setHeader('Last-Modified', file.mtime.toUTCString())
    res.setHeader('X-Content-Type-Options', 'nosniff')
    if (req.headers['if-none-match'] === etag) {
      res.statusCode = 304
      res.end()
      return
    }
    res.setHeader('Content-Length', file.size)
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    const stream = createReadStream(path)
    stream.on('error', () => res.destroy())
    stream.pipe(res)
  }

  private placeholder(req: IncomingMessage, res: ServerResponse): void {
    const body = Buffer.from(PLACEHOLDER_HTML)
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': body.length,
      'Cache-Control': REVALIDATE,
    })
    res.end(req.method === 'HEAD' ? undefined : body)
  }
}

async function statFile(path: string): Promise<Stats | undefined> {
  try {
    const s = await stat(path)
    return s.isFile() ? s : undefined
  } catch {
    return undefined
  }
}

export function plain(res: ServerResponse, status: number, text: string): void {
  const body = `${text}\n`
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  })
  res.end(body)
}
