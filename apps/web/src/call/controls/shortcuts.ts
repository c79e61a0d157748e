/** Keyboard shortcuts of the call screen (also listed in the help popover). */
export type ShortcutAction =
  | 'toggle-mic'
  | 'toggle-camera'
  | 'toggle-screen'
  | 'toggle-chat'
  | 'toggle-people'
  | 'toggle-board'
  | 'invite'
  | 'help'
  | 'leave'

export interface Shortcut {
  readonly action: ShortcutAction
  /** `KeyboardEvent.key`, compared case-insensitively. */
  readonly key: string
  readonly shift: boolean
  readonly label: string
  readonly description: string
}

export const SHORTCUTS: readonly Shortcut[] = [
  { action: 'toggle-mic', key: 'm', shift: false, label: 'M', description: 'Microphone on / off' },
  { action: 'toggle-camera', key: 'v', shift: false, label: 'V', description: 'Camera on / off' },
  { action: 'toggle-screen', key: 's', shift: false, label: 'S', description: 'Share screen / stop sharing' },
  { action: 'toggle-chat', key: 'c', shift: false, label: 'C', description: 'Open / close chat' },
  {
    action: 'toggle-people',
    key: 'p',
    shift: false,
    label: 'P',
    description: 'Participants and identity checks',
  },
  { action: 'toggle-board', key: 'w', shift: false, label: 'W', description: 'Whiteboard' },
  { action: 'invite', key: 'i', shift: false, label: 'I', description: 'Invite: link and QR code' },
  { action: 'help', key: '?', shift: true, label: '?', description: 'Show these shortcuts' },
  { action: 'leave', key: 'l', shift: true, label: 'Shift + L', description: 'Leave the call' },
]

/** The action of a key press, or undefined (typing in a field, modifier keys, unknown key). */
export function shortcutFor(event: {
  key: string
  shiftKey: boolean
  ctrlKey: boolean
  metaKey: boolean
  altKey: boolean
  target: EventTarget | null
}): ShortcutAction | undefined {
  if (event.ctrlKey || event.metaKey || event.altKey) return undefined
  if (isEditable(event.target)) return undefined
  const key = event.key.toLowerCase()
  return SHORTCUTS.find((s) => s.key === key && (s.key === '?' || s.shift === event.shiftKey))?.action
}

function isEditable(target: EventTarget | null): boolean {
  if (typeof HTMLElement === 'undefined' || !(target instanceof HTMLElement)) return false
  if (target.isContentEditable) return true
  const tag = target.tagName
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true
  if (tag !== 'INPUT') return false
  const type = (target as HTMLInputElement).type
  return !['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color', 'file'].includes(type)
}

export function shortcutLabel(action: ShortcutAction): string {
  return SHORTCUTS.find((s) => s.action === action)?.label ?? ''
}
