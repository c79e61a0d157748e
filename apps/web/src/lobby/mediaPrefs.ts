/** The camera/microphone choices of the last lobby, so the next call starts the same way. */
export interface MediaPrefs {
  readonly audio: boolean
  readonly video: boolean
  readonly audioDeviceId: string | undefined
  readonly videoDeviceId: string | undefined
}

const KEY = 'parley:media-prefs'
export const DEFAULT_PREFS: MediaPrefs = {
  audio: true,
  video: true,
  audioDeviceId: undefined,
  videoDeviceId: undefined,
}

export function loadMediaPrefs(): MediaPrefs {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(KEY) ?? 'null')
    if (typeof v !== 'object' || v === null) return DEFAULT_PREFS
    const o = v as Record<string, unknown>
    const id = (x: unknown) => (typeof x === 'string' && x.length > 0 && x.length < 512 ? x : undefined)
    return {
      audio: typeof o.audio === 'boolean' ? o.audio : true,
      video: typeof o.video === 'boolean' ? o.video : true,
      audioDeviceId: id(o.audioDeviceId),
      videoDeviceId: id(o.videoDeviceId),
    }
  } catch {
    return DEFAULT_PREFS
  }
}

export function saveMediaPrefs(prefs: MediaPrefs): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(prefs))
  } catch {
    // not remembered
  }
}
