import type { CallSnapshot } from '../types.js'
import { VideoTile } from './VideoTile.js'

/** Columns for n tiles: 1 → 1, 2 → 2, 3–4 → 2, 5–6 → 3, 7–9 → 3; narrow screens stack (CSS). */
export function gridColumns(n: number): number {
  if (n <= 1) return 1
  if (n <= 4) return 2
  return 3
}

export function VideoGrid({
  call,
  activeSpeaker,
  strip = false,
}: {
  call: CallSnapshot
  activeSpeaker: string | undefined
  /** A single row beside another view (the whiteboard). */
  strip?: boolean
}) {
  const count = call.peers.length + 1
  const cols = gridColumns(count)
  const rows = Math.ceil(count / cols)
  return (
    <section
      class={strip ? 'grid grid--strip' : 'grid'}
      aria-label="Participants' video"
      data-count={count}
      style={{ '--cols': String(cols), '--rows': String(rows) }}
    >
      <VideoTile kind="local" self={call.self} speaking={activeSpeaker === call.self.peerId} />
      {call.peers.map((peer) => (
        <VideoTile key={peer.peerId} kind="remote" peer={peer} speaking={activeSpeaker === peer.peerId} />
      ))}
    </section>
  )
}
