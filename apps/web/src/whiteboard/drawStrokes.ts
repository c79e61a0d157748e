import type { StrokeWire } from '../messages/appMessages.js'

/** Paints strokes (board coordinates) onto a 2D context already scaled to board units. */
export function drawStrokes(ctx: CanvasRenderingContext2D, strokes: readonly StrokeWire[]): void {
  ctx.lineCap = 'round'
  ctx.lineJoin = 'round'
  for (const s of strokes) {
    const p = s.points
    if (p.length < 2) continue
    ctx.strokeStyle = s.color
    ctx.fillStyle = s.color
    ctx.lineWidth = s.width
    if (p.length === 2) {
      ctx.beginPath()
      ctx.arc(p[0] ?? 0, p[1] ?? 0, s.width / 2, 0, Math.PI * 2)
      ctx.fill()
      continue
    }
    ctx.beginPath()
    ctx.moveTo(p[0] ?? 0, p[1] ?? 0)
    for (let i = 2; i < p.length; i += 2) ctx.lineTo(p[i] ?? 0, p[i + 1] ?? 0)
    ctx.stroke()
  }
}
