import { MAX_ID_LENGTH } from './constants.js'
import type { SignalMessage } from './messages.js'

/**
 * Allocation-free check that an already JSON-parsed value is a valid client `signal` message.
 *
 * It accepts exactly what {@link SignalMessageSchema} accepts (a property test keeps the two in
 * step); the schema stays the source of truth and produces the error messages, this guard is the
 * fast path used for the one message that is relayed at high rate. Unlike the schema it does not
 * copy the value, so unknown fields remain on the object: read only `id`, `to` and `data`.
 */
export function isSignalMessage(input: unknown): input is SignalMessage {
  if (typeof input !== 'object' || input === null) return false
  const m = input as { type?: unknown; id?: unknown; to?: unknown; data?: unknown }
  if (m.type !== 'signal') return false
  const to = m.to
  if (typeof to !== 'string' || to.length < 1 || to.length > 64) return false
  const data = m.data
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false
  const id = m.id
  return id === undefined || (typeof id === 'string' && id.length <= MAX_ID_LENGTH)
}
