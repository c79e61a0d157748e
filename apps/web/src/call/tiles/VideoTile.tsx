import { useMediaElement } from '../../media/useMediaElement.js'
import { Icon } from '../../ui/icons.js'
import { QualityIndicator } from '../quality/QualityIndicator.js'
import type { PeerView, SelfView } from '../types.js'
import { initials, nameHue } from './initials.js'

type Props =
  | { kind: 'local'; self: SelfView; speaking: boolean }
  | { kind: 'remote'; peer: PeerView; speaking: boolean }

/** One participant: video (or an avatar when the camera is off), name, mic state, connection. */
export function VideoTile(props: Props) {
  const local = props.kind === 'local'
  const who = local ? props.self : props.peer
  const { media, stream, streamVersion, name } = who
  const ref = useMediaElement(stream, streamVersion, local)
  const connection = local ? 'connected' : props.peer.connection
  const hasVideo = (media.video || media.screen) && stream !== undefined && stream.getVideoTracks().length > 0
  const label = local ? `${name} (you)` : name

  return (
    <figure
      class={`tile${props.speaking ? ' tile--speaking' : ''}${media.screen ? ' tile--screen' : ''}${local ? ' tile--local' : ''}`}
      data-testid={local ? 'local-tile' : 'participant-tile'}
      data-peer-id={who.peerId}
      data-speaking={props.speaking ? 'true' : 'false'}
      aria-label={label}
    >
      <video
        ref={ref}
        class={`tile__video${local && !media.screen ? ' tile__video--mirror' : ''}${hasVideo ? '' : ' tile__video--hidden'}`}
        autoplay
        playsInline
        muted={local}
      />
      {hasVideo ? null : (
        <div class="tile__avatar" aria-hidden="true" style={{ '--hue': String(nameHue(name)) }}>
          <span>{initials(name)}</span>
        </div>
      )}
      {connection === 'reconnecting' || connection === 'connecting' || connection === 'new' ? (
        <div class="tile__status" role="status">
          <span class="spinner spinner--small" aria-hidden="true" />
          {connection === 'reconnecting' ? 'Reconnecting…' : 'Connecting…'}
        </div>
      ) : connection === 'failed' ? (
        <div class="tile__status tile__status--error" role="status">
          Connection failed
        </div>
      ) : null}
      <figcaption class="tile__caption">
        {media.audio ? null : local ? (
          <span class="tile__muted" role="img" aria-label="Your microphone is off">
            <Icon name="mic-off" size={14} />
          </span>
        ) : (
          <span class="tile__muted" data-testid="muted-indicator" role="img" aria-label={`${name} is muted`}>
            <Icon name="mic-off" size={14} />
          </span>
        )}
        {media.screen ? (
          <span class="tile__badge" title="Sharing the screen">
            <Icon name="screen" size={14} />
            <span class="visually-hidden">Sharing the screen</span>
          </span>
        ) : null}
        <span class="tile__name">{label}</span>
      </figcaption>
      {local ? null : (
        <div class="tile__corner">
          <QualityIndicator peer={props.peer} />
        </div>
      )}
    </figure>
  )
}
