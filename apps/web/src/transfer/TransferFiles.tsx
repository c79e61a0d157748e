import { formatBytes } from './format.js'
import type { TransferFileView, TransferView } from './types.js'

/** Files listed at most in one card (a transfer may hold thousands; the rest is counted). */
const MAX_LISTED = 20

const STATUS_LABEL: Record<TransferFileView['status'], string> = {
  pending: 'Waiting',
  declined: 'Declined',
  active: 'Transferring',
  sent: 'Sent, being verified',
  done: 'Verified',
  failed: 'Failed',
  cancelled: 'Cancelled',
}

/**
 * The files of a transfer, each with its status and, once verified, its digest (short; the whole
 * one in the tooltip and in `data-sha256`). Shown for several files, and for a finished one.
 */
export function TransferFiles({ transfer: t }: { transfer: TransferView }) {
  if (t.files.length < 2 && t.state !== 'done') return null
  const listed = t.files.slice(0, MAX_LISTED)
  const more = t.files.length - listed.length
  return (
    <ul class="transfer__files" aria-label="Files">
      {listed.map((f) => (
        <li
          key={f.id}
          class={`transfer__file transfer__file--${f.status}`}
          data-testid="transfer-file"
          data-file-id={f.id}
          data-status={f.status}
          data-sha256={f.sha256}
          data-digest={f.digest}
        >
          <span class="transfer__file-name" title={f.name}>
            {f.name}
          </span>
          <span
            class="transfer__file-status"
            title={f.sha256 ? `${f.digest ?? 'sha256'} ${f.sha256}` : undefined}
          >
            {formatBytes(f.size)} · {STATUS_LABEL[f.status]}
            {f.status === 'done' && f.sha256 ? ` · ${f.sha256.slice(0, 8)}…` : ''}
          </span>
        </li>
      ))}
      {more > 0 ? <li class="transfer__file transfer__file--more">and {more} more</li> : null}
    </ul>
  )
}
