import { useCallback, useRef, useState } from 'preact/hooks'
import { useDismiss } from '../../ui/useDismiss.js'
import type { PeerView } from '../types.js'
import { LEVEL_LABEL } from './format.js'
import { QualityPopover } from './QualityPopover.js'

/** Signal bars coloured by level; a click opens the live figures (and the identity check). */
export function QualityIndicator({ peer }: { peer: PeerView }) {
  const [open, setOpen] = useState(false)
  const root = useRef<HTMLDivElement>(null)
  const level = peer.quality?.level ?? (peer.connection === 'connected' ? 'good' : 'lost')
  const measuring = peer.quality === undefined

  useDismiss(
    open,
    root,
    useCallback(() => setOpen(false), []),
  )

  const bars = { excellent: 4, good: 3, poor: 2, lost: 0 }[level]
  const label = `Connection with ${peer.name}: ${measuring ? 'measuring' : LEVEL_LABEL[level]}. Show details`
  return (
    <div class="quality" ref={root}>
      <button
        type="button"
        class={`quality__button quality--${level}`}
        data-testid="quality-indicator"
        data-level={level}
        aria-label={label}
        title={label}
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
      >
        <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
          {[0, 1, 2, 3].map((i) => (
            <rect
              key={i}
              x={1 + i * 4}
              y={11 - i * 3}
              width="3"
              height={4 + i * 3}
              rx="0.8"
              class={i < bars ? 'quality__bar quality__bar--on' : 'quality__bar'}
            />
          ))}
        </svg>
      </button>
      {open ? <QualityPopover peer={peer} /> : null}
    </div>
  )
}
