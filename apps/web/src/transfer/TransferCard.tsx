import { Icon } from '../ui/icons.js'
import { formatBytes, formatEta, formatRate, listNames, summarizeNames } from './format.js'
import { TransferFiles } from './TransferFiles.js'
import { hookState, type TransferActions, type TransferView } from './types.js'

const STATE_LABEL: Record<TransferView['state'], string> = {
  offered: 'Waiting',
  active: 'Transferring',
  interrupted: 'Connection lost — will resume',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
}

/** One transfer: who, what, progress with rate and ETA, and the actions that fit its state. */
export function TransferCard({ transfer: t, actions }: { transfer: TransferView; actions: TransferActions }) {
  const incoming = t.direction === 'receive'
  const names = summarizeNames(t.files.map((f) => f.name))
  const pct = t.totalBytes > 0 ? Math.min(100, (t.bytes / t.totalBytes) * 100) : 0
  const title = incoming ? `From ${t.peerName}` : `To ${t.peerName}`
  const finished = t.state === 'done' || t.state === 'failed' || t.state === 'cancelled'
  const status =
    t.state === 'offered'
      ? incoming
        ? t.awaitingAnswer
          ? `${t.peerName} wants to send you ${t.files.length === 1 ? 'a file' : `${t.files.length} files`}`
          : 'Starting…'
        : `Waiting for ${t.peerName} to accept…`
      : t.state === 'active'
        ? [
            formatRate(t.bytesPerSecond),
            formatEta(t.etaSeconds),
            t.downloading ? 'saving to Downloads' : t.savedInPlace ? 'saving where you chose' : '',
          ]
            .filter(Boolean)
            .join(' · ')
        : t.state === 'done'
          ? incoming
            ? t.downloading
              ? 'Received, verified (SHA-256) and saved to Downloads'
              : t.savedInPlace
                ? 'Received, verified (SHA-256) and saved where you chose'
                : 'Received and verified (SHA-256)'
            : 'Sent and verified by the receiver'
          : (t.reason ?? STATE_LABEL[t.state])

  return (
    <article
      class={`transfer transfer--${t.state}`}
      data-testid="file-transfer"
      data-state={hookState(t.state)}
      data-direction={t.direction}
      aria-label={`${incoming ? 'Incoming' : 'Outgoing'} transfer: ${names}, ${title.toLowerCase()}`}
    >
      <header class="transfer__head">
        <span class={`transfer__icon${incoming ? ' transfer__icon--in' : ''}`} aria-hidden="true">
          <Icon name={incoming ? 'download' : 'file'} size={18} />
        </span>
        <div class="transfer__what">
          <div class="transfer__names" title={listNames(t.files.map((f) => f.name))}>
            {names}
          </div>
          <div class="transfer__meta">
            {title} · {formatBytes(t.totalBytes)}
          </div>
        </div>
        {finished ? (
          <button
            type="button"
            class="btn btn--ghost btn--icon transfer__dismiss"
            aria-label={`Dismiss ${names}`}
            onClick={() => actions.dismiss(t.id)}
          >
            <Icon name="close" size={16} />
          </button>
        ) : null}
      </header>
      {t.state === 'active' || t.state === 'interrupted' || (t.state === 'done' && t.totalBytes > 0) ? (
        <div
          class="transfer__bar"
          role="progressbar"
          aria-label={`Progress of ${names}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(pct)}
          aria-valuetext={`${formatBytes(t.bytes)} of ${formatBytes(t.totalBytes)}`}
        >
          <div class="transfer__fill" style={{ width: `${pct}%` }} />
        </div>
      ) : null}
      <TransferFiles transfer={t} />
      <div class="transfer__foot">
        <span class="transfer__status" role={t.state === 'failed' ? 'alert' : undefined}>
          {t.state === 'active' || t.state === 'interrupted' ? (
            <span class="transfer__bytes">
              {formatBytes(t.bytes)} / {formatBytes(t.totalBytes)} ·{' '}
            </span>
          ) : null}
          {status}
        </span>
        <span class="transfer__actions">
          {t.awaitingAnswer ? (
            <>
              <button type="button" class="btn btn--ghost btn--small" onClick={() => actions.decline(t.id)}>
                Decline
              </button>
              {t.canAcceptTo ? (
                <button
                  type="button"
                  class="btn btn--ghost btn--small"
                  data-testid="file-accept-to"
                  title={
                    t.files.length === 1
                      ? 'Accept and write the file straight where you choose'
                      : 'Accept and write the files straight into a folder you choose'
                  }
                  onClick={() => actions.acceptTo(t.id)}
                >
                  {t.files.length === 1 ? 'Save as…' : 'Save to folder…'}
                </button>
              ) : null}
              <button
                type="button"
                class="btn btn--primary btn--small"
                data-testid="file-accept"
                onClick={() => actions.accept(t.id)}
              >
                Accept
              </button>
            </>
          ) : null}
          {!finished && !t.awaitingAnswer ? (
            <button
              type="button"
              class="btn btn--ghost btn--small"
              data-testid="file-cancel"
              onClick={() => actions.cancel(t.id)}
            >
              Cancel
            </button>
          ) : null}
          {t.state === 'done' && incoming && (t.downloading || t.savedInPlace) ? (
            // Streamed into Downloads, or where the person chose, while it arrived: the save happened.
            <button
              type="button"
              class="btn btn--ghost btn--small"
              data-testid="file-save"
              data-saved="true"
              disabled
              title={
                t.downloading
                  ? 'Saved to your Downloads folder while it arrived'
                  : 'Saved where you chose while it arrived'
              }
            >
              <Icon name="check" size={14} /> Saved
            </button>
          ) : t.state === 'done' && incoming && t.canSave ? (
            <>
              {t.canSaveZip ? (
                <button
                  type="button"
                  class="btn btn--ghost btn--small"
                  data-testid="file-save-zip"
                  data-preparing={t.zipProgress === undefined ? undefined : 'true'}
                  title={
                    t.zipProgress === undefined
                      ? 'One download: the files in an uncompressed ZIP archive'
                      : 'Stop making the archive'
                  }
                  onClick={() => actions.saveZip(t.id)}
                >
                  <Icon name="download" size={14} />{' '}
                  {t.zipProgress === undefined
                    ? 'Save all (.zip)'
                    : `Preparing… ${Math.floor(t.zipProgress * 100)}% · Stop`}
                </button>
              ) : null}
              <button
                type="button"
                class="btn btn--primary btn--small"
                data-testid="file-save"
                onClick={() => actions.save(t.id)}
              >
                <Icon name="download" size={14} /> Save
              </button>
            </>
          ) : null}
        </span>
      </div>
    </article>
  )
}
