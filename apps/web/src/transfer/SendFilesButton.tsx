import { useCallback, useRef, useState } from 'preact/hooks'
import type { PeerView } from '../call/types.js'
import { Icon } from '../ui/icons.js'
import { useDismiss } from '../ui/useDismiss.js'

/**
 * "Send files" in the control bar: a popover to pick the recipient (everyone or one person) and
 * the files (a plain file input, also the test hook `file-input`), or a folder with everything in
 * it (a folder input, `folder-input`: each file is offered by its path in the folder).
 */
export function SendFilesButton({
  peers,
  onSend,
}: {
  peers: readonly PeerView[]
  onSend: (files: readonly File[], to: string | 'everyone') => void
}) {
  const [open, setOpen] = useState(false)
  const [to, setTo] = useState<string>('everyone')
  const root = useRef<HTMLDivElement>(null)
  useDismiss(
    open,
    root,
    useCallback(() => setOpen(false), []),
  )
  const target = to === 'everyone' || peers.some((p) => p.peerId === to) ? to : 'everyone'
  const disabled = peers.length === 0
  const pick = (files: File[]) => {
    onSend(files, target)
    setOpen(false)
  }

  return (
    <div class="popover-anchor" ref={root}>
      <button
        type="button"
        class="ctrl ctrl--normal"
        data-testid="send-files"
        aria-label="Send files"
        title={disabled ? 'Send files (nobody else is here yet)' : 'Send files'}
        aria-expanded={open}
        disabled={disabled}
        onClick={() => setOpen((o) => !o)}
      >
        <Icon name="file" size={22} />
      </button>
      {open ? (
        <div class="popover popover--up send-files" role="dialog" aria-label="Send files">
          <div class="popover__title">Send files</div>
          <label class="field">
            <span class="field__label">To</span>
            <select
              class="select"
              data-testid="file-target"
              value={target}
              onChange={(e) => setTo(e.currentTarget.value)}
            >
              <option value="everyone">Everyone in the call</option>
              {peers.map((p) => (
                <option key={p.peerId} value={p.peerId}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
          <div class="send-files__picks">
            <PickButton
              label="Choose files…"
              testId="file-input"
              ariaLabel="Choose files to send"
              onPick={pick}
            />
            <PickButton
              label="Choose a folder…"
              testId="folder-input"
              ariaLabel="Choose a folder to send, with everything in it"
              folder
              onPick={pick}
            />
          </div>
          <p class="popover__text">
            Files go directly to the other browsers, of any size; a folder keeps its folders. You can also
            drop files and folders on the call.
          </p>
        </div>
      ) : null}
    </div>
  )
}

/** A button-styled file input: files, or a folder (`webkitdirectory`: every file under it). */
function PickButton({
  label,
  testId,
  ariaLabel,
  folder = false,
  onPick,
}: {
  label: string
  testId: string
  ariaLabel: string
  folder?: boolean
  onPick: (files: File[]) => void
}) {
  return (
    <label class={`btn ${folder ? 'btn--secondary' : 'btn--primary'} send-files__pick`}>
      <Icon name="plus" size={16} /> {label}
      <input
        type="file"
        multiple
        class="visually-hidden"
        data-testid={testId}
        aria-label={ariaLabel}
        // not in Preact's types; every current browser knows it
        ref={(el) => {
          if (folder) el?.setAttribute('webkitdirectory', '')
        }}
        onChange={(e) => {
          const files = [...(e.currentTarget.files ?? [])]
          e.currentTarget.value = ''
          if (files.length > 0) onPick(files)
        }}
      />
    </label>
  )
}
