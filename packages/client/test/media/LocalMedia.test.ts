import { afterEach, describe, expect, it, vi } from 'vitest'
import { ParleyError } from '../../src/errors.js'
import { AudioLevelMeter, rms } from '../../src/media/audioLevel.js'
import { LocalMedia } from '../../src/media/LocalMedia.js'
import { mediaError } from '../../src/media/mediaErrors.js'
import { domError, env, FakeAudioContext, FakeDevices, FakeStream, FakeTrack } from './fakes.js'

async function rejection(p: Promise<unknown>): Promise<ParleyError> {
  try {
    await p
  } catch (error) {
    expect(error).toBeInstanceOf(ParleyError)
    return error as ParleyError
  }
  throw new Error('expected a rejection')
}

const av = { audio: true, video: true }

describe('LocalMedia.create error mapping', () => {
  it.each([
    ['NotAllowedError', 'PERMISSION_DENIED', /denied.*settings/],
    ['SecurityError', 'PERMISSION_DENIED', /https/],
    ['NotFoundError', 'DEVICE_NOT_FOUND', /No camera and microphone was found/],
    ['OverconstrainedError', 'DEVICE_NOT_FOUND', /requested settings/],
    ['NotReadableError', 'DEVICE_IN_USE', /in use by another application/],
    ['AbortError', 'DEVICE_IN_USE', /in use by another application/],
    ['TypeError', 'INVALID_ARGUMENT', /Invalid/],
  ])('maps a getUserMedia %s to %s with a readable message', async (name, code, message) => {
    const devices = new FakeDevices()
    const cause = domError(name)
    devices.gum = async () => {
      throw cause
    }
    const error = await rejection(LocalMedia.create(av, env(devices)))
    expect(error.code).toBe(code)
    expect(error.message).toMatch(message)
    expect(error.cause).toBe(cause)
  })

  it('names the unsatisfiable constraint of an OverconstrainedError', () => {
    const e = mediaError(domError('OverconstrainedError', '', { constraint: 'deviceId' }), 'camera')
    expect(e.message).toContain('(deviceId)')
  })

  it('rejects with MEDIA_UNSUPPORTED when navigator.mediaDevices is missing (insecure page, Node)', async () => {
    const error = await rejection(LocalMedia.create(av, { mediaDevices: undefined }))
    expect(error.code).toBe('MEDIA_UNSUPPORTED')
    expect(error.message).toMatch(/https/)
    expect((await rejection(LocalMedia.listDevices({ mediaDevices: undefined }))).code).toBe(
      'MEDIA_UNSUPPORTED',
    )
  })

  it('rejects with MEDIA_UNSUPPORTED, not a ReferenceError, where MediaStream is missing (Node)', async () => {
    const error = await rejection(LocalMedia.create({}, { mediaDevices: undefined }))
    expect(error.code).toBe('MEDIA_UNSUPPORTED')
    expect(AudioLevelMeter.forTrack(new FakeTrack('audio') as unknown as MediaStreamTrack)).toBeUndefined()
  })

  it('opens nothing when neither audio nor video is requested', async () => {
    const devices = new FakeDevices()
    const media = await LocalMedia.create({}, env(devices))
    expect(devices.gumCalls).toEqual([])
    expect(media.stream.getTracks()).toEqual([])
    expect(media.audioTrack).toBeUndefined()
  })

  it('exposes the acquired audio and video tracks in one stream', async () => {
    const media = await LocalMedia.create(av, env(new FakeDevices()))
    expect(media.audioTrack?.kind).toBe('audio')
    expect(media.videoTrack?.kind).toBe('video')
    expect(media.stream.getTracks()).toHaveLength(2)
    expect(media.state).toBe('live')
  })
})

describe('LocalMedia devices', () => {
  it('listDevices groups devices by kind', async () => {
    const list = await LocalMedia.listDevices(env(new FakeDevices()))
    expect(list.audioInputs.map((d) => d.deviceId)).toEqual(['mic1'])
    expect(list.videoInputs.map((d) => d.deviceId)).toEqual(['cam1', 'cam2'])
    expect(list.audioOutputs.map((d) => d.deviceId)).toEqual(['spk1'])
  })

  it("emits 'devicechange' with the new device list, and stops listening after stop()", async () => {
    const devices = new FakeDevices()
    const media = await LocalMedia.create(av, env(devices))
    const seen = new Promise<MediaDeviceInfo[]>((resolve) => media.once('devicechange', resolve))
    devices.fireDeviceChange()
    expect((await seen).length).toBe(4)
    media.stop()
    expect(devices.listeners.size).toBe(0)
  })

  it("emits 'track-ended' when the camera ends by itself (unplugged)", async () => {
    const media = await LocalMedia.create(av, env(new FakeDevices()))
    const ended = vi.fn()
    media.on('track-ended', ended)
    ;(media.videoTrack as unknown as FakeTrack).endExternally()
    expect(ended).toHaveBeenCalledWith('video')
  })
})

describe('LocalMedia.switchCamera / switchMicrophone', () => {
  it('opens the new device with an exact deviceId and the original constraints, then stops the old track', async () => {
    const devices = new FakeDevices()
    const media = await LocalMedia.create({ audio: true, video: { width: 640 } }, env(devices))
    const old = media.videoTrack as unknown as FakeTrack
    old.enabled = false // camera muted
    const replaced = vi.fn()
    media.on('track-replaced', replaced)
    const track = await media.switchCamera('cam2')
    expect(devices.gumCalls.at(-1)).toEqual({ video: { width: 640, deviceId: { exact: 'cam2' } } })
    expect(old.stopCalls).toBe(1)
    expect(media.videoTrack).toBe(track)
    expect(media.stream.getVideoTracks()).toEqual([track])
    expect(track.enabled).toBe(false) // mute state carried over
    expect(replaced).toHaveBeenCalledWith('video', track, old)
  })

  it('releases the busy current device and retries when the new one reports DEVICE_IN_USE', async () => {
    const devices = new FakeDevices()
    const media = await LocalMedia.create(av, env(devices))
    const old = media.audioTrack as unknown as FakeTrack
    const fallback = devices.gum
    devices.gum = async (c) => {
      if (old.readyState === 'live') throw domError('NotReadableError')
      return fallback(c)
    }
    const track = await media.switchMicrophone('mic2')
    expect(old.stopCalls).toBe(1)
    expect(media.audioTrack).toBe(track)
    expect(devices.gumCalls).toHaveLength(3)
  })

  it('keeps the current track when the new device is not found', async () => {
    const devices = new FakeDevices()
    const media = await LocalMedia.create(av, env(devices))
    const old = media.videoTrack
    devices.gum = async () => {
      throw domError('OverconstrainedError', '', { constraint: 'deviceId' })
    }
    expect((await rejection(media.switchCamera('gone'))).code).toBe('DEVICE_NOT_FOUND')
    expect(media.videoTrack).toBe(old)
    expect((old as unknown as FakeTrack).stopCalls).toBe(0)
  })

  it('serializes concurrent switches: the last one wins and every replaced track is stopped', async () => {
    const devices = new FakeDevices()
    const media = await LocalMedia.create(av, env(devices))
    const [a, b] = await Promise.all([media.switchCamera('cam1'), media.switchCamera('cam2')])
    expect(media.videoTrack).toBe(b)
    expect((a as unknown as FakeTrack).stopCalls).toBe(1)
    expect(media.stream.getVideoTracks()).toHaveLength(1)
  })

  it('rejects an empty deviceId with INVALID_ARGUMENT', async () => {
    const media = await LocalMedia.create(av, env(new FakeDevices()))
    expect((await rejection(media.switchCamera(''))).code).toBe('INVALID_ARGUMENT')
  })
})

describe('LocalMedia screen capture', () => {
  it("startScreen resolves with a 'detail' track; the browser's Stop sharing ends it with track-ended('screen')", async () => {
    const devices = new FakeDevices()
    const media = await LocalMedia.create(av, env(devices))
    const states: string[] = []
    media.on('screen-state', (s) => states.push(s))
    const ended = vi.fn()
    media.on('track-ended', ended)
    const track = await media.startScreen()
    expect(track.contentHint).toBe('detail')
    expect(media.screenTrack).toBe(track)
    expect(await media.startScreen()).toBe(track) // while sharing: same track, no second picker
    expect(devices.displayCalls).toBe(1)
    ;(track as unknown as FakeTrack).endExternally()
    expect(ended).toHaveBeenCalledWith('screen')
    expect(media.screenState).toBe('off')
    expect(media.screenTrack).toBeUndefined()
    expect(states).toEqual(['starting', 'on', 'off'])
  })

  it("stopScreen stops the track and emits track-ended('screen') once; again it does nothing", async () => {
    const media = await LocalMedia.create(av, env(new FakeDevices()))
    const track = (await media.startScreen()) as unknown as FakeTrack
    const ended = vi.fn()
    media.on('track-ended', ended)
    media.stopScreen()
    media.stopScreen()
    expect(track.stopCalls).toBe(1)
    expect(ended).toHaveBeenCalledTimes(1)
  })

  it('maps a cancelled picker to PERMISSION_DENIED and returns to off', async () => {
    const devices = new FakeDevices()
    devices.display = async () => {
      throw domError('NotAllowedError')
    }
    const media = await LocalMedia.create(av, env(devices))
    const error = await rejection(media.startScreen())
    expect(error.code).toBe('PERMISSION_DENIED')
    expect(error.message).toMatch(/Screen sharing/)
    expect(media.screenState).toBe('off')
  })

  it('rejects with MEDIA_UNSUPPORTED without getDisplayMedia', async () => {
    const devices = new FakeDevices()
    const md = devices.asMediaDevices()
    delete md.getDisplayMedia
    const media = await LocalMedia.create(av, { ...env(devices), mediaDevices: md })
    expect((await rejection(media.startScreen())).code).toBe('MEDIA_UNSUPPORTED')
  })
})

describe('LocalMedia.stop', () => {
  it('stops camera, microphone and screen once, is idempotent, and later acquisitions reject with CLOSED', async () => {
    const media = await LocalMedia.create(av, env(new FakeDevices()))
    const screen = (await media.startScreen()) as unknown as FakeTrack
    const tracks = media.stream.getTracks() as unknown as FakeTrack[]
    const states: string[] = []
    media.on('state', (s) => states.push(s))
    media.stop()
    media.stop()
    expect(tracks.map((t) => t.stopCalls)).toEqual([1, 1])
    expect(screen.stopCalls).toBe(1)
    expect(states).toEqual(['stopped'])
    expect((await rejection(media.switchCamera('cam2'))).code).toBe('CLOSED')
    expect((await rejection(media.startScreen())).code).toBe('CLOSED')
    expect(media.audioLevel()).toBe(0)
  })

  it('stops a track that arrives after stop() instead of leaking it', async () => {
    const devices = new FakeDevices()
    let release: (() => void) | undefined
    const media = await LocalMedia.create(av, env(devices))
    const late = new FakeTrack('video')
    devices.gum = () =>
      new Promise((resolve) => {
        release = () => resolve(new FakeStream([late]))
      })
    const pending = media.switchCamera('cam2')
    await vi.waitFor(() => expect(release).toBeDefined())
    media.stop()
    release?.()
    expect((await rejection(pending)).code).toBe('CLOSED')
    expect(late.stopCalls).toBe(1)
  })
})

describe('microphone level', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('rms of a full-scale square wave is 1, of silence 0, of a full-scale sine about 0.707', () => {
    expect(rms([1, -1, 1, -1])).toBe(1)
    expect(rms(new Float32Array(16))).toBe(0)
    expect(rms([])).toBe(0)
    const sine = Array.from({ length: 1000 }, (_, i) => Math.sin((2 * Math.PI * i) / 100))
    expect(rms(sine)).toBeCloseTo(Math.SQRT1_2, 3)
  })

  it('audioLevel() reads the analyser of the current microphone; 0 while muted or without WebAudio', async () => {
    const ctx = new FakeAudioContext()
    ctx.samples = [0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5]
    const media = await LocalMedia.create(av, env(new FakeDevices(), ctx))
    expect(media.audioLevel()).toBeCloseTo(0.5)
    ;(media.audioTrack as unknown as FakeTrack).enabled = false
    expect(media.audioLevel()).toBe(0)
    const noAudio = await LocalMedia.create(av, env(new FakeDevices(), undefined))
    expect(noAudio.audioLevel()).toBe(0)
  })

  it('rebuilds the meter on a new microphone and closes the audio context on stop', async () => {
    const ctx = new FakeAudioContext()
    const media = await LocalMedia.create(av, env(new FakeDevices(), ctx))
    media.audioLevel()
    const mic = await media.switchMicrophone('mic2')
    media.audioLevel()
    expect(ctx.sources.at(-1)?.getTracks()).toEqual([mic])
    expect(ctx.closed).toBe(1)
    media.stop()
    expect(ctx.closed).toBe(2)
  })

  it("emits 'level' every 100 ms while someone listens, and stops when the last listener leaves", async () => {
    vi.useFakeTimers()
    const ctx = new FakeAudioContext()
    ctx.samples = [0.1, -0.1, 0.1, -0.1, 0.1, -0.1, 0.1, -0.1]
    const media = await LocalMedia.create(av, env(new FakeDevices(), ctx))
    const levels: number[] = []
    const off = media.on('level', (l) => levels.push(l))
    vi.advanceTimersByTime(350)
    expect(levels).toHaveLength(3)
    expect(levels[0]).toBeCloseTo(0.1)
    off()
    vi.advanceTimersByTime(500)
    expect(levels).toHaveLength(3)
    expect(vi.getTimerCount()).toBe(0)
  })
})
