/**
 * TEMPORARY stand-in until @parley/client's Room and LocalMedia are merged: the lobby preview works
 * through getUserMedia, joining reports that calls are not available yet. Replaced by parley.ts.
 */
import type { LocalMediaPort, MediaPort } from './ports.js'
import type { Sdk } from './Sdk.js'

function wrap(stream: MediaStream): LocalMediaPort {
  return {
    stream,
    get audioTrack() {
      return stream.getAudioTracks()[0]
    },
    get videoTrack() {
      return stream.getVideoTracks()[0]
    },
    switchCamera: () => Promise.reject(new Error('not available yet')),
    switchMicrophone: () => Promise.reject(new Error('not available yet')),
    audioLevel: () => 0,
    stop: () => {
      for (const t of stream.getTracks()) t.stop()
    },
  }
}

const media: MediaPort = {
  create: async (r) => wrap(await navigator.mediaDevices.getUserMedia({ audio: r.audio, video: r.video })),
  listDevices: async () => {
    const d = await navigator.mediaDevices.enumerateDevices()
    return {
      audioInputs: d.filter((x) => x.kind === 'audioinput'),
      videoInputs: d.filter((x) => x.kind === 'videoinput'),
    }
  },
}

export const sdk: Sdk = {
  media,
  joinRoom: () =>
    Promise.reject(Object.assign(new Error('calls are not available yet'), { code: 'UNAVAILABLE' })),
}
