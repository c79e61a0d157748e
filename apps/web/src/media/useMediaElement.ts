import type { RefObject } from 'preact'
import { useEffect, useRef } from 'preact/hooks'
import { useStore } from '../state/useStore.js'
import { autoplayGate } from './AutoplayGate.js'

/**
 * Attaches `stream` to a <video> and keeps it playing. `muted` elements (the local preview) play
 * silently; others play with sound, or muted while the browser blocks autoplay with sound.
 */
export function useMediaElement(
  stream: MediaStream | undefined,
  version: number,
  muted: boolean,
): RefObject<HTMLVideoElement | null> {
  const ref = useRef<HTMLVideoElement>(null)
  const attached = useRef(version)
  const { blocked } = useStore(autoplayGate)

  useEffect(() => {
    const el = ref.current
    if (!el) return
    // Re-attach when the stream's tracks changed (version), so the element renders the new ones.
    if (el.srcObject !== (stream ?? null) || version !== attached.current) {
      el.srcObject = null
      el.srcObject = stream ?? null
      attached.current = version
    }
    el.muted = muted || blocked
    if (!stream) return
    el.play().catch((error: unknown) => {
      if (!(error instanceof DOMException) || error.name !== 'NotAllowedError' || el.muted) return
      // Sound not allowed yet: play muted now, ask for a click to turn sound on.
      autoplayGate.reportBlocked()
      el.muted = true
      el.play().catch(() => {
        // still refused (or the element was detached): the next render retries
      })
    })
  }, [stream, version, muted, blocked])

  return ref
}
