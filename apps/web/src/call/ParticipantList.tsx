import { Icon } from '../ui/icons.js'
import { SasCode } from './SasCode.js'
import { initials, nameHue } from './tiles/initials.js'
import type { CallSnapshot, MediaFlags } from './types.js'

const CONNECTION_LABEL = {
  new: 'Connecting…',
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  failed: 'Connection failed',
  closed: 'Disconnected',
} as const

export function ParticipantList({ call }: { call: CallSnapshot }) {
  return (
    <section class="people" aria-label="Participants">
      <ul class="people__list">
        <li class="people__item">
          <PersonHeader name={call.self.name} you media={call.self.media} status="This device" />
        </li>
        {call.peers.map((peer) => (
          <li key={peer.peerId} class="people__item" data-peer-id={peer.peerId}>
            <PersonHeader
              name={peer.name}
              you={false}
              media={peer.media}
              status={CONNECTION_LABEL[peer.connection]}
            />
            <SasCode name={peer.name} sas={peer.sas} />
          </li>
        ))}
      </ul>
      {call.peers.length === 0 ? (
        <p class="people__empty">Nobody else is here yet. Use “Invite” to share the link.</p>
      ) : null}
    </section>
  )
}

function PersonHeader({
  name,
  you,
  media,
  status,
}: {
  name: string
  you: boolean
  media: MediaFlags
  status: string
}) {
  return (
    <div class="people__head">
      <span class="avatar" aria-hidden="true" style={{ '--hue': String(nameHue(name)) }}>
        {initials(name)}
      </span>
      <span class="people__who">
        <span class="people__name">
          {name}
          {you ? ' (you)' : ''}
        </span>
        <span class="people__status">{status}</span>
      </span>
      <span class="people__media">
        <span
          role="img"
          aria-label={media.audio ? 'Microphone on' : 'Microphone off'}
          class={media.audio ? '' : 'is-off'}
        >
          <Icon name={media.audio ? 'mic' : 'mic-off'} size={16} />
        </span>
        <span
          role="img"
          aria-label={media.video ? 'Camera on' : 'Camera off'}
          class={media.video ? '' : 'is-off'}
        >
          <Icon name={media.video ? 'camera' : 'camera-off'} size={16} />
        </span>
        {media.screen ? (
          <span role="img" aria-label="Sharing the screen">
            <Icon name="screen" size={16} />
          </span>
        ) : null}
      </span>
    </div>
  )
}
