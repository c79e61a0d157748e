import type { DirectionFigures, QualityFigures, QualityLevel } from '../types.js'

export const LEVEL_LABEL: Record<QualityLevel, string> = {
  excellent: 'Excellent',
  good: 'Good',
  poor: 'Poor',
  lost: 'Lost',
}

export function formatBitrate(kbps: number): string {
  return kbps >= 1000 ? `${(kbps / 1000).toFixed(1)} Mbit/s` : `${Math.round(kbps)} kbit/s`
}

export function formatVideo(d: DirectionFigures): string {
  const size = d.width && d.height ? `${d.width}×${d.height}` : undefined
  const fps = d.fps !== undefined ? `${Math.round(d.fps)} fps` : undefined
  return [size, fps].filter(Boolean).join(' @ ') || '—'
}

/** "Direct" when both ends use host/reflexive candidates, "Relay (TURN)" when either uses a relay. */
export function formatPath(q: QualityFigures): string {
  const { local, remote, protocol } = q.path
  if (!local && !remote) return '—'
  const relayed = local === 'relay' || remote === 'relay'
  return `${relayed ? 'Relay (TURN)' : 'Direct'}${protocol ? ` · ${protocol.toUpperCase()}` : ''}`
}

export function formatMs(ms: number | undefined): string {
  return ms === undefined ? '—' : `${Math.round(ms)} ms`
}

export function formatPct(pct: number): string {
  return `${pct < 10 ? pct.toFixed(1) : Math.round(pct)} %`
}
