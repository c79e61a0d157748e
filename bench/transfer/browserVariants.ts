/**
 * The browser → browser transfer variants (bench/transfer/browserPage.ts), shared by the Node side.
 * In this order by default: PeerJS last, as a renderer whose PeerJS queue held hundreds of MiB does not
 * give that memory back to the OS (its later "idle" figures start higher).
 */
export const TRANSFER_VARIANTS = ['parley', 'raw', 'simplePeer', 'peerjsBinary', 'peerjsRaw'] as const
export type TransferVariant = (typeof TRANSFER_VARIANTS)[number]
