import { ParleyError } from '../errors.js'
import { type DigestAlgorithm, isDigestAlgorithm } from './hash.js'

/**
 * Control messages of the file transfer protocol (version 1), sent as JSON text frames on the
 * transfer's data channel; file bytes travel as binary frames on the same channel. See
 * docs/file-transfer.md. Every message received is validated here: a peer is never trusted.
 */

export const TRANSFER_PROTOCOL_VERSION = 1

/** Label prefix of a transfer channel: `parley-file:<transferId>`. */
export const TRANSFER_CHANNEL_PREFIX = 'parley-file:'

/** Transfer ids: 1–64 characters of `[A-Za-z0-9_-]`. */
export const TRANSFER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

/** Limits on what a peer may offer or say. */
export const LIMITS = {
  maxFiles: 10_000,
  maxFileIdLength: 64,
  maxNameLength: 1024,
  maxTypeLength: 255,
  maxReasonLength: 500,
  /** Largest control frame accepted, in UTF-16 code units. */
  maxControlFrame: 4 * 1024 * 1024,
} as const

/** What the sender tells about one offered file. */
export interface FileMeta {
  /** Unique within the transfer. */
  readonly id: string
  /**
   * Display name as the sender has it; for a file of a folder sent whole, its path from the folder's
   * parent with `/` between folders (`photos/2024/a.jpg`). Never trusted as a path: receivers make
   * it safe (safeFileName, or safeRelativePath where they rebuild folders).
   */
  readonly name: string
  readonly size: number
  /** MIME type, '' when unknown. */
  readonly type: string
  /** Last modification time, ms since the epoch (0 when unknown). */
  readonly lastModified: number
}

/**
 * The digest of a file the sender has sent whole on an earlier channel of the transfer: a receiver
 * that kept that file (it verified it before a reload) compares it with the digest it recorded.
 */
export interface SentDigest {
  readonly id: string
  /** Which digest (the one accepted when the file was sent). */
  readonly digest: DigestAlgorithm
  /** 64 lowercase hex digits. */
  readonly sha256: string
}

export interface AcceptedFile {
  readonly id: string
  /** Bytes [0, offset) are already stored by the receiver: the sender starts here. */
  readonly offset: number
}

export type ControlMessage =
  | {
      readonly t: 'offer'
      readonly v: number
      readonly transferId: string
      readonly files: readonly FileMeta[]
      /**
       * Integrity digests the sender computes, its cheapest first (absent: `['sha256']`, senders
       * before the field existed). Unknown names are ignored.
       */
      readonly digests?: readonly DigestAlgorithm[]
      /**
       * Repeated offers: the files already sent whole, with their digests (absent: none, or a
       * sender before the field existed). Entries of unknown digests are ignored.
       */
      readonly sent?: readonly SentDigest[]
    }
  | {
      readonly t: 'accept'
      readonly files: readonly AcceptedFile[]
      readonly declined: readonly string[]
      /** Files already received and verified in an earlier attempt (resume). */
      readonly completed: readonly string[]
      /** The digest the receiver picked from the offer's `digests` (absent: `sha256`). */
      readonly digest?: DigestAlgorithm
    }
  | { readonly t: 'decline'; readonly reason: string }
  | { readonly t: 'file'; readonly id: string; readonly offset: number }
  | { readonly t: 'file-end'; readonly id: string; readonly sha256: string }
  | { readonly t: 'progress'; readonly id: string; readonly offset: number }
  | { readonly t: 'file-ok'; readonly id: string }
  | { readonly t: 'pause' }
  | { readonly t: 'continue' }
  | { readonly t: 'cancel'; readonly reason: string }
  | { readonly t: 'error'; readonly code: string; readonly message: string; readonly id?: string }
  /**
   * First and only frame of a channel the RECEIVER opens after it re-joined the room under a new
   * id: "I am the receiver of this transfer". The sender moves the transfer over to it and offers
   * again on a channel of its own; the transfer's id, known only to the two, is the proof.
   */
  | { readonly t: 'reclaim'; readonly transferId: string }

export type ControlType = ControlMessage['t']

export type ParsedControl =
  | { readonly ok: true; readonly message: ControlMessage }
  | { readonly ok: false; readonly reason: string }

export function encodeControl(message: ControlMessage): string {
  return JSON.stringify(message)
}

/**
 * A control message longer than this (UTF-16 code units) travels as `part` frames of this many
 * units of its text each: at most ~48 KiB of UTF-8 per frame, under the 64 KiB max-message-size of a
 * peer that advertises none (RFC 8841). A 3,000-file offer is ~256 KiB, the max-message-size of
 * Chromium and libdatachannel: sent whole, it was refused.
 */
export const CONTROL_PART_UNITS = 16 * 1024

/**
 * The text frames that carry `message`: its JSON in one frame, or, past {@link CONTROL_PART_UNITS},
 * `{"t":"part","s":…}` frames whose `s` joined in order give the JSON, the last one with
 * `"end":true`. Throws INVALID_ARGUMENT past {@link LIMITS.maxControlFrame} (what a receiver takes).
 */
export function encodeControlFrames(message: ControlMessage): string[] {
  const text = encodeControl(message)
  if (text.length <= CONTROL_PART_UNITS) return [text]
  if (text.length > LIMITS.maxControlFrame) {
    throw new ParleyError(
      'INVALID_ARGUMENT',
      `the ${message.t} message is ${text.length} characters, over the ${LIMITS.maxControlFrame} a receiver takes`,
    )
  }
  const frames: string[] = []
  for (let at = 0; at < text.length; at += CONTROL_PART_UNITS) {
    const s = text.slice(at, at + CONTROL_PART_UNITS)
    frames.push(
      JSON.stringify(at + CONTROL_PART_UNITS >= text.length ? { t: 'part', s, end: true } : { t: 'part', s }),
    )
  }
  return frames
}

type Obj = Record<string, unknown>

const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x)
const isStr = (x: unknown, max: number, min = 0): x is string =>
  typeof x === 'string' && x.length >= min && x.length <= max
const isOffset = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0
const isFileId = (x: unknown): x is string => isStr(x, LIMITS.maxFileIdLength, 1)
const isIdList = (x: unknown): x is string[] =>
  Array.isArray(x) && x.length <= LIMITS.maxFiles && x.every(isFileId)
/** A digest as 64 lowercase hex digits. */
export const isDigestHex = (x: unknown): x is string => typeof x === 'string' && /^[0-9a-f]{64}$/.test(x)

/** An offer's `sent` list: digests of offered files, each file at most once; unknown digests skipped. */
function parseSent(x: unknown, ids: ReadonlySet<string>): SentDigest[] | string {
  if (!Array.isArray(x) || x.length > LIMITS.maxFiles) return 'offer.sent must be a list'
  const sent: SentDigest[] = []
  const seen = new Set<string>()
  for (const d of x) {
    if (!isObj(d) || !isFileId(d.id) || !ids.has(d.id) || seen.has(d.id)) {
      return 'offer.sent entries need the id of an offered file, once'
    }
    seen.add(d.id)
    if (!isDigestHex(d.sha256)) return 'offer.sent.sha256 must be 64 lowercase hex digits'
    if (isDigestAlgorithm(d.digest)) sent.push({ id: d.id, digest: d.digest, sha256: d.sha256 })
  }
  return sent
}

function parseFileMeta(x: unknown): FileMeta | string {
  if (!isObj(x)) return 'file must be an object'
  if (!isFileId(x.id)) return 'file.id must be 1–64 characters'
  if (!isStr(x.name, LIMITS.maxNameLength, 1)) return 'file.name must be 1–1024 characters'
  if (!isOffset(x.size)) return 'file.size must be a non-negative integer'
  const type = x.type === undefined ? '' : x.type
  if (!isStr(type, LIMITS.maxTypeLength)) return 'file.type must be a string of at most 255 characters'
  const lastModified = x.lastModified === undefined ? 0 : x.lastModified
  if (typeof lastModified !== 'number' || !Number.isFinite(lastModified)) {
    return 'file.lastModified must be a number'
  }
  return { id: x.id, name: x.name, size: x.size, type, lastModified }
}

function parseObject(m: Obj): ControlMessage | string {
  switch (m.t) {
    case 'offer': {
      if (typeof m.v !== 'number') return 'offer.v must be a number'
      if (typeof m.transferId !== 'string' || !TRANSFER_ID_PATTERN.test(m.transferId)) {
        return 'offer.transferId must match [A-Za-z0-9_-]{1,64}'
      }
      if (!Array.isArray(m.files) || m.files.length === 0 || m.files.length > LIMITS.maxFiles) {
        return `offer.files must hold 1–${LIMITS.maxFiles} files`
      }
      const files: FileMeta[] = []
      const ids = new Set<string>()
      for (const f of m.files) {
        const meta = parseFileMeta(f)
        if (typeof meta === 'string') return meta
        if (ids.has(meta.id)) return `duplicate file id ${meta.id}`
        ids.add(meta.id)
        files.push(meta)
      }
      const offer = { t: 'offer' as const, v: m.v, transferId: m.transferId, files }
      const sent = m.sent === undefined ? undefined : parseSent(m.sent, ids)
      if (typeof sent === 'string') return sent
      const withSent = sent === undefined ? offer : { ...offer, sent }
      if (m.digests === undefined) return withSent
      if (!Array.isArray(m.digests) || m.digests.length > 16) return 'offer.digests must be a list of names'
      const digests = m.digests.filter(isDigestAlgorithm)
      if (digests.length === 0) return 'offer.digests names no known digest'
      return { ...withSent, digests }
    }
    case 'accept': {
      if (!Array.isArray(m.files) || m.files.length > LIMITS.maxFiles) return 'accept.files must be an array'
      const files: AcceptedFile[] = []
      for (const f of m.files) {
        if (!isObj(f) || !isFileId(f.id) || !isOffset(f.offset))
          return 'accept.files entries need id and offset'
        files.push({ id: f.id, offset: f.offset })
      }
      const declined = m.declined ?? []
      const completed = m.completed ?? []
      if (!isIdList(declined)) return 'accept.declined must be a list of file ids'
      if (!isIdList(completed)) return 'accept.completed must be a list of file ids'
      if (m.digest === undefined) return { t: 'accept', files, declined, completed }
      if (!isDigestAlgorithm(m.digest)) return 'accept.digest must be a known digest'
      return { t: 'accept', files, declined, completed, digest: m.digest }
    }
    case 'decline':
    case 'cancel': {
      const reason = m.reason ?? ''
      if (!isStr(reason, LIMITS.maxReasonLength)) return `${m.t}.reason must be at most 500 characters`
      return { t: m.t, reason }
    }
    case 'file':
    case 'progress':
      if (!isFileId(m.id) || !isOffset(m.offset)) return `${m.t} needs id and offset`
      return { t: m.t, id: m.id, offset: m.offset }
    case 'file-end':
      if (!isFileId(m.id)) return 'file-end needs id'
      if (!isDigestHex(m.sha256)) {
        return 'file-end.sha256 must be 64 lowercase hex digits'
      }
      return { t: 'file-end', id: m.id, sha256: m.sha256 }
    case 'file-ok':
      if (!isFileId(m.id)) return 'file-ok needs id'
      return { t: 'file-ok', id: m.id }
    case 'pause':
    case 'continue':
      return { t: m.t }
    case 'reclaim':
      if (typeof m.transferId !== 'string' || !TRANSFER_ID_PATTERN.test(m.transferId)) {
        return 'reclaim.transferId must match [A-Za-z0-9_-]{1,64}'
      }
      return { t: 'reclaim', transferId: m.transferId }
    case 'error': {
      if (!isStr(m.code, 64, 1)) return 'error.code must be 1–64 characters'
      const message = m.message ?? ''
      if (!isStr(message, LIMITS.maxReasonLength)) return 'error.message must be at most 500 characters'
      if (m.id !== undefined && !isFileId(m.id)) return 'error.id must be a file id'
      return m.id === undefined
        ? { t: 'error', code: m.code, message }
        : { t: 'error', code: m.code, message, id: m.id }
    }
    default:
      return `unknown control message type ${JSON.stringify(m.t)}`
  }
}

/** Validates a control message (a whole text frame, or the joined text of `part` frames). */
export function parseControl(text: string): ParsedControl {
  const frame = parseFrame(text)
  if (frame.kind === 'part') return { ok: false, reason: 'a part frame inside a control message' }
  return frame.kind === 'control' ? { ok: true, message: frame.message } : { ok: false, reason: frame.reason }
}

export type ParsedFrame =
  | { readonly kind: 'control'; readonly message: ControlMessage }
  /** A piece of a control message's text (see {@link encodeControlFrames}); `end` on the last one. */
  | { readonly kind: 'part'; readonly text: string; readonly end: boolean }
  | { readonly kind: 'invalid'; readonly reason: string }

/** Validates a text frame received on a transfer channel: a control message or a part of one. */
export function parseFrame(text: string): ParsedFrame {
  const invalid = (reason: string): ParsedFrame => ({ kind: 'invalid', reason })
  if (text.length > LIMITS.maxControlFrame) return invalid('control frame too large')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return invalid('control frame is not JSON')
  }
  if (!isObj(value)) return invalid('control frame must be a JSON object')
  if (value.t === 'part') {
    if (typeof value.s !== 'string') return invalid('part.s must be a string')
    if (value.end !== undefined && value.end !== true) return invalid('part.end must be true when present')
    return { kind: 'part', text: value.s, end: value.end === true }
  }
  const parsed = parseObject(value)
  return typeof parsed === 'string' ? invalid(parsed) : { kind: 'control', message: parsed }
}

/** Channel label of a transfer. */
export function transferChannelLabel(transferId: string): string {
  return `${TRANSFER_CHANNEL_PREFIX}${transferId}`
}

/** The transfer id of a channel label, or undefined when the label is not a transfer channel. */
export function transferIdOfLabel(label: string): string | undefined {
  if (!label.startsWith(TRANSFER_CHANNEL_PREFIX)) return undefined
  const id = label.slice(TRANSFER_CHANNEL_PREFIX.length)
  return TRANSFER_ID_PATTERN.test(id) ? id : undefined
}

/** A random transfer id (128 bits, base64url). */
export function newTransferId(): string {
  const bytes = new Uint8Array(16)
  globalThis.crypto.getRandomValues(bytes)
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}
