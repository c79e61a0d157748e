import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { get } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, startServer } from '../src/index.js'
import { silentLogger } from '../src/logger.js'
import { RawClient } from './support/rawClient.js'
import { testServer } from './support/server.js'

describe('TLS', () => {
  let dir: string
  let certPath: string
  let keyPath: string
  let ca: Buffer
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-tls-'))
    certPath = join(dir, 'cert.pem')
    keyPath = join(dir, 'key.pem')
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyPath,
        '-out',
        certPath,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    )
    ca = readFileSync(certPath)
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('serves https and wss with the configured certificate', async () => {
    const server = await testServer({ tlsCert: certPath, tlsKey: keyPath })
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    expect(server.wsUrl).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/ws$/)
    const body = await new Promise<string>((resolve, reject) => {
      get(`${server.url}/healthz`, { ca }, (res) => {
        let text = ''
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString()
        })
        res.on('end', () => resolve(text))
      }).on('error', reject)
    })
    expect(JSON.parse(body)).toMatchObject({ status: 'ok' })
    const client = await RawClient.connect(server.wsUrl, { ca })
    client.send({ type: 'join', room: 'secure' })
    expect(await client.nextOf('welcome')).toMatchObject({ room: 'secure' })
    client.drop()
  })

  it('fails with ConfigError when the certificate cannot be read or is not PEM', async () => {
    await expect(
      startServer({ port: 0, logger: silentLogger, tlsCert: join(dir, 'missing.pem'), tlsKey: keyPath }),
    ).rejects.toBeInstanceOf(ConfigError)
    await expect(
      startServer({ port: 0, logger: silentLogger, tlsCert: keyPath, tlsKey: certPath }),
    ).rejects.toBeInstanceOf(ConfigError)
  })
})
