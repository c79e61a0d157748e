import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, openHarness, type ParleyGlobal } from './browserHarness.js'

/** A same-origin frame loading the SDK, embedded with camera and microphone disallowed. */
const FRAME = '<!doctype html><meta charset="utf-8"><script src="/parley.js"></script>'

describe('LocalMedia in Chromium (fake devices)', () => {
  let h: Harness
  beforeAll(async () => {
    h = await openHarness({ '/frame.html': ['text/html', FRAME] })
  })
  afterAll(async () => {
    await h?.close()
  })

  it('create({audio, video}) opens the fake 640x480 camera and a microphone; stop() ends both', async () => {
    const page = await h.newPage()
    const r = await page.evaluate(async () => {
      const { LocalMedia } = (window as unknown as { Parley: ParleyGlobal }).Parley
      const media = await LocalMedia.create({ audio: true, video: true })
      const settings = media.videoTrack?.getSettings()
      const before = media.stream.getTracks().map((t) => t.readyState)
      media.stop()
      media.stop()
      return {
        settings,
        before,
        after: media.stream.getTracks().map((t) => t.readyState),
        state: media.state,
      }
    })
    expect(r.settings).toMatchObject({ width: 640, height: 480 })
    expect(r.before).toEqual(['live', 'live'])
    expect(r.after).toEqual(['ended', 'ended'])
    expect(r.state).toBe('stopped')
  })

  it('rejects with PERMISSION_DENIED where the camera is not allowed (frame with allow="camera \'none\'")', async () => {
    const page = await h.newPage()
    const r = await page.evaluate(async () => {
      const frame = document.createElement('iframe')
      frame.allow = "camera 'none'; microphone 'none'"
      frame.src = '/frame.html'
      await new Promise((resolve) => {
        frame.onload = resolve
        document.body.append(frame)
      })
      const { LocalMedia } = (frame.contentWindow as unknown as { Parley: ParleyGlobal }).Parley
      try {
        await LocalMedia.create({ audio: true, video: true })
        return undefined
      } catch (error) {
        const e = error as { code: string; message: string; cause: { name: string } }
        return { code: e.code, message: e.message, cause: e.cause.name }
      }
    })
    expect(r).toMatchObject({ code: 'PERMISSION_DENIED', cause: 'NotAllowedError' })
    expect(r?.message).toMatch(/camera and microphone was denied/)
  })

  it('rejects with DEVICE_NOT_FOUND for a camera that does not exist, naming the constraint', async () => {
    const page = await h.newPage()
    const r = await page.evaluate(async () => {
      const { LocalMedia } = (window as unknown as { Parley: ParleyGlobal }).Parley
      try {
        await LocalMedia.create({ video: { deviceId: { exact: 'no-such-camera' } } })
        return undefined
      } catch (error) {
        return { code: (error as { code: string }).code, message: (error as Error).message }
      }
    })
    expect(r?.code).toBe('DEVICE_NOT_FOUND')
    expect(r?.message).toContain('deviceId')
  })

  it('lists devices by kind and switches the microphone: new live track, old one ended, track-replaced emitted', async () => {
    const page = await h.newPage()
    const r = await page.evaluate(async () => {
      const { LocalMedia } = (window as unknown as { Parley: ParleyGlobal }).Parley
      const media = await LocalMedia.create({ audio: true, video: true })
      const devices = await LocalMedia.listDevices()
      const current = media.audioTrack?.getSettings().deviceId
      const other = devices.audioInputs.find((d) => d.deviceId !== current && d.deviceId !== 'default')
      if (!other) return { error: 'one microphone only' }
      const old = media.audioTrack
      const replaced = new Promise<string>((resolve) => media.once('track-replaced', (kind) => resolve(kind)))
      const track = await media.switchMicrophone(other.deviceId)
      const result = {
        kinds: [devices.audioInputs.length > 0, devices.videoInputs.length > 0],
        replaced: await replaced,
        newDevice: track.getSettings().deviceId === other.deviceId,
        oldState: old?.readyState,
        newState: track.readyState,
        inStream: media.stream.getAudioTracks().length === 1 && media.audioTrack === track,
      }
      media.stop()
      return result
    })
    expect(r).toEqual({
      kinds: [true, true],
      replaced: 'audio',
      newDevice: true,
      oldState: 'ended',
      newState: 'live',
      inStream: true,
    })
  })

  it('startScreen gives the fake 1280x720 screen with contentHint detail; ending it emits track-ended(screen)', async () => {
    const page = await h.newPage()
    const r = await page.evaluate(async () => {
      const { LocalMedia } = (window as unknown as { Parley: ParleyGlobal }).Parley
      const media = await LocalMedia.create({})
      const track = await media.startScreen()
      const settings = track.getSettings()
      const ended = new Promise<string>((resolve) => media.once('track-ended', resolve))
      // What the browser does when the user clicks "Stop sharing": the track ends and fires 'ended'.
      track.stop()
      track.dispatchEvent(new Event('ended'))
      return {
        size: [settings.width, settings.height],
        hint: track.contentHint,
        ended: await ended,
        state: media.screenState,
      }
    })
    expect(r).toEqual({ size: [1280, 720], hint: 'detail', ended: 'screen', state: 'off' })
  })

  it("measures the fake microphone's level through WebAudio ('level' events, 0..1, non-zero at times)", async () => {
    const page = await h.newPage()
    const r = await page.evaluate(async () => {
      const { LocalMedia } = (window as unknown as { Parley: ParleyGlobal }).Parley
      const media = await LocalMedia.create({ audio: true })
      const levels: number[] = []
      // the fake microphone beeps periodically: wait for a loud window (at most 10 s)
      const loud = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 10_000)
        const off = media.on('level', (level) => {
          levels.push(level)
          if (level > 0.01) {
            clearTimeout(timer)
            off()
            resolve(true)
          }
        })
      })
      media.stop()
      return { loud, inRange: levels.every((l) => l >= 0 && l <= 1), afterStop: media.audioLevel() }
    })
    expect(r).toEqual({ loud: true, inRange: true, afterStop: 0 })
  })
})
