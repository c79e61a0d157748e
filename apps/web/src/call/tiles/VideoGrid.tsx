import type { CallSnapshot } from '../types.js'
import { VideoTile } from './VideoTile.js'

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
  return (
    <section
      class={strip ? 'grid grid--strip' : 'grid'}
      aria-label="Participants' video"
      data-count={Math.min(count, 9)}
    >
      <VideoTile kind="local" self={call.self} speaking={activeSpeaker === call.self.peerId} />
      {call.peers.map((peer) => (
        <VideoTile key={peer.peerId} kind="remote" peer={peer} speaking={activeSpeaker === peer.peerId} />
      ))}
    </section>
  )
}
