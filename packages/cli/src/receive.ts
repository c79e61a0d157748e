import { randomBytes } from 'node:crypto'
import { rm, stat, writeFile } from 'node:fs/promises'
import { join, resolve as resolvePath } from 'node:path'
import {
  distinctPaths,
  type FileMeta,
  type IncomingOffer,
  isParleyError,
  NodeFileSink,
  Room,
  SpaceBudget,
  safeRelativePath,
  TransferManager,
} from '@parley/client'
import { DEFAULT_SERVER } from './args.js'
import { parseCode } from './code.js'
import { cliLogger, installTestHooks, interrupted, joinRoom } from './common.js'
import { NO_PATH_REASON, watchConnecting } from './connectWatch.js'
import { CliError, Exit, type ExitCode } from './exit.js'
import { ReceivedFolders } from './ReceivedFolders.js'
import { RouteReporter } from './route.js'
import { withTimeout } from './send.js'
import { askYesNo, formatBytes, type Io, ProgressView } from './ui.js'

/** How long a receiver waits for the sender to come back after losing it. */
const COME_BACK_MS = 120_000
const PEER_GONE = ['CLOSED', 'TIMEOUT', 'PEER_FAILED']

export interface ReceiveCommand {
  readonly code: string
  readonly server: string | undefined
  readonly out: string
  readonly confirm: boolean
  readonly force: boolean
  readonly timeoutMs: number
}

/** `parley receive`: joins the code's room, accepts the offer, writes and verifies the files. */
export async function receive(cmd: ReceiveCommand, io: Io): Promise<ExitCode> {
  const parsed = parseCode(cmd.code)
  if (!parsed) throw new CliError(Exit.USAGE, `not a transfer code or link: ${JSON.stringify(cmd.code)}`)
  const server = cmd.server ?? parsed.server ?? DEFAULT_SERVER
  const dir = resolvePath(cmd.out)
  await checkWritableDir(dir)
  const logger = cliLogger(io.env)
  const room = await joinRoom(Room, server, parsed.code, 'parley receive', logger)
  installTestHooks(room, io.env)
  const manager = new TransferManager(room, {
    // A sender that drops out (network gone past the server's resume grace) is waited for
    // (`awaitRejoin`, the default): back under a new id, or when this receive is (it then asks the
    // sender for the transfer again), the same transfer continues. A sender that offers anew
    // instead (both sides back under new ids) replaces it (below).
    resumeTimeoutMs: COME_BACK_MS,
    ...(logger ? { logger } : {}),
  })
  const pending: IncomingOffer[] = []
  let wake: (() => void) | undefined
  manager.on('offer', (offer) => {
    pending.push(offer)
    wake?.()
  })
  const nextOffer = (ms: number) =>
    new Promise<IncomingOffer | undefined>((resolve) => {
      const take = () => {
        clearTimeout(timer)
        wake = undefined
        resolve(pending.shift())
      }
      const timer = setTimeout(take, ms)
      wake = take
      if (pending.length > 0) take()
    })

  /** Resolves true when an offer is waiting (never rejects); `off` stops waiting. */
  const offerArrived = () => {
    let off = () => {}
    const arrived = new Promise<boolean>((resolve) => {
      if (pending.length > 0) return resolve(true)
      off = manager.on('offer', () => {
        off()
        resolve(true)
      })
    })
    return { arrived, off: () => off() }
  }

  /** Every sender here failed to connect before any offer (set by the watch, which says why). */
  let unreachable = false
  const stopWatch = watchConnecting(room, io, {
    role: 'the sender',
    onFailed: () => {
      if (current || ![...room.participants.values()].every((p) => p.state === 'failed')) return
      unreachable = true
      wake?.()
    },
  })

  let current: IncomingOffer | undefined
  /** The folders made for the offer's files (a folder sent whole). */
  let folders: ReceivedFolders | undefined
  const stop = interrupted()
  try {
    const work = (async (): Promise<ExitCode> => {
      let names: Map<number, string> | undefined
      let first: readonly FileMeta[] | undefined
      for (;;) {
        let offer = await nextOffer(first ? COME_BACK_MS : cmd.timeoutMs)
        // Someone holds the code but made no offer: a sender busy with another receiver (it hands
        // over when that one is lost: a receive that crashed and runs again), or one that no
        // connection reaches yet (the watch says so).
        const holder = !offer && !first && room.participants.size > 0 && !unreachable
        const busy = holder && [...room.participants.values()].some((p) => p.state === 'connected')
        if (holder) {
          if (busy) io.stderr.write('The sender is busy with another receiver; waiting for it…\n')
          // until an offer comes, the time is up, nobody is left to make one, or no connection worked
          const off = room.on('participant-left', () => {
            if (room.participants.size === 0) wake?.()
          })
          offer = await nextOffer(COME_BACK_MS).finally(off)
        }
        if (!offer) {
          if (!first && (unreachable || (holder && !busy))) {
            throw new CliError(
              Exit.FAILURE,
              unreachable
                ? `cannot connect to the sender: ${NO_PATH_REASON}`
                : `no connection to the sender of code ${parsed.code} worked (waited ${Math.round((cmd.timeoutMs + COME_BACK_MS) / 1000)} s)`,
            )
          }
          if (busy) {
            throw new CliError(
              Exit.NO_SUCH_CODE,
              room.participants.size === 0
                ? `the sender of code ${parsed.code} sent its files to another receiver and left`
                : `the sender of code ${parsed.code} stayed busy with another receiver (waited ${Math.round((cmd.timeoutMs + COME_BACK_MS) / 1000)} s)`,
            )
          }
          if (!first) {
            throw new CliError(
              Exit.NO_SUCH_CODE,
              `no sender with code ${parsed.code} on ${server} (waited ${Math.round(cmd.timeoutMs / 1000)} s)`,
            )
          }
          throw new CliError(Exit.FAILURE, 'the sender went away and did not come back')
        }
        if (current) {
          // A new offer replaces the previous transfer (the sender came back as a new peer):
          // stop the old one, keeping its partial file, before the new one opens the same file.
          current.transfer.close('replaced by a new offer')
          await current.transfer.settled()
        }
        current = offer
        if (!first) {
          first = offer.files
          describeOffer(io, offer)
          if (cmd.confirm && !(await askYesNo(io, 'Accept?'))) {
            await offer.decline('declined by the receiver')
            throw new CliError(Exit.DECLINED, 'declined')
          }
          names = chooseNames(offer.files)
        } else if (!sameFiles(first, offer.files)) {
          await offer.decline('a different offer arrived while resuming')
          continue
        } else {
          io.stderr.write('The sender is back: resuming.\n')
        }
        const chosen = names!
        // by position in the offer (a resumed offer has the same files in the same order)
        const nameById = new Map(offer.files.map((m, i) => [m.id, chosen.get(i)!]))
        // the files must fit: refused at the accept, not when the disk fills up
        const space = await SpaceBudget.of(dir).catch(() => undefined)
        // a folder sent whole: its folders are made here first, with one listing each
        folders ??= new ReceivedFolders(dir)
        await folders.make([...chosen.values()])
        const inFolders = folders
        // named one per line up to MAX_LISTED of each kind, then counted
        const found = { here: 0, resumed: 0 }
        await offer.accept('all', (meta) => {
          const sink = new NodeFileSink({
            ...inFolders.folderOf(nameById.get(meta.id)!),
            overwrite: cmd.force,
            ...(space ? { space } : {}),
          })
          return {
            open: async (m) => {
              const offset = await sink.open(m)
              if (sink.existing) {
                if (found.here++ < MAX_LISTED)
                  io.stderr.write(`${m.name} is here already (same size and time): checking it.\n`)
              } else if (offset > 0 && found.resumed++ < MAX_LISTED) {
                io.stderr.write(`Resuming ${m.name} at ${formatBytes(offset)}.\n`)
              }
              return offset
            },
            get existing() {
              return sink.existing
            },
            readBack: (o, l) => sink.readBack(o, l),
            write: (c) => sink.write(c),
            checkpoint: (o) => sink.checkpoint(o),
            complete: () => sink.complete(),
            discard: () => sink.discard(),
            close: () => sink.close(),
          }
        })
        if (found.here > MAX_LISTED) {
          io.stderr.write(`… and ${found.here - MAX_LISTED} more files are here already: checking them.\n`)
        }
        if (found.resumed > MAX_LISTED) {
          io.stderr.write(`… and ${found.resumed - MAX_LISTED} more partial files resume.\n`)
        }
        const transfer = offer.transfer
        const view = new ProgressView(io, 'Receiving')
        transfer.on('progress', (p) => view.update(p))
        // how the bytes travel (directly, or through a TURN relay), once the route settled
        const from = room.participant(offer.from.peerId)
        const route = from ? new RouteReporter(from, (line) => view.note(line)) : undefined
        /** When the transfer was last interrupted (undefined while it runs). */
        let lostAt: number | undefined
        transfer.on('state', (state) => {
          if (state === 'interrupted') {
            lostAt = Date.now()
            view.finish()
            io.stderr.write('Connection lost; resuming when the sender is back…\n')
          } else if (state === 'active' && lostAt !== undefined) {
            lostAt = undefined
            io.stderr.write('The sender is back: resuming.\n')
          }
        })
        try {
          // A new offer while this transfer is interrupted: the sender came back under a new
          // identity (e.g. after a server restart) — the loop switches to it.
          const next = offerArrived()
          const replaced = await Promise.race([transfer.finished().then(() => false), next.arrived]).finally(
            next.off,
          )
          if (replaced) {
            route?.stop()
            view.finish()
            continue
          }
        } catch (error) {
          route?.stop()
          view.finish()
          if (lostAt !== undefined && Date.now() - lostAt >= COME_BACK_MS) {
            // the transfer waited for the sender as long as a new offer would be waited for
            throw new CliError(Exit.FAILURE, 'the sender went away and did not come back', { cause: error })
          }
          if (isParleyError(error) && PEER_GONE.includes(error.code)) {
            io.stderr.write(`${error.message}; waiting for the sender to come back…\n`)
            continue
          }
          throw error
        }
        await route?.finish()
        view.update(transfer.progress, true)
        view.finish()
        for (const f of transfer.files) {
          if (f.status !== 'done') continue
          const name = nameById.get(f.id)!
          const digest = f.digest === 'sha256-list' ? 'SHA-256 hash list' : 'SHA-256'
          // received by an earlier run (same size and time): verified in place, nothing was sent
          const verb = transfer.sink(f.id)?.existing ? 'Already here:' : 'Saved'
          io.stdout.write(
            `${verb} ${join(dir, name)} (${formatBytes(f.size)}, ${digest} ${f.sha256} verified)\n`,
          )
        }
        return Exit.OK
      }
    })()
    const winner = await Promise.race([work, stop.then((why) => ({ interrupted: why }))])
    if (typeof winner === 'object') {
      const why = winner.interrupted
      if (current && !current.transfer.isTerminal) {
        await withTimeout(current.transfer.cancel('cancelled by the receiver'), 3000)
        throw new CliError(Exit.INTERRUPTED, `cancelled (${why}); the partial file was removed`)
      }
      throw new CliError(Exit.INTERRUPTED, `stopped (${why})`)
    }
    return winner
  } catch (error) {
    if (isParleyError(error) && error.code === 'CANCELLED') {
      throw new CliError(Exit.CANCELLED, `the sender cancelled: ${error.message}`, { cause: error })
    }
    if (isParleyError(error) && error.code === 'FILE_EXISTS') {
      throw new CliError(
        Exit.FILE_EXISTS,
        `${error.message.replace(/ \(allow.*\)$/, '')}; use --force to overwrite`,
        {
          cause: error,
        },
      )
    }
    if (isParleyError(error) && error.code === 'INTEGRITY') {
      throw new CliError(Exit.INTEGRITY, `integrity check failed: ${error.message}`, { cause: error })
    }
    throw error
  } finally {
    stopWatch()
    if (current) await withTimeout(current.transfer.settled(), 3000)
    // none stays empty: a transfer that ended without its files (those that have some stay)
    await folders?.removeEmpty()
    await withTimeout(room.leave(), 2000)
  }
}

function describeOffer(io: Io, offer: IncomingOffer): void {
  const total = offer.files.reduce((sum, f) => sum + f.size, 0)
  const who = offer.from.sas ? ` (verification code ${offer.from.sas})` : ''
  io.stderr.write(`Offer${who}: ${offer.files.length} file(s), ${formatBytes(total)}\n`)
  const listed = offer.files.slice(0, MAX_LISTED)
  for (const f of listed) io.stderr.write(`  ${safeRelativePath(f.name)}  ${formatBytes(f.size)}\n`)
  const more = offer.files.length - listed.length
  if (more > 0) io.stderr.write(`  … and ${more} more\n`)
}

/** Files of an offer listed by name (an offer may hold up to 10,000; each saved one is listed at the end). */
const MAX_LISTED = 20

/** Sanitized, distinct relative paths for the offered files (a folder's files keep their folders), by index. */
function chooseNames(files: readonly FileMeta[]): Map<number, string> {
  return new Map(distinctPaths(files.map((f) => f.name)).entries())
}

function sameFiles(a: readonly FileMeta[], b: readonly FileMeta[]): boolean {
  return (
    a.length === b.length &&
    a.every((f, i) => f.name === b[i]?.name && f.size === b[i]?.size && f.lastModified === b[i]?.lastModified)
  )
}

/** Fails with WRITE_FAILED unless `dir` is a directory this process can create files in. */
async function checkWritableDir(dir: string): Promise<void> {
  let info: Awaited<ReturnType<typeof stat>>
  try {
    info = await stat(dir)
  } catch {
    throw new CliError(Exit.WRITE_FAILED, `output directory ${dir} does not exist`)
  }
  if (!info.isDirectory()) throw new CliError(Exit.WRITE_FAILED, `output path ${dir} is not a directory`)
  const probe = join(dir, `.parley-write-test-${randomBytes(6).toString('hex')}`)
  try {
    await writeFile(probe, '')
  } catch (error) {
    const code = (error as { code?: string }).code ?? String(error)
    throw new CliError(Exit.WRITE_FAILED, `cannot write to ${dir} (${code})`, { cause: error })
  } finally {
    await rm(probe, { force: true }).catch(() => {})
  }
}
