import { Icon } from '../ui/icons.js'

/**
 * The identity check: both browsers derive the same short code from the two encryption keys of
 * the connection. If it matches what the other person sees, nobody sits in the middle.
 */
export function SasCode({ name, sas }: { name: string; sas: string | undefined }) {
  return (
    <div class="sas">
      <div class="sas__title">
        <Icon name="shield" size={16} /> Identity check
      </div>
      {sas ? (
        <>
          <p class="sas__code">
            <span class="visually-hidden">Identity code with {name}: </span>
            <code>{sas}</code>
          </p>
          <p class="sas__hint">Ask {name} to read theirs aloud: the codes must match.</p>
        </>
      ) : (
        <p class="sas__hint">Available once the encrypted connection is up.</p>
      )}
    </div>
  )
}
