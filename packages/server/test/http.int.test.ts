import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { UpgradeRefused } from './support/rawClient.js'
import { connect, health, joined, testServer } from './support/server.js'

/** A raw GET whose path is sent exactly as given (fetch would normalise `..`). */
function rawGet(
  url: string,
  path: string,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { path, method }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('/healthz and /metrics', () => {
  it('/healthz reports status, uptime, connections and rooms', async () => {
    const server = await testServer()
    await joined(server, 'r')
    await joined(server, 'r')
    await connect(server)
    expect(await health(server)).toMatchObject({ status: 'ok', connections: 3, rooms: 1, peers: 2 })
    expect(typeof (await health(server)).uptime).toBe('number')
  })

  it('/metrics exposes connections, rooms, messages by type, errors by code and the relay latency histogram', async () => {
    const server = await testServer()
    const a = await joined(server, 'r')
    const b = await joined(server, 'r')
    a.client.send({ type: 'signal', to: b.welcome.peerId, data: {} })
    await b.client.nextOf('signal')
    a.client.send({ type: 'signal', to: 'nobody', data: {} })
    await a.client.nextOf('error')
    a.client.send('not json')
    await a.client.nextOf('error')
    const res = await fetch(`${server.url}/metrics`)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await res.text()
    expect(text).toContain('parley_connections 2')
    expect(text).toContain('parley_rooms 1')
    expect(text).toContain('parley_messages_total{type="join"} 2')
    expect(text).toContain('parley_messages_total{type="signal"} 2')
    expect(text).toContain('parley_messages_total{type="invalid"} 1')
    expect(text).toContain('parley_errors_total{code="UNKNOWN_PEER"} 1')
    expect(text).toContain('parley_errors_total{code="BAD_MESSAGE"} 1')
    expect(text).toContain('parley_relay_latency_seconds_count 1')
    expect(text).toContain('parley_relay_latency_seconds_bucket{le="+Inf"} 1')
    expect(text).toMatch(/# TYPE parley_relay_latency_seconds histogram/)
    expect(text).toContain('process_cpu_user_seconds_total')
    // a second scrape does not double-count
    expect(await (await fetch(`${server.url}/metrics`)).text()).toContain(
      'parley_messages_total{type="signal"} 2',
    )
  })

  it('GET /ws without upgrade answers 426; an upgrade elsewhere is refused with 404', async () => {
    const server = await testServer()
    expect((await fetch(`${server.url}/ws`)).status).toBe(426)
    const refused = await connect(server.wsUrl.replace('/ws', '/other')).catch((e: unknown) => e)
    expect((refused as UpgradeRefused).status).toBe(404)
  })

  it('only GET and HEAD are allowed', async () => {
    const server = await testServer()
    const res = await fetch(`${server.url}/`, { method: 'POST', body: 'x' })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('GET, HEAD')
  })
})

describe('static web app', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-static-'))
    mkdirSync(join(dir, 'assets'))
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>')
    writeFileSync(join(dir, 'assets', 'index-Bx3kL9qz.js'), 'export {}')
    writeFileSync(join(dir, 'assets', 'index-Bx3kL9qz.css'), 'body{}')
    writeFileSync(join(dir, 'favicon.svg'), '<svg/>')
    writeFileSync(join(dir, 'manifest.webmanifest'), '{}')
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('serves index.html at / revalidated, and hashed assets with their MIME type cached immutably', async () => {
    const server = await testServer({ staticDir: dir })
    const index = await fetch(`${server.url}/`)
    expect(index.status).toBe(200)
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(index.headers.get('cache-control')).toBe('no-cache')
    expect(await index.text()).toContain('<title>app</title>')
    const js = await fetch(`${server.url}/assets/index-Bx3kL9qz.js`)
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    const css = await fetch(`${server.url}/assets/index-Bx3kL9qz.css`)
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8')
    const svg = await fetch(`${server.url}/favicon.svg`)
    expect(svg.headers.get('content-type')).toBe('image/svg+xml')
    expect(svg.headers.get('cache-control')).toBe('no-cache')
    const manifest = await fetch(`${server.url}/manifest.webmanifest`)
    expect(manifest.headers.get('content-type')).toBe('application/manifest+json; charset=utf-8')
  })

  it('falls back to index.html for client-side routes like /r/<room>, 404 for missing files', async () => {
    const server = await testServer({ staticDir: dir })
    for (const path of ['/r/my-room', '/r/my-room?x=1', '/some/deep/route']) {
      const res = await fetch(`${server.url}${path}`)
      expect(res.status, path).toBe(200)
      expect(await res.text()).toContain('<title>app</title>')
    }
    expect((await fetch(`${server.url}/assets/missing-Bx3kL9qz.js`)).status).toBe(404)
    expect((await fetch(`${server.url}/nope.png`)).status).toBe(404)
  })

  it('refuses path traversal', async () => {
    const server = await testServer({ staticDir: join(dir, 'assets') })
    for (const path of [
      '/../index.html',
      '/..%2findex.html',
      '/%2e%2e/index.html',
      '/assets/..%5c..%5cindex.html',
    ]) {
      const res = await rawGet(server.url, path)
      expect(res.status, path).toBeGreaterThanOrEqual(400)
      expect(res.body).not.toContain('<title>app</title>')
    }
    expect((await rawGet(server.url, '/%E0%A4%A')).status).toBe(400)
  })

  it('answers HEAD without a body and If-None-Match with 304', async () => {
    const server = await testServer({ staticDir: dir })
    const head = await rawGet(server.url, '/favicon.svg', 'HEAD')
    expect(head.status).toBe(200)
    expect(head.headers['content-length']).toBe('6')
    expect(head.body).toBe('')
    const first = await fetch(`${server.url}/favicon.svg`)
    const etag = first.headers.get('etag') ?? ''
    expect(etag).not.toBe('')
    const again = await fetch(`${server.url}/favicon.svg`, { headers: { 'If-None-Match': etag } })
    expect(again.status).toBe(304)
  })

  it('serves a placeholder page when the web app directory does not exist', async () => {
    const server = await testServer({ staticDir: join(dir, 'does-not-exist') })
    for (const path of ['/', '/r/room']) {
      const res = await fetch(`${server.url}${path}`)
      expect(res.status).toBe(200)
      expect(await res.text()).toContain('The web app is not built yet')
    }
  })
})
