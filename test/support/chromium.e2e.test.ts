import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { launchBrowser } from './chromium.js'

describe('launchBrowser', () => {
  const browserPromise = launchBrowser()
  // getUserMedia needs a secure context: http://127.0.0.1 is one, about:blank is not.
  const http = createServer((_req, res) => res.end('<!doctype html><title>t</title>'))
  const origin = new Promise<string>((resolve) =>
    http.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`)),
  )
  afterAll(async () => {
    await (await browserPromise).close()
    http.close()
  })

  it('gathers a plain host IPv4 candidate on loopback (mDNS obfuscation disabled, no mdns .local names)', async () => {
    const browser = await browserPromise
    const page = await browser.newPage()
    await page.goto('about:blank')
    const candidates = await page.evaluate(async () => {
      const pc = new RTCPeerConnection()
      pc.createDataChannel('x')
      const found: string[] = []
      const done = new Promise<void>((resolve) => {
        pc.onicecandidate = (e) => (e.candidate ? found.push(e.candidate.candidate) : resolve())
      })
      await pc.setLocalDescription(await pc.createOffer())
      await done
      pc.close()
      return found
    })
    expect(candidates.length).toBeGreaterThan(0)
    expect(candidates.some((c) => c.includes('.local'))).toBe(false)
  })

  it('exposes fake camera and microphone devices', async () => {
    const browser = await browserPromise
    const page = await browser.newPage()
    await page.goto(await origin)
    const info = await page.evaluate(async () => {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true })
      const tracks = stream.getTracks().map((t) => t.kind)
      for (const t of stream.getTracks()) t.stop()
      return tracks.sort()
    })
    expect(info).toEqual(['audio', 'video'])
  })
})
