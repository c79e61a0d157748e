/**
 * Load-generator process of the signaling benchmark (started by bench/signaling.ts, never by hand).
 * Obeys the orchestrator's commands over IPC: open relay pairs and run measured windows, or open
 * idle connections and hold them.
 */
import type { WebSocket } from 'ws'
import type {
  IdleResult,
  LoadgenCommand,
  LoadgenReply,
  LoadgenRequest,
  LoadgenResult,
  OpenIdleCommand,
  SetupRelayCommand,
} from './loadgenMessages.js'
import { payloadTemplate } from './payload.js'
import { type OpenPair, PROTOCOLS } from './protocols.js'
import { RelayLoad } from './RelayLoad.js'

let relay: RelayLoad | undefined
const idle: WebSocket[] = []

/** Runs `task` over `count` items with at most `concurrency` at a time. */
async function pool(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < count) await task(next++)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
}

async function setupRelay(command: SetupRelayCommand): Promise<LoadgenResult> {
  const protocol = PROTOCOLS[command.target]
  const payload = payloadTemplate(command.payloadBytes)
  const load = new RelayLoad(command.serverPid, command.inflight)
  const pairs: OpenPair[] = []
  await pool(command.pairs, 50, async (index) => {
    const address = command.localAddresses[index % command.localAddresses.length]
    pairs.push(await protocol.openPair(command.port, `${command.tag}p${index}`, address))
  })
  for (const pair of pairs) load.add(pair, protocol.framePrefix, payload)
  relay = load
  return { clients: load.clients }
}

async function openIdle(command: OpenIdleCommand): Promise<IdleResult> {
  const protocol = PROTOCOLS[command.target]
  const started = performance.now()
  let failed = 0
  let firstError: string | undefined
  const perAddress = Math.ceil(command.pairs / command.localAddresses.length)
  await pool(command.pairs, command.concurrency, async (index) => {
    const address = command.localAddresses[Math.floor(index / perAddress)]
    try {
      const pair = await protocol.openPair(command.port, `${command.tag}i${index}`, address)
      idle.push(pair.a, pair.b)
    } catch (error) {
      failed += 2
      firstError ??= error instanceof Error ? error.message : String(error)
    }
  })
  return {
    connections: idle.length,
    failed,
    elapsedMs: performance.now() - started,
    ...(firstError === undefined ? {} : { firstError }),
  }
}

async function closeIdle(): Promise<LoadgenResult> {
  const closed = idle.splice(0).map(
    (socket) =>
      new Promise<void>((resolve) => {
        if (socket.readyState === socket.CLOSED) return resolve()
        socket.once('close', () => resolve())
        socket.terminate()
      }),
  )
  await Promise.all(closed)
  return {}
}

async function handle(command: LoadgenCommand): Promise<LoadgenResult> {
  switch (command.cmd) {
    case 'setupRelay':
      return setupRelay(command)
    case 'run':
      if (!relay) throw new Error('run before setupRelay')
      return relay.run(command.warmupMs, command.windowMs)
    case 'openIdle':
      return openIdle(command)
    case 'closeIdle':
      return closeIdle()
  }
}

if (!process.send) {
  console.error('loadgen.ts is started by bench/signaling.ts (needs an IPC channel)')
  process.exit(2)
}

process.on('message', (request: LoadgenRequest) => {
  handle(request).then(
    (result) => process.send?.({ seq: request.seq, ok: true, result } satisfies LoadgenReply),
    (error: unknown) =>
      process.send?.({
        seq: request.seq,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      } satisfies LoadgenReply),
  )
})
process.on('disconnect', () => process.exit(0))
