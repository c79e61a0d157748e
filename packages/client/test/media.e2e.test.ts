/**
 * Room media end to end: two Chromium contexts (fake camera 640x480@20, fake screen 1280x720)
 * joined through a real signaling server on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalMedia } from '../src/index.js'
import type { ParleyGlobal } from './media/browserHarness.js'
import {
  decodedFrames,
  type JoinedPage,
  negotiations,
  openRoomHarness,
  type PageHooks,
  type RoomHarness,
  waitForRemoteVideo,
} from './media/roomHarness.js'

describe('Room media (1:1 in Chromium)', () => {
  let h: RoomHarness
  let ada: JoinedPage
  let bob: JoinedPage

  beforeAll(async () => {
    h = await openRoomHarness()
    ada = await h.join('media-1to1', 'Ada')
    bob = await h.join('media-1to1', 'Bob')
  })
  afterAll(async () => {
    await h?.close()
  })

  it('Room.join with media: each side decodes the other camera, 640x480, with frames advancing', async () => {
    await waitForRemoteVideo(bob.page, ada.peerId, 640, 480)
    await waitForRemoteVideo(ada.page, bob.peerId, 640, 480)
    const before = await decodedFrames(bob.page, ada.peerId)
    await bob.page.waitForFunction(
      ({ peerId, before }) =>
        ((window as unknown as { T: PageHooks }).T.videos[peerId]?.getVideoPlaybackQuality()
          .totalVideoFrames ?? 0) >
        before + 10,
      { peerId: ada.peerId, before },
      { timeout: 20_000 },
    )
    expect(await decodedFrames(bob.page, ada.peerId)).toBeGreaterThan(before + 10)
  })

  it('setMicrophoneEnabled / setCameraEnabled(false) disable the tracks and reach the peer as media-state', async () => {
    const local = await ada.page.evaluate(() => {
      const { room } = (window as unknown as { T: PageHooks }).T
      room.setMicrophoneEnabled(false)
      room.setCameraEnabled(false)
      return {
        state: room.mediaState,
        audioEnabled: room.localMedia?.audioTrack?.enabled,
        videoEnabled: room.localMedia?.videoTrack?.enabled,
      }
    })
    expect(local).toEqual({
      state: { audio: false, video: false, screen: false },
      audioEnabled: false,
      videoEnabled: false,
    })
    await bob.page.waitForFunction(
      (peerId) =>
        (window as unknown as { T: PageHooks }).T.room.participant(peerId)?.mediaState.video === false &&
        (window as unknown as { T: PageHooks }).T.room.participant(peerId)?.mediaState.audio === false,
      ada.peerId,
      { timeout: 10_000 },
    )
    await ada.page.evaluate(() => {
      const { room } = (window as unknown as { T: PageHooks }).T
      room.setMicrophoneEnabled(true)
      room.setCameraEnabled(true)
    })
    await bob.page.waitForFunction(
      (peerId) => {
        const s = (window as unknown as { T: PageHooks }).T.room.participant(peerId)?.mediaState
        return s?.audio === true && s.video === true
      },
      ada.peerId,
      { timeout: 10_000 },
    )
    const seen = await bob.page.evaluate(
      (peerId) =>
        (window as unknown as { T: PageHooks }).T.mediaStates
          .filter((m) => m.peerId === peerId)
          .map((m) => m.state),
      ada.peerId,
    )
    expect(seen).toContainEqual({ audio: false, video: false, screen: false })
    expect(seen.at(-1)).toEqual({ audio: true, video: true, screen: false })
  })

  it('camera → screen share → camera via replaceTrack: remote 1280x720 then 640x480, no new negotiation', async () => {
    await waitForRemoteVideo(bob.page, ada.peerId, 640, 480)
    const before = [await negotiations(ada.page, bob.peerId), await negotiations(bob.page, ada.peerId)]
    expect(before[0]).toBeGreaterThan(0)

    await ada.page.evaluate(() => (window as unknown as { T: PageHooks }).T.room.startScreenShare())
    await waitForRemoteVideo(bob.page, ada.peerId, 1280, 720)
    await bob.page.waitForFunction(
      (peerId) =>
        (window as unknown as { T: PageHooks }).T.room.participant(peerId)?.mediaState.screen === true,
      ada.peerId,
      { timeout: 10_000 },
    )

    await ada.page.evaluate(() => (window as unknown as { T: PageHooks }).T.room.stopScreenShare())
    await waitForRemoteVideo(bob.page, ada.peerId, 640, 480)
    await bob.page.waitForFunction(
      (peerId) =>
        (window as unknown as { T: PageHooks }).T.room.participant(peerId)?.mediaState.screen === false,
      ada.peerId,
      { timeout: 10_000 },
    )

    expect([await negotiations(ada.page, bob.peerId), await negotiations(bob.page, ada.peerId)]).toEqual(
      before,
    )
    const localState = await ada.page.evaluate(
      () => (window as unknown as { T: PageHooks }).T.room.mediaState,
    )
    expect(localState.screen).toBe(false)
  })

  it("restores the camera when the user ends sharing from the browser's UI (screen track ends by itself)", async () => {
    const before = await negotiations(ada.page, bob.peerId)
    await ada.page.evaluate(() => (window as unknown as { T: PageHooks }).T.room.startScreenShare())
    await waitForRemoteVideo(bob.page, ada.peerId, 1280, 720)
    await ada.page.evaluate(() => {
      const media = (window as unknown as { T: PageHooks }).T.room.localMedia as {
        screenTrack?: MediaStreamTrack
      }
      const track = media.screenTrack
      // what Chromium does when "Stop sharing" is clicked: the track ends and fires 'ended'
      track?.stop()
      track?.dispatchEvent(new Event('ended'))
    })
    await waitForRemoteVideo(bob.page, ada.peerId, 640, 480)
    await ada.page.waitForFunction(
      () => (window as unknown as { T: PageHooks }).T.room.mediaState.screen === false,
    )
    expect(await negotiations(ada.page, bob.peerId)).toBe(before)
  })

  it('LocalMedia.switchCamera / switchMicrophone during a call: the new tracks are sent by replaceTrack, no renegotiation', async () => {
    await waitForRemoteVideo(bob.page, ada.peerId, 640, 480)
    const before = await negotiations(ada.page, bob.peerId)
    const sent = await ada.page.evaluate(async (peerId) => {
      const { room } = (window as unknown as { T: PageHooks }).T
      // Room.localMedia is typed by what Room needs; Room.join({ media }) created a LocalMedia
      const media = room.localMedia as LocalMedia
      const oldCamera = media.videoTrack
      const camera = await media.switchCamera(oldCamera?.getSettings().deviceId ?? '')
      const mics = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'audioinput')
      const current = media.audioTrack?.getSettings().deviceId
      const other = mics.find((d) => d.deviceId !== current && d.deviceId !== 'default') ?? mics[0]
      const mic = await media.switchMicrophone(other?.deviceId ?? '')
      const pc = room.participant(peerId)?.peerConnection
      const senders = () => pc?.getSenders().map((s) => s.track) ?? []
      // Room resends on 'track-replaced'; replaceTrack resolves asynchronously
      const deadline = Date.now() + 10_000
      while (!(senders().includes(camera) && senders().includes(mic)) && Date.now() < deadline) {
        await new Promise((resolve) => requestAnimationFrame(resolve))
      }
      return {
        cameraSent: senders().includes(camera),
        micSent: senders().includes(mic),
        oldCameraEnded: oldCamera?.readyState === 'ended',
      }
    }, bob.peerId)
    expect(sent).toEqual({ cameraSent: true, micSent: true, oldCameraEnded: true })
    // the old camera is stopped: frames keep coming only if the new one is sent
    const frames = await decodedFrames(bob.page, ada.peerId)
    await bob.page.waitForFunction(
      ({ peerId, frames }) =>
        ((window as unknown as { T: PageHooks }).T.videos[peerId]?.getVideoPlaybackQuality()
          .totalVideoFrames ?? 0) >
        frames + 10,
      { peerId: ada.peerId, frames },
      { timeout: 20_000 },
    )
    expect(await negotiations(ada.page, bob.peerId)).toBe(before)
  })

  it("AudioLevelMeter.forTrack measures the remote participant's microphone (active-speaker indicator)", async () => {
    const r = await bob.page.evaluate(async (peerId) => {
      const { AudioLevelMeter } = (window as unknown as { Parley: ParleyGlobal }).Parley
      const { room } = (window as unknown as { T: PageHooks }).T
      const track = room.participant(peerId)?.stream?.getAudioTracks()[0]
      if (!track) return { error: 'no remote audio track' }
      const meter = AudioLevelMeter.forTrack(track)
      if (!meter) return { error: 'no meter' }
      // the fake microphone beeps periodically: wait (≤ 10 s) for a loud window
      const loud = await new Promise<number>((resolve) => {
        const timer = setInterval(() => {
          const level = meter.level()
          if (level > 0.01) {
            clearInterval(timer)
            clearTimeout(deadline)
            resolve(level)
          }
        }, 50)
        const deadline = setTimeout(() => {
          clearInterval(timer)
          resolve(0)
        }, 10_000)
      })
      meter.close()
      return { loud: loud > 0.01, inRange: loud <= 1 }
    }, ada.peerId)
    expect(r).toEqual({ loud: true, inRange: true })
  })

  it("emits 'quality' per participant: bitrate > 0 both ways, a host/udp pair, 640x480 with frames flowing (0 < fps ≤ 30)", async () => {
    await bob.page.waitForFunction(
      (peerId) =>
        ((window as unknown as { T: PageHooks }).T.quality[peerId] ?? []).some(
          (s) => s.inbound.bitrateKbps > 0 && s.outbound.bitrateKbps > 0 && s.inbound.width === 640,
        ),
      ada.peerId,
      { timeout: 20_000 },
    )
    const sample = await bob.page.evaluate(
      (peerId) =>
        ((window as unknown as { T: PageHooks }).T.quality[peerId] ?? [])
          .filter((s) => s.inbound.bitrateKbps > 0 && s.outbound.bitrateKbps > 0 && s.inbound.width === 640)
          .at(-1),
      ada.peerId,
    )
    const participantQuality = await bob.page.evaluate(
      (peerId) => (window as unknown as { T: PageHooks }).T.room.participant(peerId)?.quality !== undefined,
      ada.peerId,
    )
    expect(participantQuality).toBe(true)
    expect(sample?.path).toMatchObject({ local: 'host', remote: 'host', protocol: 'udp' })
    expect(sample?.inbound).toMatchObject({ width: 640, height: 480 })
    // frames flow; at most the fake camera's 20 fps plus jitter. How many arrive depends on the machine's
    // load (7 fps seen at load 41 on 2 cores), so no lower figure is asserted: the fps math is unit-tested.
    expect(sample?.inbound.fps).toBeGreaterThan(0)
    expect(sample?.inbound.fps).toBeLessThanOrEqual(30)
    expect(sample?.level).not.toBe('lost')
    console.log(
      `1:1 figures: out ${sample?.outbound.bitrateKbps} kbit/s, in ${sample?.inbound.bitrateKbps} kbit/s, ` +
        `${sample?.inbound.fps} fps, rtt ${sample?.rttMs} ms, level ${sample?.level}`,
    )
  })
})
