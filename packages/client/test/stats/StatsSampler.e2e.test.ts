/**
 * StatsSampler and BitrateController against real Chromium getStats / setParameters: two peer
 * connections in one page (loopback host candidates), the fake camera 640x480@20 fps as video.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, openHarness, type ParleyGlobal } from '../media/browserHarness.js'

/** Installs `window.call`: a sender pc with camera + mic, a receiver pc, a sampler on each. */
async function startCall(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const Parley = (window as unknown as { Parley: ParleyGlobal }).Parley
    const tx = new RTCPeerConnection()
    const rx = new RTCPeerConnection()
    tx.onicecandidate = (e) => void (e.candidate && rx.addIceCandidate(e.candidate))
    rx.onicecandidate = (e) => void (e.candidate && tx.addIceCandidate(e.candidate))
    const media = await Parley.LocalMedia.create({ audio: true, video: true })
    for (const t of media.stream.getTracks()) tx.addTrack(t, media.stream)
    await tx.setLocalDescription()
    await rx.setRemoteDescription(tx.localDescription as RTCSessionDescription)
    await rx.setLocalDescription()
    await tx.setRemoteDescription(rx.localDescription as RTCSessionDescription)
    const txSampler = new Parley.StatsSampler(tx, { intervalMs: 500 })
    const rxSampler = new Parley.StatsSampler(rx, { intervalMs: 500 })
    txSampler.start()
    rxSampler.start()
    const sender = tx.getSenders().find((s) => s.track?.kind === 'video') as RTCRtpSender
    // Chromium lowers a camera's resolution by itself when encoding overuses the CPU (a loaded
    // machine): the sizes below must be the ones BitrateController asks for, not that adaptation's
    const parameters = sender.getParameters()
    await sender.setParameters({ ...parameters, degradationPreference: 'maintain-resolution' })
    if (sender.getParameters().degradationPreference !== 'maintain-resolution')
      throw new Error(
        'this Chromium ignores degradationPreference: the sizes would follow its CPU adaptation',
      )
    Object.assign(window, { call: { tx, rx, media, txSampler, rxSampler, sender } })
  })
}

describe('StatsSampler / BitrateController in Chromium', () => {
  let h: Harness
  beforeAll(async () => {
    h = await openHarness()
  })
  afterAll(async () => {
    await h?.close()
  })

  it('StatsSampler yields samples with bitrate > 0, a host/udp candidate pair, 640x480 with frames flowing (0 < fps ≤ 30)', async () => {
    const page = await h.newPage()
    await startCall(page)
    const r = await page.evaluate(async () => {
      type Sampler = InstanceType<ParleyGlobal['StatsSampler']>
      type S = NonNullable<Sampler['latest']>
      const { txSampler: tx, rxSampler: rx } = (
        window as unknown as { call: { txSampler: Sampler; rxSampler: Sampler } }
      ).call
      // wait (≤ 20 s) for a receiver sample showing decoded video, then take both sides' latest
      const inbound = await new Promise<S | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), 20_000)
        const off = rx.on('sample', (s) => {
          if (s.inbound.bitrateKbps > 0 && s.inbound.width && (s.inbound.fps ?? 0) > 0) {
            clearTimeout(timer)
            off()
            resolve(s)
          }
        })
      })
      return { inbound, outbound: tx.latest }
    })
    expect(r.inbound).toBeDefined()
    expect(r.inbound?.inbound.bitrateKbps).toBeGreaterThan(0)
    expect(r.inbound?.inbound).toMatchObject({ width: 640, height: 480 })
    // frames flow, at most the fake camera's 20 fps plus jitter; the count depends on the machine's load
    expect(r.inbound?.inbound.fps).toBeGreaterThan(0)
    expect(r.inbound?.inbound.fps).toBeLessThanOrEqual(30)
    expect(r.inbound?.path).toEqual({ local: 'host', remote: 'host', protocol: 'udp' })
    expect(r.inbound?.level).not.toBe('lost')
    expect(r.outbound?.outbound.bitrateKbps).toBeGreaterThan(0)
    expect(r.outbound?.rttMs).toBeGreaterThanOrEqual(0)
    expect(r.outbound?.limitation).toBeDefined()
  })

  it("BitrateController caps an 8-person mesh's copy at 300 kbit/s and 320x240, and restores 640x480 for 1:1", async () => {
    const page = await h.newPage()
    await startCall(page)
    const r = await page.evaluate(async () => {
      const Parley = (window as unknown as { Parley: ParleyGlobal }).Parley
      type Sampler = InstanceType<ParleyGlobal['StatsSampler']>
      type S = NonNullable<Sampler['latest']>
      const call = (
        window as unknown as { call: { txSampler: Sampler; rxSampler: Sampler; sender: RTCRtpSender } }
      ).call
      const controller = new Parley.BitrateController(call.sender, { meshSize: 2 })
      call.txSampler.on('sample', (s) => void controller.update(s))
      const until = (sampler: Sampler, ok: (s: S) => boolean, ms = 20_000) =>
        new Promise<S | undefined>((resolve) => {
          const timer = setTimeout(() => resolve(undefined), ms)
          const off = sampler.on('sample', (s) => {
            if (ok(s)) {
              clearTimeout(timer)
              off()
              resolve(s)
            }
          })
        })
      const first = await until(call.rxSampler, (s) => s.inbound.width === 640 && s.inbound.bitrateKbps > 0)
      await controller.setMeshSize(8)
      const applied = call.sender.getParameters().encodings[0]
      const small = await until(call.rxSampler, (s) => s.inbound.width === 320)
      // a full interval at the new size: the bitrate settles under the cap (+ audio, + slack)
      const settled = await until(
        call.txSampler,
        (s) => s.outbound.width === 320 && s.outbound.bitrateKbps < 400,
      )
      await controller.setMeshSize(2)
      const restored = await until(call.rxSampler, (s) => s.inbound.width === 640)
      return {
        first: first?.inbound.width,
        applied: { maxBitrate: applied?.maxBitrate, scale: applied?.scaleResolutionDownBy },
        small: small ? [small.inbound.width, small.inbound.height] : undefined,
        settledKbps: settled?.outbound.bitrateKbps,
        restored: restored ? [restored.inbound.width, restored.inbound.height] : undefined,
      }
    })
    expect(r.first).toBe(640)
    expect(r.applied).toEqual({ maxBitrate: 300_000, scale: 2 })
    expect(r.small).toEqual([320, 240])
    expect(r.settledKbps).toBeGreaterThan(0)
    expect(r.settledKbps).toBeLessThan(400)
    expect(r.restored).toEqual([640, 480])
  })
})
