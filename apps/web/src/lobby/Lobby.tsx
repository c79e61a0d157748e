import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { initials, nameHue } from '../call/tiles/initials.js'
import { useMediaElement } from '../media/useMediaElement.js'
import { loadDisplayName, MAX_NAME_LENGTH } from '../rooms/displayName.js'
import { explainMediaError } from '../sdk/mediaErrors.js'
import type { DeviceLists, LocalMediaPort, MediaPort } from '../sdk/ports.js'
import { Brand } from '../ui/Brand.js'
import { Icon } from '../ui/icons.js'
import { acquireMedia } from './acquireMedia.js'
import { DevicePicker } from './DevicePicker.js'
import { MediaErrorCard } from './MediaErrorCard.js'
import { MicMeter } from './MicMeter.js'
import { loadMediaPrefs, type MediaPrefs, saveMediaPrefs } from './mediaPrefs.js'

export interface JoinChoice {
  readonly name: string
  /** Handed over to the call, which stops it when the call ends. */
  readonly local: LocalMediaPort | undefined
  readonly audio: boolean
  readonly video: boolean
}

type Preview =
  | { readonly kind: 'starting' }
  | {
      readonly kind: 'ready'
      readonly local: LocalMediaPort
      readonly missing: 'audio' | 'video' | undefined
      readonly version: number
    }
  | { readonly kind: 'failed'; readonly error: unknown }

const NO_DEVICES: DeviceLists = { audioInputs: [], videoInputs: [] }

export function Lobby({
  code,
  initialName,
  media,
  onJoin,
}: {
  code: string
  initialName: string | undefined
  media: MediaPort
  onJoin: (choice: JoinChoice) => void
}) {
  const [name, setName] = useState(() => initialName ?? loadDisplayName())
  const [nameError, setNameError] = useState(false)
  const [prefs, setPrefs] = useState<MediaPrefs>(loadMediaPrefs)
  const [preview, setPreview] = useState<Preview>({ kind: 'starting' })
  const [devices, setDevices] = useState<DeviceLists>(NO_DEVICES)
  const [attempt, setAttempt] = useState(0)
  const handedOver = useRef(false)

  // Open camera and microphone (again on "Try again"); stop them if the lobby goes away.
  useEffect(() => {
    let cancelled = false
    let opened: LocalMediaPort | undefined
    setPreview({ kind: 'starting' })
    acquireMedia(media, loadMediaPrefs()).then((result) => {
      if (cancelled) {
        if (result.ok) result.local.stop()
        return
      }
      if (!result.ok) {
        setPreview({ kind: 'failed', error: result.error })
        return
      }
      opened = result.local
      setPreview({ kind: 'ready', local: result.local, missing: result.missing, version: 0 })
    })
    return () => {
      cancelled = true
      if (opened && !handedOver.current) opened.stop()
    }
  }, [media, attempt])

  // Device lists (labels appear once permission is granted) and hot-plugging.
  useEffect(() => {
    let cancelled = false
    const refresh = () =>
      media
        .listDevices()
        .then((d) => {
          if (!cancelled) setDevices(d)
        })
        .catch(() => {
          // no device list: the pickers stay empty and disabled
        })
    refresh()
    navigator.mediaDevices?.addEventListener('devicechange', refresh)
    return () => {
      cancelled = true
      navigator.mediaDevices?.removeEventListener('devicechange', refresh)
    }
  }, [media, preview.kind])

  const local = preview.kind === 'ready' ? preview.local : undefined
  const hasAudio = local?.audioTrack !== undefined
  const hasVideo = local?.videoTrack !== undefined
  const audioOn = hasAudio && prefs.audio
  const videoOn = hasVideo && prefs.video

  // The preview follows the toggles (the call applies them through the SDK after joining).
  useEffect(() => {
    if (local?.audioTrack) local.audioTrack.enabled = prefs.audio
    if (local?.videoTrack) local.videoTrack.enabled = prefs.video
  }, [local, prefs.audio, prefs.video])

  const updatePrefs = (change: Partial<MediaPrefs>) => {
    const next = { ...prefs, ...change }
    setPrefs(next)
    saveMediaPrefs(next)
  }

  const switchDevice = async (kind: 'audio' | 'video', deviceId: string) => {
    if (!local) return
    try {
      if (kind === 'audio') await local.switchMicrophone(deviceId)
      else await local.switchCamera(deviceId)
      updatePrefs(kind === 'audio' ? { audioDeviceId: deviceId } : { videoDeviceId: deviceId })
      setPreview((p) => (p.kind === 'ready' ? { ...p, version: p.version + 1 } : p))
    } catch (error) {
      setPreview({ kind: 'failed', error })
    }
  }

  const join = (e: Event) => {
    e.preventDefault()
    const trimmed = name.trim()
    if (trimmed === '') {
      setNameError(true)
      return
    }
    handedOver.current = local !== undefined
    onJoin({ name: trimmed, local, audio: audioOn, video: videoOn })
  }

  const level = useCallback(() => local?.audioLevel() ?? 0, [local])
  const videoRef = useMediaElement(local?.stream, preview.kind === 'ready' ? preview.version : 0, true)

  return (
    <div class="lobby">
      <header class="lobby__header">
        <Brand />
      </header>
      <main class="lobby__main">
        <section class="lobby__preview" aria-label="Camera preview">
          <div class="preview">
            <video
              ref={videoRef}
              class={`preview__video${videoOn ? '' : ' preview__video--hidden'}`}
              autoplay
              playsInline
              muted
              aria-label="Your camera"
            />
            {preview.kind === 'starting' ? (
              <div class="preview__overlay" role="status">
                <span class="spinner" aria-hidden="true" />
                Starting camera and microphone…
              </div>
            ) : preview.kind === 'failed' ? (
              <div class="preview__overlay">
                <MediaErrorCard
                  explanation={explainMediaError(preview.error)}
                  onRetry={() => setAttempt((a) => a + 1)}
                />
              </div>
            ) : videoOn ? null : (
              <div class="preview__overlay">
                <span
                  class="avatar avatar--large"
                  aria-hidden="true"
                  style={{ '--hue': String(nameHue(name || '?')) }}
                >
                  {initials(name || '?')}
                </span>
                <span class="preview__note">{hasVideo ? 'Camera is off' : 'No camera'}</span>
              </div>
            )}
            <div class="preview__controls">
              <button
                type="button"
                class={`ctrl ctrl--${audioOn ? 'normal' : 'off'}`}
                data-testid="toggle-mic"
                aria-label="Microphone"
                aria-pressed={audioOn ? 'true' : 'false'}
                title={audioOn ? 'Turn microphone off' : 'Turn microphone on'}
                disabled={!hasAudio}
                onClick={() => updatePrefs({ audio: !prefs.audio })}
              >
                <Icon name={audioOn ? 'mic' : 'mic-off'} size={22} />
              </button>
              <button
                type="button"
                class={`ctrl ctrl--${videoOn ? 'normal' : 'off'}`}
                data-testid="toggle-camera"
                aria-label="Camera"
                aria-pressed={videoOn ? 'true' : 'false'}
                title={videoOn ? 'Turn camera off' : 'Turn camera on'}
                disabled={!hasVideo}
                onClick={() => updatePrefs({ video: !prefs.video })}
              >
                <Icon name={videoOn ? 'camera' : 'camera-off'} size={22} />
              </button>
            </div>
          </div>
          <div class="lobby__meter">
            <Icon name={audioOn ? 'mic' : 'mic-off'} size={16} />
            <MicMeter level={level} active={audioOn} />
          </div>
          {preview.kind === 'ready' && preview.missing ? (
            <p class="lobby__hint" role="status">
              {preview.missing === 'video'
                ? 'No camera found: you will join with your microphone only.'
                : 'No microphone found: others will see you but not hear you.'}
            </p>
          ) : null}
        </section>

        <form class="lobby__form card" onSubmit={join} noValidate>
          <div>
            <p class="lobby__eyebrow">Ready to join?</p>
            <h1 class="lobby__title">
              Room <span class="lobby__code">{code}</span>
            </h1>
          </div>
          <label class="field">
            <span class="field__label">Your name</span>
            <input
              class="input"
              data-testid="name-input"
              value={name}
              maxLength={MAX_NAME_LENGTH}
              autocomplete="name"
              placeholder="How others will see you"
              aria-invalid={nameError ? 'true' : 'false'}
              aria-describedby={nameError ? 'name-error' : undefined}
              onInput={(e) => {
                setName(e.currentTarget.value)
                setNameError(false)
              }}
            />
            {nameError ? (
              <span id="name-error" class="field__error" role="alert">
                Enter the name others will see.
              </span>
            ) : null}
          </label>
          <DevicePicker
            label="Camera"
            testId="camera-select"
            devices={devices.videoInputs}
            value={local?.videoTrack?.getSettings().deviceId ?? prefs.videoDeviceId}
            disabled={!hasVideo}
            onChange={(id) => switchDevice('video', id)}
          />
          <DevicePicker
            label="Microphone"
            testId="microphone-select"
            devices={devices.audioInputs}
            value={local?.audioTrack?.getSettings().deviceId ?? prefs.audioDeviceId}
            disabled={!hasAudio}
            onChange={(id) => switchDevice('audio', id)}
          />
          <button
            type="submit"
            class="btn btn--primary btn--large"
            data-testid="join-button"
            disabled={preview.kind === 'starting'}
          >
            {preview.kind === 'failed' ? 'Join without camera and microphone' : 'Join now'}
          </button>
          <p class="lobby__small">
            {audioOn ? 'Microphone on' : 'Microphone off'} · {videoOn ? 'camera on' : 'camera off'}. You can
            change this during the call.
          </p>
        </form>
      </main>
    </div>
  )
}
