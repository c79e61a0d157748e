import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { CallController } from '../call/CallController.js'
import { CallScreen } from '../call/CallScreen.js'
import { acquireMedia } from '../lobby/acquireMedia.js'
import { type JoinChoice, Lobby } from '../lobby/Lobby.js'
import { loadMediaPrefs } from '../lobby/mediaPrefs.js'
import { type ActiveCall, clearActiveCall, loadActiveCall, saveActiveCall } from '../rooms/activeCall.js'
import { saveDisplayName } from '../rooms/displayName.js'
import { rememberRoom } from '../rooms/recentRooms.js'
import { navigate } from '../routing/useRoute.js'
import { explainJoinError } from '../sdk/mediaErrors.js'
import type { Sdk } from '../sdk/Sdk.js'
import { assertTransition, type TransitionTable } from '../state/stateMachine.js'
import type { TransferSource } from '../transfer/TransferSource.js'
import { Brand } from '../ui/Brand.js'
import { Icon } from '../ui/icons.js'

type Phase =
  | { readonly kind: 'lobby' }
  | { readonly kind: 'joining' }
  | {
      readonly kind: 'in-call'
      readonly controller: CallController
      readonly transfers: TransferSource & { close(): void }
    }
  | { readonly kind: 'ended'; readonly reason: 'left' | 'disconnected' }
  | { readonly kind: 'failed'; readonly error: unknown; readonly choice: JoinChoice }

const TRANSITIONS: TransitionTable<Phase['kind']> = {
  lobby: ['joining'],
  joining: ['in-call', 'failed'],
  'in-call': ['ended'],
  ended: ['lobby', 'joining'],
  failed: ['lobby', 'joining'],
}

/** /r/<code>: lobby → joining → call → ended, or straight back into the call after a reload. */
export function RoomPage({
  code,
  initialName,
  sdk,
}: {
  code: string
  initialName: string | undefined
  sdk: Sdk
}) {
  const resume = useRef(loadActiveCall(code))
  const [phase, setPhaseRaw] = useState<Phase>(resume.current ? { kind: 'joining' } : { kind: 'lobby' })
  const current = useRef(phase)
  const setPhase = useCallback((next: Phase) => {
    assertTransition(TRANSITIONS, current.current.kind, next.kind)
    current.current = next
    setPhaseRaw(next)
  }, [])

  /** What this tab stores about its call (ActiveCall), once joined. */
  const activeCall = useRef<ActiveCall | undefined>(undefined)

  const join = useCallback(
    async (choice: JoinChoice, resumeToken?: string) => {
      if (current.current.kind !== 'joining') setPhase({ kind: 'joining' })
      saveDisplayName(choice.name)
      rememberRoom(code)
      try {
        const room = await sdk.joinRoom({
          serverUrl: location.origin,
          room: code,
          name: choice.name,
          local: choice.local,
          resume: resumeToken,
        })
        if (choice.local?.audioTrack && !choice.audio) room.setMicrophoneEnabled(false)
        if (choice.local?.videoTrack && !choice.video) room.setCameraEnabled(false)
        const call = { code, name: choice.name, audio: choice.audio, video: choice.video }
        activeCall.current = call
        saveActiveCall({ ...call, resume: room.resumeToken })
        const controller = new CallController(room, choice.local, sdk.meterTrack)
        const transfers = sdk.createTransfers(room, (message) => controller.notices.push(message, 'error'))
        setPhase({ kind: 'in-call', controller, transfers })
      } catch (error) {
        setPhase({ kind: 'failed', error, choice })
      }
    },
    [code, sdk, setPhase],
  )

  // After a reload inside a call: reopen the devices as they were and rejoin without the lobby.
  useEffect(() => {
    const saved = resume.current
    if (!saved) return
    resume.current = undefined
    void (async () => {
      const wanted = saved.audio || saved.video
      const media = wanted ? await acquireMedia(sdk.media, loadMediaPrefs()) : undefined
      const local = media?.ok ? media.local : undefined
      await join({ name: saved.name, local, audio: saved.audio, video: saved.video }, saved.resume)
    })()
  }, [sdk, join])

  // The call ends by itself when the SDK gives up reconnecting.
  const controller = phase.kind === 'in-call' ? phase.controller : undefined
  const transfers = phase.kind === 'in-call' ? phase.transfers : undefined
  useEffect(() => {
    if (!controller) return
    const check = () => {
      if (controller.get().phase === 'left' && current.current.kind === 'in-call') {
        void controller.leave()
        setPhase({ kind: 'ended', reason: 'disconnected' })
      }
    }
    const unsubscribe = controller.subscribe(check)
    // Leaving the page (reload or closing the tab, which look the same here): the SDK suspends the
    // room (pageHide: 'suspend'), keeping the session for the server's grace and telling the others
    // to wait a few seconds; the token lets the reloaded page take the session over. A closed tab
    // is seen leaving when that grace ends. Reading the token after the SDK suspended is fine.
    const onHide = () => {
      const call = activeCall.current
      if (call) saveActiveCall({ ...call, resume: controller.room.resumeToken })
    }
    addEventListener('pagehide', onHide)
    return () => {
      unsubscribe()
      removeEventListener('pagehide', onHide)
      transfers?.close()
      void controller.leave()
    }
  }, [controller, transfers, setPhase])

  const leave = useCallback(() => {
    activeCall.current = undefined
    clearActiveCall()
    if (current.current.kind === 'in-call') setPhase({ kind: 'ended', reason: 'left' })
  }, [setPhase])

  switch (phase.kind) {
    case 'lobby':
      return <Lobby code={code} initialName={initialName} media={sdk.media} onJoin={join} />
    case 'joining':
      return (
        <div class="center-screen" role="status">
          <span class="spinner" aria-hidden="true" />
          <p>Joining {code}…</p>
        </div>
      )
    case 'in-call':
      return (
        <CallScreen controller={phase.controller} transfers={phase.transfers} code={code} onLeave={leave} />
      )
    case 'ended':
      return (
        <EndScreen
          title={phase.reason === 'left' ? 'You left the call' : 'You were disconnected'}
          detail={
            phase.reason === 'left'
              ? 'Changed your mind? You can rejoin with the same link.'
              : 'The connection to the server was lost and could not be restored. Check your network and rejoin.'
          }
          onRejoin={() => setPhase({ kind: 'lobby' })}
        />
      )
    case 'failed': {
      const explanation = explainJoinError(phase.error)
      return (
        <EndScreen
          title={explanation.title}
          detail={explanation.detail}
          onRejoin={() => {
            phase.choice.local?.stop()
            setPhase({ kind: 'lobby' })
          }}
        />
      )
    }
  }
}

function EndScreen({ title, detail, onRejoin }: { title: string; detail: string; onRejoin: () => void }) {
  return (
    <div class="center-screen">
      <Brand />
      <h1 class="end__title">{title}</h1>
      <p>{detail}</p>
      <div class="row">
        <button type="button" class="btn btn--primary" data-testid="rejoin-button" onClick={onRejoin}>
          <Icon name="refresh" size={16} /> Rejoin
        </button>
        <button type="button" class="btn btn--secondary" onClick={() => navigate('/')}>
          Back to home
        </button>
      </div>
    </div>
  )
}
