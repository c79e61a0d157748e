import type { Notice } from './types.js'

/** Short-lived messages ("Ada joined"), announced politely to screen readers. */
export function Notices({ notices }: { notices: readonly Notice[] }) {
  return (
    <div class="notices" role="status" aria-live="polite">
      {notices.map((n) => (
        <div key={n.id} class={`notice notice--${n.tone}`} data-testid="notice">
          {n.text}
        </div>
      ))}
    </div>
  )
}
