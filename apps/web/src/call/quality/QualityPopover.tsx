import { SasCode } from '../SasCode.js'
import type { PeerView } from '../types.js'
import { formatBitrate, formatMs, formatPath, formatPct, formatVideo, LEVEL_LABEL } from './format.js'
import { Sparkline } from './Sparkline.js'

export function QualityPopover({ peer }: { peer: PeerView }) {
  const q = peer.quality
  return (
    <div class="popover quality__popover" role="dialog" aria-label={`Connection with ${peer.name}`}>
      <div class="popover__title">
        Connection with {peer.name}
        <span class={`pill pill--${q?.level ?? 'none'}`}>{q ? LEVEL_LABEL[q.level] : 'Measuring…'}</span>
      </div>
      <div class="popover__caption">Receiving, last minute</div>
      <Sparkline
        values={peer.bitrateHistory}
        label="Incoming bitrate over the last minute"
        width={232}
        height={44}
      />
      {q ? (
        <dl class="stats">
          <dt>Receiving</dt>
          <dd>{formatBitrate(q.inbound.bitrateKbps)}</dd>
          <dt>Sending</dt>
          <dd>{formatBitrate(q.outbound.bitrateKbps)}</dd>
          <dt>Packet loss</dt>
          <dd>
            ↓ {formatPct(q.inbound.packetsLostPct)} · ↑ {formatPct(q.outbound.packetsLostPct)}
          </dd>
          <dt>Round trip</dt>
          <dd>{formatMs(q.rttMs)}</dd>
          <dt>Video in</dt>
          <dd>{formatVideo(q.inbound)}</dd>
          <dt>Video out</dt>
          <dd>{formatVideo(q.outbound)}</dd>
          <dt>Path</dt>
          <dd>{formatPath(q)}</dd>
        </dl>
      ) : (
        <p class="popover__text">The first figures arrive a few seconds after the connection opens.</p>
      )}
      <SasCode name={peer.name} sas={peer.sas} />
    </div>
  )
}
