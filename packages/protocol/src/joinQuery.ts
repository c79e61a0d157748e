import * as v from 'valibot'
import { ErrorCode } from './errors.js'
import { type JoinMessage, JoinMessageSchema } from './messages.js'
import { correlationId, type ParseResult } from './parse.js'

/**
 * Join on the WebSocket upgrade: a client may put its `join` in the query string of the `/ws` URL
 * (`/ws?join=<id>&room=<room>&name=…&token=…&resume=…`). The server then admits it while the socket
 * opens and its first frame is the `welcome` (or an `error`) with `ref` = the `join` value, exactly
 * as if the client had sent the `join` message first — one round trip less before the first signal.
 * The parameters are the fields of the `join` message with the same names and the same rules
 * (`join` is the message's `id`). A URL without `join` is a plain connection: the client sends `join`.
 */
export const JOIN_QUERY_FIELDS = ['join', 'room', 'name', 'token', 'resume'] as const

/** Builds the query string (without `?`) that joins on the upgrade; `join` = the message's id (or ''). */
export function joinQuery(join: JoinMessage): string {
  const params = new URLSearchParams({ join: join.id ?? '', room: join.room })
  if (join.name !== undefined) params.set('name', join.name)
  if (join.token !== undefined) params.set('token', join.token)
  if (join.resume !== undefined) params.set('resume', join.resume)
  return params.toString()
}

/**
 * Reads a join from an upgrade URL's query string: `undefined` when the URL carries none (no `join`
 * parameter), otherwise the validated `join` message or why it is invalid (`ref` = the `join` value).
 */
export function joinFromQuery(search: string): ParseResult<JoinMessage> | undefined {
  const params = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search)
  const id = params.get('join')
  if (id === null) return undefined
  const candidate: Record<string, string> = { type: 'join', id }
  for (const field of JOIN_QUERY_FIELDS) {
    if (field === 'join') continue
    const values = params.getAll(field)
    if (values.length > 1)
      return { ok: false, code: ErrorCode.BAD_MESSAGE, message: `query parameter ${field} given twice` }
    const value = values[0]
    if (value !== undefined) candidate[field] = value
  }
  const result = v.safeParse(JoinMessageSchema, candidate)
  if (result.success) return { ok: true, value: result.output }
  const issue = result.issues[0]
  const path = issue.path?.map((item) => String(item.key)).join('.') ?? ''
  const where = path === 'id' ? 'join' : path
  const message = `${where ? `${where}: ` : ''}${issue.message}`
  const ref = correlationId(candidate)
  return ref === undefined
    ? { ok: false, code: ErrorCode.BAD_MESSAGE, message }
    : { ok: false, code: ErrorCode.BAD_MESSAGE, message, ref }
}
