import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { roomLink } from '../../routing/route.js'
import { Icon } from '../../ui/icons.js'
import { useDismiss } from '../../ui/useDismiss.js'
import { copyText } from './copyText.js'

/** "Invite" popover: the room link with a copy button and a QR code for phones. */
export function InviteButton({
  code,
  open,
  onOpenChange,
}: {
  code: string
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
        class="btn btn--secondary btn--small"
        data-testid="invite-button"
        aria-expanded={open}
        aria-keyshortcuts="I"
        title="Invite people (I)"
        onClick={() => onOpenChange(!open)}
      >
        <Icon name="link" size={16} /> Invite
      </button>
      {open ? <InvitePanel link={roomLink(code)} /> : null}
    </div>
  )
}

function InvitePanel({ link }: { link: string }) {
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle')
  const [qr, setQr] = useState<string | undefined>(undefined)

  useEffect(() => {
    let cancelled = false
    // qrcode is loaded on demand: most calls never open this panel.
    import('qrcode')
      .then((QR) =>
        QR.toDataURL(link, { margin: 1, width: 200, color: { dark: '#0d0f14', light: '#ffffff' } }),
      )
      .then((url) => {
        if (!cancelled) setQr(url)
      })
      .catch(() => {
        // without a QR code the link is still there
      })
    return () => {
      cancelled = true
    }
  }, [link])

  const copy = async () => {
    setCopied((await copyText(link)) ? 'copied' : 'failed')
  }

  return (
    <div class="popover invite" role="dialog" aria-label="Invite people">
      <div class="popover__title">Invite people</div>
      <p class="popover__text">Anyone with this link can join the call.</p>
      <div class="invite__row">
        <input
          class="input input--mono"
          readOnly
          value={link}
          aria-label="Room link"
          data-testid="invite-link"
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" class="btn btn--primary" data-testid="copy-link" onClick={copy}>
          <Icon name={copied === 'copied' ? 'check' : 'copy'} size={16} />
          {copied === 'copied' ? 'Copied' : 'Copy'}
        </button>
      </div>
      <p class="invite__status" role="status">
        {copied === 'failed' ? 'Copying is blocked here: select the link and copy it by hand.' : ''}
      </p>
      <div class="invite__qr">
        {qr ? (
          <img src={qr} width={200} height={200} alt={`QR code of the room link ${link}`} />
        ) : (
          <div class="invite__qr-placeholder" aria-hidden="true" />
        )}
        <span>Scan with a phone to join</span>
      </div>
    </div>
  )
}
