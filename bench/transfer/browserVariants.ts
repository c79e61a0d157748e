/**
 * The browser → browser transfer variants (bench/transfer/browserPage.ts), shared by the Node side.
 * In this order by default: PeerJS last, as a renderer whose PeerJS queue held hundreds of MiB does not
 * give that memory back to the OS (its later "idle" figures start higher).
 */
export const TRANSFER_VARIANTS = ['parley', 'raw', 'simplePeer', 'peerjsBinary', 'peerjsRaw'] as const

/**
 * Opt-in variants that take the SDK's work apart (`--browser-variants parley,parleyNoHash,…`):
 * `parleyNoHash` hashes nothing on either side, `parleyDiscard` drops the received bytes instead of
 * writing them to OPFS (SHA-256 still on), `parleyBare` does neither; `parley256` is `parley` with
 * 256 KiB chunks instead of 64 KiB (same adaptive queue), `parleyShallow` with a fixed 64 KiB queue
 * (simple-peer's: high = low water mark = 64 KiB) instead of the adaptive one, `parley1MiB` with the send buffer of
 * sessions 12–14 (256 KiB chunks, high / low water marks 1 / 0.25 MiB), `parleyDeep` with that of
 * sessions 7–11 (256 KiB chunks, 8 / 4 MiB), `parleyNoQuality` with the room's connection
 * quality sampling (getStats every 2 s) off, `parleyPageDigest` with the digests on the page's main
 * thread (sessions 1–7) instead of the digest worker, `parleyPicked` with the received file written
 * through `FsAccessSink` (the web app's "Save as…"; a file of OPFS stands in for the picked one, as
 * headless Chromium shows no dialog) instead of `OpfsSink`. Not goals: where the time goes.
 */
export const DIAGNOSTIC_VARIANTS = [
  'parleyNoHash',
  'parleyDiscard',
  'parleyBare',
  'parley256',
  'parleyShallow',
  'parley1MiB',
  'parleyDeep',
  'parleyNoQuality',
  'parleyPageDigest',
  'parleyPicked',
] as const

/**
 * `parleyWorker` / `parleyPage`: Parley with its sender in the SDK's dedicated worker / on the page's
 * main thread (`parley` does what the web app does by default: the page); `rawWorker`: raw's sending
 * loop in a dedicated worker (the channel moved to it): what the main thread gains by sending from a
 * worker, and what the throughput pays; `rawReceiveWorker`: raw's receiving side in a worker (the
 * incoming channel moved to it in its `datachannel` event), the same question for the receiver.
 */
export const WORKER_VARIANTS = ['parleyWorker', 'parleyPage', 'rawWorker', 'rawReceiveWorker'] as const

/**
 * `rawOnParley`: raw's code (the same loop, messages and water marks) on a channel of its own,
 * negotiated on the connection a Parley room opened (`negotiated: true`, no renegotiation): what the
 * SDK's connection costs, apart from its transfer engine. Then raw with one thing of the SDK's
 * connection at a time: `rawSwapped` (the receiver offers, as it may in a room: the DTLS and SCTP
 * roles swapped), `rawCert` (a generated ECDSA P-256 certificate in the configuration),
 * `rawPresets` (the SDK's three idle negotiated channels), `rawStats` (a getStats every 2 s),
 * `rawRoom` (a Parley room joined alone meanwhile: its socket, heartbeats and spare connection).
 */
export const CONNECTION_VARIANTS = [
  'rawOnParley',
  'rawSwapped',
  'rawCert',
  'rawPresets',
  'rawStats',
  'rawRoom',
  'rawShallow',
] as const

export const ALL_VARIANTS = [
  ...TRANSFER_VARIANTS,
  ...DIAGNOSTIC_VARIANTS,
  ...WORKER_VARIANTS,
  ...CONNECTION_VARIANTS,
] as const
export type TransferVariant = (typeof ALL_VARIANTS)[number]
export type ParleyVariant = 'parley' | 'parleyWorker' | 'parleyPage' | (typeof DIAGNOSTIC_VARIANTS)[number]

export function isParleyVariant(variant: TransferVariant): variant is ParleyVariant {
  return (
    variant === 'parley' ||
    variant === 'parleyWorker' ||
    variant === 'parleyPage' ||
    (DIAGNOSTIC_VARIANTS as readonly string[]).includes(variant)
  )
}
