import { MAX_ID_LENGTH, ROOM_PATTERN } from './constants.js'
import type { IceServer, PeerInfo, ServerMessage, WelcomeMessage } from './messages.js'
import type { IceCandidateData, PeerSignal, SessionDescriptionData } from './peer.js'

/**
 * Hand-written fast paths of the schemas for the messages a client receives on every connect:
 * `welcome`, `peer-joined`, `peer-left` and relayed `signal` from the server, `description` and
 * `candidate` peer signals. Each returns exactly what the schema's parse returns (a fresh object
 * with the known fields only, unknown ones dropped) or `undefined` when it is not sure; the schema
 * then decides and produces the error. Property tests keep each one in step with its schema, which
 * stays the source of truth. Inputs are JSON-parsed values (no `undefined`, no NaN, no prototypes).
 */

type Fields = { readonly [key: string]: unknown }

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null
}

/** `PeerIdSchema`: 1 to 64 UTF-16 code units. */
function isPeerId(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= 64
}

/** `IdSchema` (optional): absent, or a string of at most MAX_ID_LENGTH code units. */
function isOptionalId(value: unknown): value is string | undefined {
  return value === undefined || (typeof value === 'string' && value.length <= MAX_ID_LENGTH)
}

/** `JsonObjectSchema`: a plain object, not an array (kept as is, like the schema does). */
function isJsonObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function peerInfo(value: unknown): PeerInfo | undefined {
  if (!isObject(value) || !isPeerId(value.peerId) || typeof value.name !== 'string') return undefined
  return { peerId: value.peerId, name: value.name }
}

function iceServer(value: unknown): IceServer | undefined {
  if (!isObject(value)) return undefined
  const { urls, username, credential } = value
  let copy: string | string[]
  if (typeof urls === 'string') copy = urls
  else if (Array.isArray(urls) && urls.every((url) => typeof url === 'string')) copy = [...(urls as string[])]
  else return undefined
  if (username !== undefined && typeof username !== 'string') return undefined
  if (credential !== undefined && typeof credential !== 'string') return undefined
  const server: IceServer = { urls: copy }
  if (username !== undefined) server.username = username
  if (credential !== undefined) server.credential = credential
  return server
}

/** Maps every element with `item`; undefined if `value` is not an array or an element does not fit. */
function arrayOf<T>(value: unknown, item: (element: unknown) => T | undefined): T[] | undefined {
  if (!Array.isArray(value)) return undefined
  const out: T[] = []
  for (const element of value) {
    const copy = item(element)
    if (copy === undefined) return undefined
    out.push(copy)
  }
  return out
}

const optionalBoolean = (value: unknown): boolean => value === undefined || typeof value === 'boolean'
const optionalNumber = (value: unknown): boolean => value === undefined || typeof value === 'number'

function welcome(m: Fields): WelcomeMessage | undefined {
  const { peerId, room, resume, resumed, restored, resumeGrace, protocol, ref } = m
  if (!isPeerId(peerId) || typeof room !== 'string' || !ROOM_PATTERN.test(room)) return undefined
  if (typeof resume !== 'string' || !isOptionalId(ref)) return undefined
  if (!optionalBoolean(resumed) || !optionalBoolean(restored)) return undefined
  if (!optionalNumber(resumeGrace) || !optionalNumber(protocol)) return undefined
  const peers = arrayOf(m.peers, peerInfo)
  const iceServers = arrayOf(m.iceServers, iceServer)
  if (peers === undefined || iceServers === undefined) return undefined
  const out: WelcomeMessage = { type: 'welcome', peerId, room, peers, iceServers, resume }
  if (resumed !== undefined) out.resumed = resumed as boolean
  if (restored !== undefined) out.restored = restored as boolean
  if (resumeGrace !== undefined) out.resumeGrace = resumeGrace as number
  if (protocol !== undefined) out.protocol = protocol as number
  if (ref !== undefined) out.ref = ref
  return out
}

/** The server message `input` is, when it is a welcome, peer-joined, peer-left or signal; else undefined. */
export function fastServerMessage(input: unknown): ServerMessage | undefined {
  if (!isObject(input)) return undefined
  switch (input.type) {
    case 'signal': {
      const { from, data } = input
      return isPeerId(from) && isJsonObject(data) ? { type: 'signal', from, data } : undefined
    }
    case 'peer-joined': {
      const peer = peerInfo(input.peer)
      return peer === undefined ? undefined : { type: 'peer-joined', peer }
    }
    case 'peer-left':
      return isPeerId(input.peerId) ? { type: 'peer-left', peerId: input.peerId } : undefined
    case 'welcome':
      return welcome(input)
    default:
      return undefined
  }
}

const DESCRIPTION_TYPES: ReadonlySet<unknown> = new Set(['offer', 'answer', 'pranswer', 'rollback'])

/** `EpochSchema`: absent, or an integer from 0 to 2^31. */
function isOptionalEpoch(value: unknown): value is number | undefined {
  return (
    value === undefined || (Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 2 ** 31)
  )
}

function optionalNullableString(value: unknown): boolean {
  return value === undefined || value === null || typeof value === 'string'
}

function candidate(value: unknown): IceCandidateData | null | undefined {
  if (value === null) return null
  if (!isObject(value) || typeof value.candidate !== 'string') return undefined
  const { sdpMid, sdpMLineIndex, usernameFragment } = value
  if (!optionalNullableString(sdpMid) || !optionalNullableString(usernameFragment)) return undefined
  if (sdpMLineIndex !== undefined && sdpMLineIndex !== null && typeof sdpMLineIndex !== 'number')
    return undefined
  const out: IceCandidateData = { candidate: value.candidate }
  if (sdpMid !== undefined) out.sdpMid = sdpMid as string | null
  if (sdpMLineIndex !== undefined) out.sdpMLineIndex = sdpMLineIndex as number | null
  if (usernameFragment !== undefined) out.usernameFragment = usernameFragment as string | null
  return out
}

function description(value: unknown): SessionDescriptionData | undefined {
  if (!isObject(value) || !DESCRIPTION_TYPES.has(value.type)) return undefined
  const type = value.type as SessionDescriptionData['type']
  const sdp = value.sdp
  if (sdp === undefined) return { type }
  return typeof sdp === 'string' ? { type, sdp } : undefined
}

/** The peer signal `data` is, when it is a description or a candidate; else undefined. */
export function fastPeerSignal(data: unknown): PeerSignal | undefined {
  if (!isObject(data) || !isOptionalEpoch(data.epoch)) return undefined
  const epoch = data.epoch
  if (data.kind === 'candidate') {
    const c = candidate(data.candidate)
    if (c === undefined) return undefined
    return epoch === undefined
      ? { kind: 'candidate', candidate: c }
      : { kind: 'candidate', candidate: c, epoch }
  }
  if (data.kind === 'description') {
    const d = description(data.description)
    const { renegotiation, announceChannels } = data
    if (d === undefined || !optionalBoolean(renegotiation) || !optionalBoolean(announceChannels))
      return undefined
    const out: PeerSignal = { kind: 'description', description: d }
    if (epoch !== undefined) out.epoch = epoch
    if (renegotiation !== undefined) out.renegotiation = renegotiation as boolean
    if (announceChannels !== undefined) out.announceChannels = announceChannels as boolean
    return out
  }
  return undefined
}
