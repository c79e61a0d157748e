import { useState } from 'preact/hooks'
import { forgetRoom, loadRecentRooms, type RecentRoom } from '../rooms/recentRooms.js'
import { createRoomCode, parseRoomInput } from '../rooms/roomCode.js'
import { roomPath } from '../routing/route.js'
import { navigate } from '../routing/useRoute.js'
import { Brand } from '../ui/Brand.js'
import { Icon } from '../ui/icons.js'
import { RecentRooms } from './RecentRooms.js'

export function HomePage({ notice }: { notice?: string | undefined }) {
  const [input, setInput] = useState('')
  const [error, setError] = useState<string | undefined>(undefined)
  const [recent, setRecent] = useState<RecentRoom[]>(loadRecentRooms)

  const join = (event: Event) => {
    event.preventDefault()
    const code = parseRoomInput(input)
    if (!code) {
      setError(
        input.trim() === ''
          ? 'Type a room code or paste an invitation link.'
          : 'That is not a room code or a Parley link. Codes look like “bafo-kuni-teza” and use letters, digits, - and _.',
      )
      return
    }
    navigate(roomPath(code))
  }

  return (
    <div class="home">
      <header class="home__header">
        <Brand />
      </header>
      <main class="home__main">
        <section class="home__hero">
          <h1>Meet face to face, straight from browser to browser.</h1>
          <p class="home__lead">
            Video calls, screen sharing, chat, a shared whiteboard and file transfer. Audio, video and files
            travel directly between participants — the server only introduces you.
          </p>
        </section>
        {notice ? (
          <p class="banner banner--warn" role="alert">
            <Icon name="alert" /> {notice}
          </p>
        ) : null}
        <section class="home__actions card" aria-label="Start or join a room">
          <button
            type="button"
            class="btn btn--primary btn--large"
            data-testid="create-room"
            onClick={() => navigate(roomPath(createRoomCode()))}
          >
            <Icon name="plus" /> New room
          </button>
          <div class="home__divider" aria-hidden="true">
            <span>or join one</span>
          </div>
          <form class="home__join" onSubmit={join} noValidate>
            <label class="field">
              <span class="field__label">Room code or link</span>
              <input
                class="input"
                data-testid="room-input"
                value={input}
                placeholder="bafo-kuni-teza"
                autocomplete="off"
                autocapitalize="off"
                spellcheck={false}
                aria-invalid={error ? 'true' : 'false'}
                aria-describedby={error ? 'join-error' : undefined}
                onInput={(e) => {
                  setInput(e.currentTarget.value)
                  setError(undefined)
                }}
              />
            </label>
            <button type="submit" class="btn btn--secondary" data-testid="room-join">
              Join <Icon name="arrow-right" />
            </button>
          </form>
          {error ? (
            <p id="join-error" class="field__error" role="alert">
              {error}
            </p>
          ) : null}
        </section>
        <RecentRooms rooms={recent} onForget={(code) => setRecent(forgetRoom(code))} />
      </main>
      <footer class="home__footer">
        <Icon name="shield" size={16} /> End-to-end encrypted media (DTLS-SRTP). Check the identity code with
        each person in the call.
      </footer>
    </div>
  )
}
