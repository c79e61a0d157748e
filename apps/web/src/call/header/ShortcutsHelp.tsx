import { useCallback, useRef } from 'preact/hooks'
import { Icon } from '../../ui/icons.js'
import { useDismiss } from '../../ui/useDismiss.js'
import { SHORTCUTS } from '../controls/shortcuts.js'

export function ShortcutsHelp({
  open,
  onOpenChange,
}: {
  open: boolean
  onOpenChange: (open: boolean) => void
}) {
  const root = useRef<HTMLDivElement>(null)
  useDismiss(
    open,
    root,
    useCallback(() => onOpenChange(false), [onOpenChange]),
  )
  return (
    <div class="popover-anchor" ref={root}>
      <button
        type="button"
        class="btn btn--ghost btn--icon"
        aria-label="Keyboard shortcuts"
        title="Keyboard shortcuts (?)"
        aria-expanded={open}
        aria-keyshortcuts="?"
        data-testid="shortcuts-button"
        onClick={() => onOpenChange(!open)}
      >
        <Icon name="keyboard" size={20} />
      </button>
      {open ? (
        <div class="popover shortcuts" role="dialog" aria-label="Keyboard shortcuts">
          <div class="popover__title">Keyboard shortcuts</div>
          <table class="shortcuts__table">
            <tbody>
              {SHORTCUTS.map((s) => (
                <tr key={s.action}>
                  <td>
                    <kbd>{s.label}</kbd>
                  </td>
                  <td>{s.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="popover__text">Shortcuts are off while you type in a text field.</p>
        </div>
      ) : null}
    </div>
  )
}
