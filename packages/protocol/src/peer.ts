import * as v from 'valibot'
import { fastPeerSignal } from './fastParse.js'

/**
 * Peer-to-peer signal payloads: what Parley clients put in the opaque `data` of a `signal`.
 * The server never looks inside; clients validate what they receive with {@link parsePeerSignal}.
 */

export const SessionDescriptionSchema = v.object({
  type: v.picklist(['offer', 'answer', 'pranswer', 'rollback']),
  sdp: v.optional(v.string()),
})

export const IceCandidateSchema = v.object({
  candidate: v.string(),
  sdpMid: v.optional(v.nullable(v.string())),
  sdpMLineIndex: v.optional(v.nullable(v.number())),
  usernameFragment: v.optional(v.nullable(v.string())),
})

/**
 * Extension: generation of the peer connection a description or candidate belongs to. A client that
 * replaces its RTCPeerConnection (connect timeout, unrecoverable ICE failure) bumps it; the other
 * side then replaces its own and drops signals of older generations. Absent means 0.
 */
const EpochSchema = v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 31)))

export const PeerSignalSchema = v.variant('kind', [
  /** An SDP offer or answer (perfect negotiation). */
  v.object({
    kind: v.literal('description'),
    description: SessionDescriptionSchema,
    epoch: EpochSchema,
    /**
     * Extension: false when the sender cannot take part in renegotiation after the first
     * offer/answer (no ICE restart, no added media): recover by a new connection generation instead.
     */
    renegotiation: v.optional(v.boolean()),
    /**
     * Extension: true when the sender announces the SDK data channels it creates (an SDK control
     * message on its reliable channel) and sends on its optional ones only after the receiver
     * announced them; absent: it creates all of them with the connection and uses them at once.
     */
    announceChannels: v.optional(v.boolean()),
  }),
  /** A trickled ICE candidate; `null` means end-of-candidates. */
  v.object({ kind: v.literal('candidate'), candidate: v.nullable(IceCandidateSchema), epoch: EpochSchema }),
  /**
   * Extension: asks the peer that starts connections (the impolite one) to start a new connection
   * generation after `epoch`, because the sender's connection timed out or failed.
   */
  v.object({ kind: v.literal('reconnect'), epoch: v.pipe(v.number(), v.integer(), v.minValue(0)) }),
  /**
   * Extension: the sender is a new instance of this peer (a reloaded page, a restarted process)
   * that resumed the peer's signaling session, so every connection the old instance had is gone.
   * The receiver drops its connection to the sender and offers a new generation, whatever its role.
   * Sent before any other signal of the new instance. Older clients ignore it (and recover when
   * their connection times out).
   */
  v.object({ kind: v.literal('restart') }),
  /**
   * Extension: the sender suspends (a page reload?) and may come back under the same id within
   * `ms`; if it does not, it is gone. Sent through the server as well as over the data channel,
   * where a busy connection (a file transfer) holds it back behind megabytes and the sender's
   * teardown can drop it. Older clients ignore it.
   */
  v.object({
    kind: v.literal('away'),
    ms: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(86_400_000)),
  }),
  /**
   * Extension: the sender leaves the room (said right before its `leave`). Also said over the data
   * channel, where a busy connection can hold it back until the connection is closed; without it
   * the others could not tell a peer that left from one whose network dropped. Older clients ignore it.
   */
  v.object({ kind: v.literal('bye') }),
  /** The sender's published media state, so that UIs can show mute. */
  v.object({
    kind: v.literal('media-state'),
    audio: v.boolean(),
    video: v.boolean(),
    screen: v.boolean(),
  }),
])

export type SessionDescriptionData = v.InferOutput<typeof SessionDescriptionSchema>
export type IceCandidateData = v.InferOutput<typeof IceCandidateSchema>
export type PeerSignal = v.InferOutput<typeof PeerSignalSchema>
export type PeerSignalKind = PeerSignal['kind']

/** Validates the `data` of a relayed signal as a Parley peer signal; `undefined` if it is not one. */
export function parsePeerSignal(data: unknown): PeerSignal | undefined {
  const fast = fastPeerSignal(data)
  if (fast !== undefined) return fast
  const result = v.safeParse(PeerSignalSchema, data)
  return result.success ? result.output : undefined
}
