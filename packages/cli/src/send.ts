import {
  assertOfferable,
  eachLimited,
  isParleyError,
  NodeFileSource,
  type OutgoingTransfer,
  ParleyError,
  type Participant,
  Room,
  TransferManager,
} from '@parley/client'
import { linkFor, newCode } from './code.js'
import { cliLogger, installTestHooks, interrupted, joinRoom } from './common.js'
import { watchConnecting } from './connectWatch.js'
import { CliError, Exit, type ExitCode } from './exit.js'
import { type FileToSend, walkFiles } from './folderWalk.js'
import { RouteReporter } from './route.js'
import { formatBytes, formatDuration, type Io, ProgressView } from './ui.js'

/** Failures after which the sender keeps waiting for a receiver (it went away; it may come back). */
const PEER_GONE = ['CLOSED', 'TIMEOUT', 'PEER_FAILED']
/**
 * How long an interrupted transfer's receiver has to come back before a waiting receiver takes
 * over: a short network blip heals first (ICE restart), a killed receive does not.
 */
const HANDOVER_AFTER_MS = 5000
/** Files opened at once before the offer. */
const OPEN_CONCURRENCY = 8

export interface SendCommand {
  readonly files: readonly string[]
  readonly server: string
}

/** `parley send`: offers the files to the receivers that join the code's room, until one has them. */
export async function send(cmd: SendCommand, io: Io): Promise<ExitCode> {
  const logger = cliLogger(io.env)
  const { files, skipped } = await walkFiles(cmd.files)
  if (skipped.length > 0) {
    const shown = skipped.slice(0, 3).join(', ')
    const more = skipped.length > 3 ? ` and ${skipped.length - 3} more` : ''
    io.stderr.write(
      `Skipping ${shown}${more}: ${skipped.length === 1 ? 'not a regular file' : 'not regular files'} (links to folders, sockets and devices are not sent).\n`,
    )
  }
  const sources = await openAll(files)
  try {
    assertOfferable(sources)
  } catch (error) {
    await Promise.all(sources.map((s) => s.close()))
    throw new CliError(Exit.USAGE, error instanceof Error ? error.message : String(error), { cause: error })
  }
  const total = sources.reduce((sum, s) => sum + s.size, 0)
  let room: Room | undefined
  const senders: OutgoingTransfer[] = []
  let stopWatch = () => {}
  try {
    let code = ''
    for (let attempt = 0; attempt < 5; attempt++) {
      code = newCode()
      room = await joinRoom(Room, cmd.server, code, 'parley send', logger)
      if (room.participants.size === 0) break // a fresh code nobody uses
      await room.leave()
      room = undefined
    }
    if (!room) throw new CliError(Exit.FAILURE, 'could not find a free code; try again')
    io.stdout.write(
      `Code: ${code}\nLink: ${linkFor(cmd.server, code)}\nOn the other side: parley receive ${code}\n`,
    )
    const count = sources.length === 1 ? '1 file' : `${sources.length} files`
    io.stderr.write(`Sending ${count} (${formatBytes(total)}). Waiting for a receiver… (Ctrl-C to stop)\n`)
    installTestHooks(room, io.env)
    const joined = room
    // a receiver that meets us on the server but cannot connect is told of, not waited for in silence
    stopWatch = watchConnecting(joined, io, { role: 'the receiver' })
    // A receiver that drops out (network gone past the server's resume grace) leaves its transfer
    // waiting (`awaitRejoin`, the default): back under a new id, a browser asks for it again
    // (`reclaim`) and it continues; a receive run again, which does not ask, is offered anew once
    // the handover time passed (below) and resumes from its partial file.
    const manager = new TransferManager(joined, logger ? { logger } : {})
    /**
     * Receivers offered to, by participant: one met afresh under the same peer id (our session was
     * dropped and it saw us leave) is a new participant, offered to again (its partial file resumes).
     */
    const offered = new WeakSet<Participant>()
    /**
     * Receivers that came while a transfer was under way, latest last: one takes over when that
     * transfer's receiver is lost (a receive that crashed or was killed, run again: its partial
     * file resumes), instead of waiting for a receiver that will not come back.
     */
    const waiting: Participant[] = []
    /** Transfers closed because another receiver took over (their end is not news). */
    const replaced = new Set<OutgoingTransfer>()
    /** When each interrupted transfer was interrupted (its receiver has HANDOVER_AFTER_MS to come back). */
    const interruptedAt = new Map<OutgoingTransfer, number>()
    const started = Date.now()
    // a receiver back under a new id that reclaimed its transfer: that transfer is its offer
    manager.on('transfer', (transfer, peer) => {
      if (!senders.includes(transfer as OutgoingTransfer)) return
      const participant = joined.participant(peer.peerId)
      if (participant) offered.add(participant)
    })

    const outcome = new Promise<ExitCode>((resolve, reject) => {
      /**
       * The latest waiting receiver still here and connected takes over from a lost transfer (one
       * still connecting is offered to once connected, like any receiver).
       */
      const takeOver = () => {
        while (waiting.length > 0) {
          const peer = waiting.pop()!
          if (offered.has(peer)) continue
          if (joined.participant(peer.peerId) !== peer || peer.state !== 'connected') continue
          offerTo(peer).catch(reject)
          return
        }
      }
      const offerTo = async (peer: Participant) => {
        if (offered.has(peer)) return
        const busy = senders.find((s) => !s.isTerminal && s.state !== 'interrupted')
        // a transfer whose receiver may still come back (and this may be it, under a new id)
        const resuming = senders.find(
          (s) => s.state === 'interrupted' && Date.now() - (interruptedAt.get(s) ?? 0) < HANDOVER_AFTER_MS,
        )
        if (busy || resuming) {
          if (!waiting.includes(peer)) waiting.push(peer)
          io.stderr.write(
            busy
              ? `${peer.name || 'Someone'} joined while a transfer is under way: it takes over if the current receiver is lost.\n`
              : `${peer.name || 'Someone'} joined: it takes over unless the transfer's receiver is back within ${HANDOVER_AFTER_MS / 1000} s.\n`,
          )
          return
        }
        // one receiver at a time: a transfer waiting for its lost receiver ends (its partial file
        // stays with that receiver, which a receive run again in the same place resumes)
        for (const s of senders) {
          if (s.state !== 'interrupted') continue
          replaced.add(s)
          s.close('another receiver took over')
        }
        offered.add(peer)
        const sas = peer.sas ? ` (verification code ${peer.sas})` : ''
        io.stderr.write(`Receiver connected${sas}. Waiting for them to accept…\n`)
        const view = new ProgressView(io, 'Sending')
        // how the bytes travel (directly, or through a TURN relay), once the route settled
        const route = new RouteReporter(peer, (line) => view.note(line))
        const [sender] = await manager.sendFiles(peer, sources)
        if (!sender) {
          route.stop()
          return
        }
        senders.push(sender)
        sender.on('progress', (p) => view.update(p))
        let accepted = false
        sender.on('state', (state, error) => {
          if (state !== 'interrupted') interruptedAt.delete(sender)
          if (state === 'active') {
            io.stderr.write(accepted ? 'The receiver is back: resuming.\n' : 'Accepted.\n')
            accepted = true
          } else if (state === 'interrupted') {
            interruptedAt.set(sender, Date.now())
            view.finish()
            io.stderr.write('Connection lost; resuming when the receiver is back…\n')
            // unless it is back by then, a waiting receiver takes over
            setTimeout(() => {
              if (sender.state === 'interrupted') takeOver()
            }, HANDOVER_AFTER_MS).unref()
          } else if (state === 'done') {
            const seconds = (Date.now() - started) / 1000
            void route.finish().then(() => {
              view.update(sender.progress, true)
              view.finish()
              io.stdout.write(
                `Sent ${count}, ${formatBytes(total)} in ${formatDuration(seconds)}; the receiver verified the SHA-256.\n`,
              )
              resolve(Exit.OK)
            })
          } else if (state === 'failed' || state === 'cancelled') {
            route.stop()
            view.finish()
            if (replaced.has(sender)) return
            if (error && PEER_GONE.includes(error.code)) {
              io.stderr.write(`${error.message}. Waiting for a receiver…\n`)
              queueMicrotask(takeOver)
            } else {
              reject(error ?? new ParleyError('CANCELLED', 'cancelled'))
            }
          }
        })
      }
      joined.on('participant-left', (peer, reason) => {
        if (reason !== 'dropped') return
        if (!senders.some((s) => !s.isTerminal && manager.peerOf(s)?.peerId === peer.peerId)) return
        io.stderr.write(`${peer.name || 'The receiver'} dropped out; waiting for them to come back…\n`)
      })
      joined.on('connection-state', (peer, state) => {
        if (state === 'connected') offerTo(peer).catch(reject)
      })
    })

    const winner = await Promise.race([outcome, interrupted().then((why) => ({ interrupted: why }))])
    if (typeof winner === 'object') {
      const why = winner.interrupted
      const running = senders.filter((s) => !s.isTerminal)
      await withTimeout(Promise.all(running.map((s) => s.cancel('cancelled by the sender'))), 3000)
      throw new CliError(Exit.INTERRUPTED, `${running.length > 0 ? 'cancelled' : 'stopped'} (${why})`)
    }
    return winner
  } catch (error) {
    if (isParleyError(error) && error.code === 'CANCELLED') {
      throw new CliError(Exit.CANCELLED, `the receiver cancelled: ${error.message}`, { cause: error })
    }
    if (isParleyError(error) && error.code === 'DECLINED') {
      throw new CliError(Exit.DECLINED, `the receiver ${error.message}`, { cause: error })
    }
    if (isParleyError(error) && (error.code === 'DISK_FULL' || error.code === 'WRITE_FAILED')) {
      throw new CliError(Exit.WRITE_FAILED, `the receiver cannot store the files: ${error.message}`, {
        cause: error,
      })
    }
    throw error
  } finally {
    stopWatch()
    if (io.env.PARLEY_TEST_HOOKS === '1') {
      const stats = senders.map((s) => ({ dataBytesSent: s.dataBytesSent, attempts: s.attempts }))
      io.stderr.write(`parley-test-stats ${JSON.stringify(stats)}\n`)
    }
    if (room) await withTimeout(room.leave(), 2000)
    await Promise.all(sources.map((s) => s.close()))
  }
}

/**
 * Opens every file, eight at a time (each open is a few thread-pool round trips: one at a time, a
 * send of 10,000 files took seconds to print its code). A failure closes what was opened and names
 * the first failing path in the given order, as opening them one by one would.
 */
async function openAll(files: readonly FileToSend[]): Promise<NodeFileSource[]> {
  const sources: (NodeFileSource | undefined)[] = new Array(files.length)
  const failures: { index: number; error: unknown }[] = []
  // files are taken in order and none starts after a failure: every earlier one was tried already
  await eachLimited([...files.keys()], OPEN_CONCURRENCY, async (index) => {
    try {
      const file = files[index]!
      sources[index] = await NodeFileSource.open(file.path, file.name)
    } catch (error) {
      failures.push({ index, error })
      throw error
    }
  }).catch(() => undefined) // every failure is in `failures`: the first in the given order is named
  const failed = failures.sort((a, b) => a.index - b.index)[0]
  if (!failed) return sources as NodeFileSource[]
  await Promise.all(sources.map((s) => s?.close()))
  const { error } = failed
  if (isParleyError(error) && error.code === 'FILE_NOT_FOUND') {
    throw new CliError(Exit.FILE_NOT_FOUND, error.message, { cause: error })
  }
  throw error
}

export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms)
  })
  try {
    return await Promise.race([promise.catch(() => undefined), timeout])
  } finally {
    clearTimeout(timer)
  }
}
