/** The browser → browser transfer variants (bench/transfer/browserPage.ts), shared by the Node side. */
export const TRANSFER_VARIANTS = ['parley', 'raw', 'peerjsRaw', 'peerjsBinary', 'simplePeer'] as const
export type TransferVariant = (typeof TRANSFER_VARIANTS)[number]
