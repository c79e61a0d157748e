import { useEffect, useRef } from 'preact/hooks'

/**
 * A live microphone level bar driven by `level()` every animation frame (no re-renders). The bar is
 * decorative; a native <meter>, updated a few times a second, carries the value for assistive tech.
 */
export function MicMeter({ level, active }: { level: () => number; active: boolean }) {
  const bar = useRef<HTMLDivElement>(null)
  const meter = useRef<HTMLMeterElement>(null)

  useEffect(() => {
    let frame = 0
    let smoothed = 0
    let tick = 0
    const loop = () => {
      const raw = active ? Math.min(1, Math.max(0, level())) : 0
      // Perceptual scale (levels are RMS, mostly small) with fast attack and slow release.
      const target = Math.min(1, Math.sqrt(raw) * 1.6)
      smoothed = target > smoothed ? target : smoothed * 0.9 + target * 0.1
      if (bar.current) bar.current.style.clipPath = `inset(0 ${(100 - smoothed * 100).toFixed(1)}% 0 0)`
      if (meter.current && tick++ % 15 === 0) meter.current.value = Math.round(smoothed * 100)
      frame = requestAnimationFrame(loop)
    }
    frame = requestAnimationFrame(loop)
    return () => cancelAnimationFrame(frame)
  }, [level, active])

  return (
    <div class={active ? 'meter' : 'meter meter--off'} data-testid="mic-level">
      <div class="meter__bar" ref={bar} aria-hidden="true" />
      <meter class="visually-hidden" ref={meter} min={0} max={100} value={0} aria-label="Microphone level" />
    </div>
  )
}
