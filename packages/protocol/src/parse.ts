import * as v from 'valibot'
import { MAX_ID_LENGTH } from './constants.js'
import { ErrorCode } from './errors.js'
import { fastServerMessage } from './fastParse.js'
import {
  type ClientMessage,
  ClientMessageSchema,
  type ServerMessage,
  ServerMessageSchema,
} from './messages.js'

export type ParseResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string; readonly ref?: string }

/** The `id` of a message, if it has a usable one, so that an error can echo it as `ref`. */
export function correlationId(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined
  const id = (input as { id?: unknown }).id
  return typeof id === 'string' && id.length <= MAX_ID_LENGTH ? id : undefined
}

function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  const first = issues[0]
  if (!first) return 'invalid message'
  const path = first.path?.map((p) => String(p.key)).join('.')
  return path ? `${path}: ${first.message}` : first.message
}

function fail(code: ErrorCode, message: string, ref: string | undefined): ParseResult<never> {
  return ref === undefined ? { ok: false, code, message } : { ok: false, code, message, ref }
}

/** Validates an already JSON-parsed value as a client → server message. */
export function parseClientMessage(input: unknown): ParseResult<ClientMessage> {
  const result = v.safeParse(ClientMessageSchema, input)
  if (result.success) return { ok: true, value: result.output }
  return fail(ErrorCode.BAD_MESSAGE, describeIssues(result.issues), correlationId(input))
}

/** Validates an already JSON-parsed value as a server → client message. */
export function parseServerMessage(input: unknown): ParseResult<ServerMessage> {
  const fast = fastServerMessage(input)
  if (fast !== undefined) return { ok: true, value: fast }
  const result = v.safeParse(ServerMessageSchema, input)
  if (result.success) return { ok: true, value: result.output }
  return fail(ErrorCode.BAD_MESSAGE, describeIssues(result.issues), undefined)
}

function parseJson(text: string): ParseResult<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'parse error'
    return { ok: false, code: ErrorCode.BAD_MESSAGE, message: `invalid JSON: ${reason}` }
  }
}

/** Decodes a text frame sent by a client. */
export function decodeClientFrame(text: string): ParseResult<ClientMessage> {
  const json = parseJson(text)
  return json.ok ? parseClientMessage(json.value) : json
}

/** Decodes a text frame sent by the server. */
export function decodeServerFrame(text: string): ParseResult<ServerMessage> {
  const json = parseJson(text)
  return json.ok ? parseServerMessage(json.value) : json
}

/** Serializes a message of either direction as a JSON text frame. */
export function encodeMessage(message: ClientMessage | ServerMessage): string {
  return JSON.stringify(message)
}
