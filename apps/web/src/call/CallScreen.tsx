import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { ChatPanel } from '../chat/ChatPanel.js'
import { autoplayGate } from '../media/AutoplayGate.js'
import { useStore } from '../state/useStore.js'
import { SendFilesButton } from '../transfer/SendFilesButton.js'
import { TransferList } from '../transfer/TransferList.js'
import type { TransferSource } from '../transfer/TransferSource.js'
import { useFileDrop } from '../transfer/useFileDrop.js'
import { Brand } from '../ui/Brand.js'
import { Icon } from '../ui/icons.js'
import { Whiteboard } from '../whiteboard/Whiteboard.js'
import type { CallController } from './CallController.js'
import { ControlBar, type SidePanel } from './controls/ControlBar.js'
import { type ShortcutAction, shortcutFor } from './controls/shortcuts.js'
import { InviteButton } from './header/InviteButton.js'
import { ShortcutsHelp } from './header/ShortcutsHelp.js'
import { Notices } from './Notices.js'
import { ParticipantList } from './ParticipantList.js'
import { VideoGrid } from './tiles/VideoGrid.js'

const NO_TRANSFERS = { get: () => [] as const, subscribe: () => () => {} }

export function CallScreen({
  controller,
  transfers,
  code,
  onLeave,
}: {
  controller: CallController
  /** File transfers of this call, when the transfer engine is available. */
  transfers?: TransferSource | undefined
  code: string
  /** Called once the room has been left through the leave button or shortcut. */
  onLeave: () => void
}) {
  const call = useStore(controller)
  const chat = useStore(controller.chat)
  const board = useStore(controller.board)
  const notices = useStore(controller.notices)
  const { speaker } = useStore(controller.speakers)
  const { blocked: soundBlocked } = useStore(autoplayGate)
  const [panel, setPanel] = useState<SidePanel>(null)
  const [boardOpen, setBoardOpen] = useState(false)
  const [inviteOpen, setInviteOpen] = useState(false)
  const [helpOpen, setHelpOpen] = useState(false)
  const [screenBusy, setScreenBusy] = useState(false)
  const boardSeen = useRef(board.version)
  const transferList = useStore(transfers ?? NO_TRANSFERS)
  const dragging = useFileDrop(transfers !== undefined && call.peers.length > 0, (files) =>
    transfers?.send(files, 'everyone'),
  )

  useEffect(() => controller.chat.setOpen(panel === 'chat'), [controller, panel])
  if (boardOpen) boardSeen.current = board.version
  const boardActivity = !boardOpen && board.version > boardSeen.current

  const canPublish = {
    audio: controller.local?.audioTrack !== undefined,
    video: controller.local?.videoTrack !== undefined,
  }
  const canShareScreen = typeof navigator.mediaDevices?.getDisplayMedia === 'function' && canPublish.video

  const act = useCallback(
    (action: ShortcutAction) => {
      switch (action) {
        case 'toggle-mic':
          if (canPublish.audio) controller.toggleMic()
          break
        case 'toggle-camera':
          if (canPublish.video) controller.toggleCamera()
          break
        case 'toggle-screen':
          if (!canShareScreen || screenBusy) break
          setScreenBusy(true)
          void controller.toggleScreen().finally(() => setScreenBusy(false))
          break
        case 'toggle-chat':
          setPanel((p) => (p === 'chat' ? null : 'chat'))
          break
        case 'toggle-people':
          setPanel((p) => (p === 'people' ? null : 'people'))
          break
        case 'toggle-board':
          setBoardOpen((o) => !o)
          break
        case 'invite':
          setInviteOpen((o) => !o)
          break
        case 'help':
          setHelpOpen((o) => !o)
          break
        case 'leave':
          void controller.leave().finally(onLeave)
          break
      }
    },
    [controller, onLeave, canPublish.audio, canPublish.video, canShareScreen, screenBusy],
  )

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.repeat) return
      const action = shortcutFor(e)
      if (!action) return
      e.preventDefault()
      act(action)
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [act])

  const count = call.peers.length + 1
  return (
    <div class="call">
      <header class="topbar">
        <Brand compact />
        <div class="topbar__room">
          <span class="topbar__code" title="Room code">
            {code}
          </span>
          <span class="topbar__count" data-testid="participant-count">
            {count} {count === 1 ? 'person' : 'people'}
          </span>
        </div>
        <span class="topbar__spacer" />
        <div class="topbar__actions">
          <InviteButton code={code} open={inviteOpen} onOpenChange={setInviteOpen} />
          <ShortcutsHelp open={helpOpen} onOpenChange={setHelpOpen} />
        </div>
      </header>
      {call.phase === 'reconnecting' ? (
        <div class="banner-bar banner-bar--warn" role="status" data-testid="reconnecting-banner">
          <span class="spinner spinner--small" aria-hidden="true" /> Connection lost — reconnecting…
        </div>
      ) : null}
      {soundBlocked ? (
        <div class="banner-bar banner-bar--info" role="status">
          Your browser paused the sound of this call.
          <button type="button" class="btn btn--primary btn--small" onClick={() => autoplayGate.unblock()}>
            Turn sound on
          </button>
        </div>
      ) : null}
      <div class="call__body">
        <main class={boardOpen ? 'stage stage--board' : 'stage'}>
          {boardOpen ? <Whiteboard board={controller.board} /> : null}
          <VideoGrid call={call} activeSpeaker={speaker} strip={boardOpen} />
        </main>
        {panel ? (
          <aside class="side" aria-label={panel === 'chat' ? 'Chat' : 'Participants'}>
            <div class="side__header">
              <h2 class="side__title">{panel === 'chat' ? 'Chat' : `Participants (${count})`}</h2>
              <button
                type="button"
                class="btn btn--ghost btn--icon"
                aria-label={panel === 'chat' ? 'Close chat' : 'Close participants'}
                onClick={() => setPanel(null)}
              >
                <Icon name="close" size={18} />
              </button>
            </div>
            <div class="side__content">
              {panel === 'chat' ? <ChatPanel chat={controller.chat} /> : <ParticipantList call={call} />}
            </div>
          </aside>
        ) : null}
      </div>
      <ControlBar
        media={call.self.media}
        canPublish={canPublish}
        canShareScreen={canShareScreen}
        panel={panel}
        boardOpen={boardOpen}
        unread={chat.unread}
        boardActivity={boardActivity}
        busy={screenBusy}
        extra={
          transfers ? (
            <SendFilesButton peers={call.peers} onSend={(files, to) => transfers.send(files, to)} />
          ) : null
        }
        onAction={act}
      />
      {transfers ? <TransferList transfers={transferList} actions={transfers} /> : null}
      <Notices notices={notices} />
      {dragging ? (
        <div class="dropzone-overlay" aria-hidden="true">
          <div class="dropzone-overlay__hint">Drop to send to everyone</div>
        </div>
      ) : null}
    </div>
  )
}
