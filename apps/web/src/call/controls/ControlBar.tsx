import type { ComponentChildren } from 'preact'
import type { MediaFlags } from '../types.js'
import { ControlButton } from './ControlButton.js'
import { type ShortcutAction, shortcutLabel } from './shortcuts.js'

export type SidePanel = 'chat' | 'people' | null

export function ControlBar({
  media,
  canPublish,
  canShareScreen,
  panel,
  boardOpen,
  unread,
  boardActivity,
  busy,
  extra,
  onAction,
}: {
  media: MediaFlags
  /** False when the person joined without camera/microphone access. */
  canPublish: { audio: boolean; video: boolean }
  canShareScreen: boolean
  panel: SidePanel
  boardOpen: boolean
  unread: number
  boardActivity: boolean
  /** A screen share is starting or stopping. */
  busy: boolean
  /** More buttons for the middle group (e.g. send files). */
  extra?: ComponentChildren
  onAction: (action: ShortcutAction) => void
}) {
  return (
    <nav class="controls" aria-label="Call controls">
      <div class="controls__group">
        <ControlButton
          icon={media.audio ? 'mic' : 'mic-off'}
          label="Microphone"
          shortcut={shortcutLabel('toggle-mic')}
          pressed={media.audio}
          tone={media.audio ? 'normal' : 'off'}
          testId="toggle-mic"
          disabled={!canPublish.audio}
          onClick={() => onAction('toggle-mic')}
        />
        <ControlButton
          icon={media.video ? 'camera' : 'camera-off'}
          label="Camera"
          shortcut={shortcutLabel('toggle-camera')}
          pressed={media.video}
          tone={media.video ? 'normal' : 'off'}
          testId="toggle-camera"
          disabled={!canPublish.video}
          onClick={() => onAction('toggle-camera')}
        />
        <ControlButton
          icon={media.screen ? 'screen-off' : 'screen'}
          label={media.screen ? 'Stop sharing screen' : 'Share screen'}
          shortcut={shortcutLabel('toggle-screen')}
          pressed={media.screen}
          tone={media.screen ? 'active' : 'normal'}
          testId="toggle-screen"
          disabled={!canShareScreen || busy}
          onClick={() => onAction('toggle-screen')}
        />
      </div>
      <div class="controls__group">
        <ControlButton
          icon="chat"
          label="Chat"
          shortcut={shortcutLabel('toggle-chat')}
          pressed={panel === 'chat'}
          tone={panel === 'chat' ? 'active' : 'normal'}
          testId="toggle-chat"
          {...(unread > 0 ? { badge: unread } : {})}
          onClick={() => onAction('toggle-chat')}
        />
        <ControlButton
          icon="users"
          label="Participants"
          shortcut={shortcutLabel('toggle-people')}
          pressed={panel === 'people'}
          tone={panel === 'people' ? 'active' : 'normal'}
          testId="toggle-people"
          onClick={() => onAction('toggle-people')}
        />
        <ControlButton
          icon="board"
          label="Whiteboard"
          shortcut={shortcutLabel('toggle-board')}
          pressed={boardOpen}
          tone={boardOpen ? 'active' : 'normal'}
          testId="toggle-board"
          onClick={() => onAction('toggle-board')}
        >
          {boardActivity && !boardOpen ? <span class="ctrl__dot" aria-hidden="true" /> : null}
        </ControlButton>
        {extra}
      </div>
      <div class="controls__group">
        <ControlButton
          icon="leave"
          label="Leave call"
          shortcut={shortcutLabel('leave')}
          tone="danger"
          testId="leave-button"
          onClick={() => onAction('leave')}
        />
      </div>
    </nav>
  )
}
