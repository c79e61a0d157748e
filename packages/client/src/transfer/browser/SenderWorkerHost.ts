import type { Logger } from '../../Logger.js'
import { BlobFileSource } from '../BlobFileSource.js'
import { closedChannel } from '../closedChannel.js'
import { FileSender } from '../FileSender.js'
import { type Hashers, loadHashers } from '../hash.js'
import type { FileRecord } from '../Transfer.js'
import type {
  FromSenderWorker,
  ToSenderWorker,
  WorkerFileRecord,
  WorkerLogLevel,
} from './senderWorkerMessages.js'

/** The part of a dedicated worker's global scope the host uses (a MessagePort in tests). */
export interface SenderWorkerScope {
  postMessage(message: FromSenderWorker): void
  addEventListener(type: 'message', listener: (event: MessageEvent<ToSenderWorker>) => void): void
}

export interface HostFileSenderOptions {
  /** Digests (default loadHashers(): WebCrypto's sha256-list in browsers). */
  hashers?: Promise<Hashers>
  /** How long a finished transfer waits for its channel to close before `end`, ms (default 10 s). */
  endTimeoutMs?: number
}

/**
 * Runs the FileSender of one WorkerFileSender inside a dedicated worker: reading the File, hashing
 * and sending happen off the page's main thread, which only receives state, file and progress
 * messages. Call once from the worker's script:
 *
 * ```ts
 * // transferWorker.ts, started with new Worker(new URL('./transferWorker.ts', import.meta.url), { type: 'module' })
 * import { hostFileSender } from '@parley/client'
 * hostFileSender(self)
 * ```
 */
export function hostFileSender(scope: SenderWorkerScope, options: HostFileSenderOptions = {}): void {
  const post = (message: FromSenderWorker): void => scope.postMessage(message)
  const logger = forwardingLogger(post)
  let sender: HostedFileSender | undefined
  let channel: RTCDataChannel | undefined
  /** The page's number for `channel` (see the `attach` message). */
  let channelAttempt = 0
  // messages are handled in order: `attach` waits for `create` (which loads the digests)
  let queue: Promise<void> = Promise.resolve()

  const create = async (m: Extract<ToSenderWorker, { t: 'create' }>): Promise<void> => {
    try {
      sender = new HostedFileSender({
        ...m.options,
        id: m.id,
        sources: m.files.map((f) => new BlobFileSource(f)),
        hashers: await (options.hashers ?? loadHashers()),
        logger,
      })
    } catch (error) {
      post({ t: 'create-failed', message: error instanceof Error ? error.message : String(error) })
      return
    }
    const s = sender
    s.on('state', (state, error) => {
      post({
        t: 'state',
        state,
        error: error && { code: error.code, message: error.message },
        attempts: s.attempts.map((a) => ({ ...a })),
        dataBytesSent: s.dataBytesSent,
      })
      if (s.isTerminal) void endWhenClosed()
    })
    s.on('file', (file) => post({ t: 'file', file: s.workerRecordOf(file.id) }))
    // only the files that moved since the last one: a transfer may hold ten thousand files, and
    // one progress message goes out at every file's end
    s.on('progress', () => post({ t: 'progress', files: s.takeChanged(), dataBytesSent: s.dataBytesSent }))
    s.on('flow', (paused) => post({ t: 'flow', paused }))
    s.on('channel-closed', () => post({ t: 'channel-closed' }))
    post({ t: 'created' })
  }

  const endWhenClosed = async (): Promise<void> => {
    const deadline = Date.now() + (options.endTimeoutMs ?? 10_000)
    // a cancel or an error goes out before the channel closes: ending the worker sooner would cut it
    while (channel && channel.readyState !== 'closed' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    post({ t: 'end' })
  }

  const handle = async (m: ToSenderWorker): Promise<void> => {
    switch (m.t) {
      case 'create':
        await create(m)
        return
      case 'attach': {
        if (!sender) return
        channel = m.channel ?? closedChannel(sender.id)
        channelAttempt = m.attempt
        sender.attach(channel, { maxMessageSize: m.maxMessageSize })
        return
      }
      case 'link-closed':
        // what the page's PeerLink does for its own channels: a close event the browser may not
        // fire; only for the current channel (an older one was detached when the next came)
        if (m.attempt === channelAttempt && channel && channel.readyState !== 'closed') {
          const gone = channel
          gone.close()
          setTimeout(() => gone.dispatchEvent(new Event('close')), 0)
        }
        return
      case 'cancel':
        await sender?.cancel(m.reason)
        return
      case 'close':
        sender?.close(m.reason)
        return
    }
  }

  scope.addEventListener('message', (event) => {
    const m = event.data
    queue = queue
      .then(() => handle(m))
      .catch((error: unknown) => logger.error({ error }, 'sender worker message failed'))
  })
  post({ t: 'ready' })
}

/** A FileSender that notes which files' byte counts changed since they were last reported. */
class HostedFileSender extends FileSender {
  readonly #changed = new Set<FileRecord>()

  /** The files whose bytes or confirmed bytes changed since the last call. */
  takeChanged(): WorkerFileRecord[] {
    const records = [...this.#changed].map(workerRecord)
    this.#changed.clear()
    return records
  }

  /** File `id` as the page mirrors it. */
  workerRecordOf(id: string): WorkerFileRecord {
    return workerRecord(this.record(id)!)
  }

  protected override setBytes(record: FileRecord, bytes: number): void {
    if (bytes !== record.bytes) this.#changed.add(record)
    super.setBytes(record, bytes)
  }

  protected override setConfirmed(record: FileRecord, confirmed: number): void {
    if (confirmed !== record.confirmed) this.#changed.add(record)
    super.setConfirmed(record, confirmed)
  }
}

/** What the page's mirror of a file is told. */
function workerRecord(r: FileRecord): WorkerFileRecord {
  return {
    id: r.meta.id,
    status: r.status,
    bytes: r.bytes,
    confirmed: r.confirmed,
    sha256: r.sha256,
    digest: r.digest,
  }
}

/** Logs of the worker's FileSender, sent to the page's logger (errors as name and message). */
function forwardingLogger(post: (message: FromSenderWorker) => void): Logger {
  const at =
    (level: WorkerLogLevel) =>
    (...args: unknown[]): void => {
      const [first, ...rest] = args
      const fields = typeof first === 'object' && first !== null && !(first instanceof Error) ? first : {}
      const words = (fields === first ? rest : args).map((a) => (a instanceof Error ? a.message : String(a)))
      try {
        post({ t: 'log', level, fields: plain(fields as Record<string, unknown>), message: words.join(' ') })
      } catch {
        // a field that cannot be cloned: the message alone
        post({ t: 'log', level, fields: {}, message: words.join(' ') })
      }
    }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

function plain(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? { name: value.name, message: value.message } : value
  }
  return out
}
