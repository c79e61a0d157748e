/**
 * The browser → browser transfer variants (bench/transfer/browserPage.ts), shared by the Node side.
 * In this order by default: PeerJS last, as a renderer whose PeerJS queue held hundreds of MiB does not
 * give that memory back to the OS (its later "idle" figures start higher).
 */
export const TRANSFER_VARIANTS = ['parley', 'raw', 'simplePeer', 'peerjsBinary', 'peerjsRaw'] as const

/**
 * Opt-in variants that take the SDK's work apart (`--browser-variants parley,parleyNoHash,…`):
 * `parleyNoHash` hashes nothing on either side, `parleyDiscard` drops the received bytes instead of
 * writing them to OPFS (SHA-256 still on), `parleyBare` does neither. Not goals: where the time goes.
 */
export const DIAGNOSTIC_VARIANTS = ['parleyNoHash', 'parleyDiscard', 'parleyBare'] as const

/** `rawWorker`: raw's sending loop in a dedicated worker (the channel transferred to it). */
export const WORKER_VARIANTS = ['rawWorker'] as const

export const ALL_VARIANTS = [...TRANSFER_VARIANTS, ...DIAGNOSTIC_VARIANTS, ...WORKER_VARIANTS] as const
export type TransferVariant = (typeof ALL_VARIANTS)[number]
export type ParleyVariant = 'parley' | (typeof DIAGNOSTIC_VARIANTS)[number]

export function isParleyVariant(variant: TransferVariant): variant is ParleyVariant {
  return variant === 'parley' || (DIAGNOSTIC_VARIANTS as readonly string[]).includes(variant)
}
