#!/usr/bin/env node
// Serves one example directory plus the SDK browser bundle (/parley.js) on http://localhost:8090.
// Usage: node examples/serve.mjs <example-dir> [port]   (run `npm install` or `npm run build` first)
import { existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { dirname, extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const example = process.argv[2]
const port = Number(process.argv[3] ?? 8090)
if (!example || !existsSync(join(here, example, 'index.html'))) {
  console.error('usage: node examples/serve.mjs <hello-data-channel|multiplayer-game> [port]')
  process.exit(2)
}
const bundle = join(here, '..', 'packages', 'client', 'dist', 'parley-client.browser.js')
if (!existsSync(bundle)) {
  console.error('SDK bundle missing: run `npm run build` first')
  process.exit(2)
}
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' }
createServer((req, res) => {
  const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/'))
  const file = path === '/parley.js' ? bundle : join(here, example, path === '/' ? 'index.html' : path)
  if (!file.startsWith(here) && file !== bundle) return res.writeHead(403).end()
  if (!existsSync(file)) return res.writeHead(404).end('not found')
  res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' })
  res.end(readFileSync(file))
}).listen(port, () => console.log(`${example}: http://localhost:${port}/`))
