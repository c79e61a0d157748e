import type { ComponentChildren } from 'preact'
import { Icon, type IconName } from '../../ui/icons.js'

export function ControlButton({
  icon,
  label,
  shortcut,
  pressed,
  testId,
  tone = 'normal',
  badge,
  disabled = false,
  onClick,
  children,
}: {
  icon: IconName
  /** Accessible name; the shortcut is appended to the tooltip. */
  label: string
  shortcut?: string
  /** For toggles: aria-pressed. */
  pressed?: boolean
  testId?: string
  tone?: 'normal' | 'off' | 'active' | 'danger'
  badge?: number
  disabled?: boolean
  onClick: () => void
  children?: ComponentChildren
}) {
  const title = shortcut ? `${label} (${shortcut})` : label
  const name = badge ? `${label}, ${badge} unread` : label
  return (
    <button
      type="button"
      class={`ctrl ctrl--${tone}`}
      data-testid={testId}
      aria-label={name}
      aria-pressed={pressed === undefined ? undefined : pressed ? 'true' : 'false'}
      aria-keyshortcuts={shortcut?.replace(' + ', '+')}
      title={title}
      disabled={disabled}
      onClick={onClick}
    >
      <Icon name={icon} size={22} />
      {badge ? (
        <span class="ctrl__badge" aria-hidden="true">
          {badge > 99 ? '99+' : badge}
        </span>
      ) : null}
      {children}
    </button>
  )
}
