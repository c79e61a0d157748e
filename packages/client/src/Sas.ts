/**
 * Short authentication string (SAS): a few digits both people read out to each other to check that
 * nobody sits between them. Derived from the DTLS certificate fingerprints found in the local and
 * remote SDP: a signaling server that swaps descriptions (man in the middle) must substitute its own
 * certificates, so the two ends compute different strings.
 *
 * sas = first 32 bits of SHA-256("parley-sas-v1\n" + lower + "\n" + higher) mod 10^6, where lower
 * and higher are the two normalized fingerprints ("sha-256 AB:CD:…") in sorted order, so that both
 * ends get the same value; rendered as "123 456".
 */

import type { Logger } from './Logger.js'

const FINGERPRINT_LINE = /^a=fingerprint:(\S+)[ \t]+([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})+)[ \t]*\r?$/m

/** The first DTLS fingerprint of an SDP, normalized as "<hash-function> <HEX:HEX:…>". */
export function fingerprintFromSdp(sdp: string | undefined | null): string | undefined {
  if (!sdp) return undefined
  const match = FINGERPRINT_LINE.exec(sdp)
  if (!match?.[1] || !match[2]) return undefined
  return `${match[1].toLowerCase()} ${match[2].toUpperCase()}`
}

/** The SAS of two fingerprints; the same whichever side passes which. */
export async function computeSas(fingerprintA: string, fingerprintB: string): Promise<string> {
  const [low, high] = [fingerprintA, fingerprintB].sort()
  const data = new TextEncoder().encode(`parley-sas-v1\n${low}\n${high}`)
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', data))
  const value = new DataView(digest.buffer).getUint32(0) % 1_000_000
  const digits = value.toString().padStart(6, '0')
  return `${digits.slice(0, 3)} ${digits.slice(3)}`
}

/** The SAS of a connection from its local and remote SDP, or undefined if a fingerprint is missing. */
export async function sasFromDescriptions(
  localSdp: string | undefined | null,
  remoteSdp: string | undefined | null,
): Promise<string | undefined> {
  const local = fingerprintFromSdp(localSdp)
  const remote = fingerprintFromSdp(remoteSdp)
  if (!local || !remote) return undefined
  return computeSas(local, remote)
}

/**
 * The SAS of a peer session across its connection generations: computed once per connection, when
 * it is first connected (its DTLS fingerprints cannot change after that, and before it they are not
 * verified yet), reported (`onChange`) when it becomes known or changes.
 */
export class SasTracker {
  readonly #onChange: (sas: string) => void
  readonly #logger: Logger
  #sas: string | undefined
  /** Connections whose SAS is computed (or being computed). */
  readonly #done = new WeakSet<RTCPeerConnection>()

  constructor(onChange: (sas: string) => void, logger: Logger) {
    this.#onChange = onChange
    this.#logger = logger
  }

  get value(): string | undefined {
    return this.#sas
  }

  /**
   * Computes the SAS of the connected `pc` (once per connection; later calls do nothing); the result
   * counts only if `isCurrent()` still holds then.
   */
  async update(pc: RTCPeerConnection, isCurrent: () => boolean): Promise<void> {
    if (this.#done.has(pc)) return
    this.#done.add(pc)
    try {
      const sas = await sasFromDescriptions(pc.localDescription?.sdp, pc.remoteDescription?.sdp)
      if (!sas) this.#done.delete(pc)
      if (!sas || !isCurrent() || sas === this.#sas) return
      this.#sas = sas
      this.#onChange(sas)
    } catch (error) {
      this.#logger.debug({ error }, 'cannot compute the short authentication string')
    }
  }
}
