import { useEffect, useRef, useState } from 'preact/hooks'
import { BOARD_HEIGHT, BOARD_WIDTH } from '../messages/appMessages.js'
import { useStore } from '../state/useStore.js'
import { Icon } from '../ui/icons.js'
import { drawStrokes } from './drawStrokes.js'
import { BOARD_BACKGROUND, PEN_COLORS, PEN_WIDTHS } from './palette.js'
import type { WhiteboardStore } from './WhiteboardStore.js'

/** The shared canvas: draw with a mouse, pen or finger; everyone sees the same board. */
export function Whiteboard({ board }: { board: WhiteboardStore }) {
  const { version, strokeCount } = useStore(board)
  const canvas = useRef<HTMLCanvasElement>(null)
  const [color, setColor] = useState<string>(PEN_COLORS[0].value)
  const [width, setWidth] = useState<number>(PEN_WIDTHS[0].value)
  const [size, setSize] = useState({ w: 0, h: 0 })

  // Match the bitmap to the element's size on screen (sharp lines at any size and pixel ratio).
  useEffect(() => {
    const el = canvas.current
    if (!el) return
    const observer = new ResizeObserver(() => {
      const dpr = window.devicePixelRatio || 1
      const w = Math.max(1, Math.round(el.clientWidth * dpr))
      const h = Math.max(1, Math.round(el.clientHeight * dpr))
      setSize((s) => (s.w === w && s.h === h ? s : { w, h }))
    })
    observer.observe(el)
    return () => observer.disconnect()
  }, [])

  useEffect(() => {
    const el = canvas.current
    const ctx = el?.getContext('2d')
    if (!el || !ctx || size.w === 0) return
    const frame = requestAnimationFrame(() => {
      if (el.width !== size.w) el.width = size.w
      if (el.height !== size.h) el.height = size.h
      ctx.setTransform(1, 0, 0, 1, 0, 0)
      ctx.fillStyle = BOARD_BACKGROUND
      ctx.fillRect(0, 0, el.width, el.height)
      ctx.setTransform(el.width / BOARD_WIDTH, 0, 0, el.height / BOARD_HEIGHT, 0, 0)
      drawStrokes(ctx, board.strokes())
    })
    return () => cancelAnimationFrame(frame)
  }, [board, version, size])

  const toBoard = (el: HTMLCanvasElement, e: PointerEvent): [number, number] => {
    const rect = el.getBoundingClientRect()
    return [
      ((e.clientX - rect.left) / rect.width) * BOARD_WIDTH,
      ((e.clientY - rect.top) / rect.height) * BOARD_HEIGHT,
    ]
  }

  const onDown = (e: PointerEvent) => {
    if (e.button !== 0) return
    e.preventDefault()
    const el = e.currentTarget as HTMLCanvasElement
    el.setPointerCapture(e.pointerId)
    const [x, y] = toBoard(el, e)
    board.begin(x, y, color, width)
  }
  const onMove = (e: PointerEvent) => {
    const el = e.currentTarget as HTMLCanvasElement
    if (!el.hasPointerCapture(e.pointerId)) return
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : []
    for (const ev of events.length > 0 ? events : [e]) {
      const [x, y] = toBoard(el, ev)
      board.extend(x, y)
    }
  }
  const onUp = (e: PointerEvent) => {
    const el = e.currentTarget as HTMLCanvasElement
    if (el.hasPointerCapture(e.pointerId)) el.releasePointerCapture(e.pointerId)
    board.end()
  }

  return (
    <section class="board" aria-label="Whiteboard">
      <div class="board__toolbar" role="toolbar" aria-label="Whiteboard tools">
        <fieldset class="board__tools">
          <legend class="visually-hidden">Pen colour</legend>
          {PEN_COLORS.map((c) => (
            <label key={c.value} class="swatch" title={c.name} style={{ '--swatch': c.value }}>
              <input
                type="radio"
                name="pen-color"
                class="visually-hidden"
                aria-label={c.name}
                checked={color === c.value}
                onChange={() => setColor(c.value)}
              />
              <span class="swatch__dot" aria-hidden="true" />
            </label>
          ))}
        </fieldset>
        <fieldset class="board__tools">
          <legend class="visually-hidden">Pen width</legend>
          {PEN_WIDTHS.map((w) => (
            <label key={w.value} class="pen-width" title={`${w.name} pen`}>
              <input
                type="radio"
                name="pen-width"
                class="visually-hidden"
                aria-label={`${w.name} pen`}
                checked={width === w.value}
                onChange={() => setWidth(w.value)}
              />
              <span
                class="pen-width__dot"
                aria-hidden="true"
                style={{ width: `${Math.min(18, w.value + 2)}px`, height: `${Math.min(18, w.value + 2)}px` }}
              />
            </label>
          ))}
        </fieldset>
        <button
          type="button"
          class="btn btn--ghost btn--small"
          data-testid="whiteboard-clear"
          onClick={() => board.clear()}
          disabled={strokeCount === 0}
        >
          <Icon name="trash" size={16} /> Clear for everyone
        </button>
      </div>
      <div class="board__surface">
        <canvas
          ref={canvas}
          class="board__canvas"
          data-testid="whiteboard-canvas"
          data-stroke-count={strokeCount}
          role="img"
          aria-label={`Shared whiteboard, ${strokeCount} ${strokeCount === 1 ? 'stroke' : 'strokes'}`}
          onPointerDown={onDown}
          onPointerMove={onMove}
          onPointerUp={onUp}
          onPointerCancel={onUp}
        />
      </div>
    </section>
  )
}
