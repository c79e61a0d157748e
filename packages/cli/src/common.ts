import { type Logger, ParleyError, type Participant, type Room } from '@parley/client'
import { CliError, Exit } from './exit.js'

/** Logger for the SDK: silent unless PARLEY_DEBUG is set (then everything goes to stderr). */
export function cliLogger(env: Readonly<Record<string, string | undefined>>): Logger | undefined {
  if (!env.PARLEY_DEBUG) return undefined
  const write =
    (level: string) =>
    (...args: unknown[]) =>
      process.stderr.write(
        `[${level}] ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}\n`,
      )
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') }
}

/** Joins `room`, mapping failures to one-line reasons. */
export async function joinRoom(
  RoomClass: typeof Room,
  server: string,
  room: string,
  name: string,
  logger: Logger | undefined,
): Promise<Room> {
  try {
    return await RoomClass.join(server, room, { name, ...(logger ? { logger } : {}) })
  } catch (error) {
    if (
      error instanceof ParleyError &&
      (error.code === 'SIGNALING_UNREACHABLE' || error.code === 'TIMEOUT')
    ) {
      throw new CliError(Exit.SERVER_UNREACHABLE, `cannot reach the Parley server at ${server}`, {
        cause: error,
      })
    }
    if (error instanceof ParleyError && error.code === 'INVALID_ARGUMENT') {
      throw new CliError(Exit.USAGE, error.message, { cause: error })
    }
    throw error
  }
}

/** Resolves when `peer` is connected (peer-to-peer). */
export function whenConnected(room: Room, peer: Participant): Promise<void> {
  if (peer.state === 'connected') return Promise.resolve()
  return new Promise((resolve) => {
    const off = room.on('connection-state', (p, state) => {
      if (p.peerId === peer.peerId && state === 'connected') {
        off()
        resolve()
      }
    })
  })
}

/**
 * Test hooks (PARLEY_TEST_HOOKS=1): SIGUSR2 kills the transport to every peer (closes the current
 * RTCPeerConnection: in-flight bytes are lost, both ends see the transfer channel close) and asks
 * the SDK to recover (ICE restart, or a new connection where node-datachannel cannot restart ICE).
 */
export function installTestHooks(room: Room, env: Readonly<Record<string, string | undefined>>): void {
  if (env.PARLEY_TEST_HOOKS !== '1') return
  process.on('SIGUSR2', () => {
    for (const p of room.participants.values()) {
      p.peerConnection?.close()
      p.restartIce()
    }
  })
}

/**
 * Resolves on the first SIGINT (Ctrl-C), SIGTERM or SIGHUP (the terminal closed), with what to call
 * it in the one-line reason: each stops the command cleanly (the other side told, partial files
 * removed) instead of killing it mid-write.
 */
export function interrupted(): Promise<string> {
  return new Promise((resolve) => {
    const on = (why: string) => () => resolve(why)
    process.once('SIGINT', on('Ctrl-C'))
    process.once('SIGTERM', on('SIGTERM'))
    process.once('SIGHUP', on('hang-up'))
  })
}
