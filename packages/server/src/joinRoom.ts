import { ErrorCode, type JoinMessage, type PeerInfo, PROTOCOL_VERSION } from '@parley/protocol'
import type { ServerContext } from './context.js'
import type { JoinResult } from './Directory.js'
import type { Session } from './Session.js'

export type JoinOutcome =
  | {
      readonly ok: true
      readonly session: Session
      /** The room's other peers. */
      readonly peers: readonly PeerInfo[]
      readonly resumed: boolean
      /** Resumed from a token of a previous server process (the server restarted). */
      readonly restored?: boolean
    }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string }

const REFUSALS = {
  ROOM_FULL: 'room is full',
  TOO_MANY_ROOMS: 'the server cannot open more rooms',
} as const

/** Admits a fresh `join`: auth, a new session, the directory's limits. */
export async function admit(ctx: ServerContext, msg: JoinMessage): Promise<JoinOutcome> {
  let name = msg.name ?? ''
  if (ctx.auth !== undefined) {
    const verdict = await ctx.auth.verify(msg.token, msg.room)
    if (!verdict.ok) return { ok: false, code: ErrorCode.UNAUTHORIZED, message: verdict.reason }
    if (verdict.grant.name !== undefined) name = verdict.grant.name
  }
  return enterRoom(ctx, ctx.sessions.create(msg.room, name), false)
}

/**
 * Puts a new (or restored) session into its room through the directory; a refusal (room full, too
 * many rooms) or a failure ends the session again.
 */
async function enterRoom(ctx: ServerContext, session: Session, restored: boolean): Promise<JoinOutcome> {
  let result: JoinResult
  try {
    result = await ctx.directory.join(session.room, session)
  } catch (error) {
    ctx.sessions.end(session, 'refused')
    throw error
  }
  if (!result.ok) {
    ctx.sessions.end(session, 'refused')
    const limit = result.code === 'ROOM_FULL' ? ` (${ctx.config.maxPeersPerRoom} peers)` : ''
    return { ok: false, code: ErrorCode[result.code], message: `${REFUSALS[result.code]}${limit}` }
  }
  return restored
    ? { ok: true, session, peers: result.peers, resumed: true, restored: true }
    : { ok: true, session, peers: result.peers, resumed: false }
}

/**
 * Finds the session a `join` with `resume` names. The caller attaches it only if its token is still
 * `msg.resume` by then (a concurrent resume may have won).
 */
export async function findResumable(
  ctx: ServerContext,
  msg: JoinMessage & { resume: string },
): Promise<JoinOutcome> {
  const session = ctx.sessions.findResumable(msg.resume, msg.room)
  if (session === undefined) return restore(ctx, msg)
  const members = await ctx.directory.peers(msg.room)
  const peers = members.filter((p) => p.peerId !== session.peerId)
  return { ok: true, session, peers, resumed: true }
}

const RESUME_FAILED = {
  ok: false,
  code: ErrorCode.RESUME_FAILED,
  message: 'unknown or expired resume token for this room',
} as const

/**
 * Re-creates a session from a token that a previous server process signed with the same resume
 * secret, so that clients keep their peer ids across a restart. Only during the first grace period
 * of this process: any session newer than that is known to this process, so an unknown token
 * after it is stale or revoked.
 */
async function restore(ctx: ServerContext, msg: JoinMessage & { resume: string }): Promise<JoinOutcome> {
  if (!ctx.canRestore()) return RESUME_FAILED
  const claims = ctx.sessions.claimsOf(msg.resume)
  if (claims === undefined || claims.room !== msg.room) return RESUME_FAILED
  const session = ctx.sessions.restore(claims, msg.resume)
  if (session === undefined) return RESUME_FAILED
  const outcome = await enterRoom(ctx, session, true)
  if (outcome.ok)
    ctx.logger.info({ peerId: session.peerId, room: session.room }, 'session restored after restart')
  return outcome
}

/** The welcome frame for an admitted or resumed session. */
export function welcomeFrame(
  ctx: ServerContext,
  session: Session,
  peers: readonly PeerInfo[],
  resumed: boolean,
  ref: string | undefined,
  restored = false,
): string {
  return JSON.stringify({
    type: 'welcome',
    peerId: session.peerId,
    room: session.room,
    peers: peers.map((p) => ({ peerId: p.peerId, name: p.name })),
    iceServers: ctx.iceServersFor(session.peerId),
    resume: session.resumeToken,
    resumed,
    ...(restored ? { restored } : {}),
    resumeGrace: ctx.config.resumeGraceMs / 1000,
    protocol: PROTOCOL_VERSION,
    ...(ref === undefined ? {} : { ref }),
  })
}
