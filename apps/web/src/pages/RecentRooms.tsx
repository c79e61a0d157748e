import type { RecentRoom } from '../rooms/recentRooms.js'
import { roomPath } from '../routing/route.js'
import { navigate } from '../routing/useRoute.js'
import { Icon } from '../ui/icons.js'

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

export function RecentRooms({
  rooms,
  onForget,
}: {
  rooms: readonly RecentRoom[]
  onForget: (code: string) => void
}) {
  if (rooms.length === 0) return null
  return (
    <section class="recent" aria-labelledby="recent-title">
      <h2 id="recent-title" class="section-title">
        Recent rooms
      </h2>
      <ul class="recent__list">
        {rooms.map((room) => (
          <li key={room.code} class="recent__item">
            <a
              class="recent__link"
              href={roomPath(room.code)}
              onClick={(e) => {
                e.preventDefault()
                navigate(roomPath(room.code))
              }}
            >
              <span class="recent__code">{room.code}</span>
              <span class="recent__when">{dateFormat.format(room.joinedAt)}</span>
            </a>
            <button
              type="button"
              class="btn btn--icon btn--ghost"
              aria-label={`Remove ${room.code} from recent rooms`}
              title="Remove from recent rooms"
              onClick={() => onForget(room.code)}
            >
              <Icon name="close" size={16} />
            </button>
          </li>
        ))}
      </ul>
    </section>
  )
}
