import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Participant } from '../src/Participant.js'
import type { RoomEvents } from '../src/Room.js'
import { TypedEmitter } from '../src/TypedEmitter.js'
import { BlobFileSource } from '../src/transfer/BlobFileSource.js'
import { FileReceiver } from '../src/transfer/FileReceiver.js'
import { tsHashers } from '../src/transfer/hash.js'
import { NodeFileSink } from '../src/transfer/node/NodeFileSink.js'
import type { Transfer } from '../src/transfer/Transfer.js'
import { TransferManager, type TransferPeer, type TransferRoom } from '../src/transfer/TransferManager.js'
import { MemoryChannel, memoryChannelPair } from './transfer/memoryChannel.js'
import { tempDir, waitForState } from './transfer/support.js'

/** A channel that never opens: it closes (as on a connection being replaced) when the test says. */
function stillborn(label: string): MemoryChannel {
  const channel = new MemoryChannel(label)
  channel.readyState = 'connecting'
  return channel
}

/** A connected participant whose createDataChannel hands out the channels a test queues. */
class ScriptedPeer {
  readonly peerId = 'bob'
  readonly name = 'Bob'
  state: 'connected' | 'reconnecting' = 'connected'
  readonly sas = undefined
  /** The current connection: only its SCTP transport's state matters here. */
  peerConnection: { sctp: { state: RTCSctpTransportState } } | undefined = undefined
  /** Channels created so far, in order. */
  readonly created: MemoryChannel[] = []
  readonly #script: ((label: string) => MemoryChannel)[]
  #waiters: (() => void)[] = []

  constructor(script: ((label: string) => MemoryChannel)[]) {
    this.#script = script
  }

  createDataChannel(label: string): RTCDataChannel {
    const next = this.#script.shift()
    if (next === undefined) throw new Error('no channel scripted')
    const channel = next(label)
    this.created.push(channel)
    for (const wake of this.#waiters.splice(0)) wake()
    return channel.asChannel()
  }

  /** The `n`th channel created (1-based), once it exists. */
  async channel(n: number): Promise<MemoryChannel> {
    while (this.created.length < n) await new Promise<void>((resolve) => this.#waiters.push(resolve))
    return this.created[n - 1] as MemoryChannel
  }
}

/** A room whose events the test fires. */
class FakeRoom extends TypedEmitter<RoomEvents> {
  readonly participants = new Map()
  fire<K extends keyof RoomEvents>(event: K, ...args: Parameters<RoomEvents[K]>): void {
    this.emit(event, ...args)
  }
}

/** A MemoryChannel pair: the local end for the manager, the remote end kept for the test. */
function openPair(onRemote: (remote: MemoryChannel) => void): (label: string) => MemoryChannel {
  return (label) => {
    const pair = memoryChannelPair(label)
    onRemote(pair.remote)
    return pair.local
  }
}

/** Receives the whole transfer on `remote` into `dir`; the sender ends `done`. */
async function receiveAll(remote: MemoryChannel | undefined, sender: Transfer, dir: string): Promise<void> {
  if (remote === undefined) throw new Error('no remote channel')
  const receiver = await FileReceiver.fromChannel(remote.asChannel(), { hashers: tsHashers }, 5000)
  await receiver.accept(() => new NodeFileSink({ dir }))
  await Promise.all([sender.finished(), receiver.finished()])
  expect(sender.state).toBe('done')
}

describe('TransferManager re-attach', () => {
  let dir: { path: string; remove: () => Promise<void> }
  let manager: TransferManager | undefined
  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(async () => {
    manager?.close()
    await dir.remove()
  })

  it('sendFiles: a new channel that closes before opening while the transfer is interrupted is replaced, and the transfer completes', async () => {
    let remote: MemoryChannel | undefined
    const peer = new ScriptedPeer([stillborn, stillborn, openPair((r) => (remote = r))])
    const room = new TypedEmitter<RoomEvents>()
    const transferRoom = Object.assign(room, { participants: new Map() }) as unknown as TransferRoom
    manager = new TransferManager(transferRoom, { hashers: tsHashers })
    const file = new File(['a'.repeat(100_000)], 'a.txt', { type: 'text/plain' })
    const [sender] = await manager.sendFiles(peer as unknown as TransferPeer, [new BlobFileSource(file)])
    if (sender === undefined)
      throw new Error('no sender')

      // the first channel dies before opening: interrupted (a state change)
    ;(await peer.channel(1)).close()
    await waitForState(sender, 'interrupted', 5000)
    // the re-attached one dies too: the transfer was interrupted already, no state change
    ;(await peer.channel(2)).close()
    // the third is open: the offer goes out there
    await peer.channel(3)
    await receiveAll(remote, sender, dir.path)
    expect(peer.created).toHaveLength(3)
  })

  it("sendFiles: a channel lost with its connection's SCTP association (the remote closed its connection, ours still reads connected) is not replaced on that connection; the new connection's connected re-attaches once, and the transfer completes", async () => {
    let remote: MemoryChannel | undefined
    const peer = new ScriptedPeer([stillborn, openPair((r) => (remote = r))])
    peer.peerConnection = { sctp: { state: 'connected' } }
    const room = new FakeRoom()
    let sawClosedAssociation: () => void = () => {}
    const waiting = new Promise<void>((resolve) => {
      sawClosedAssociation = resolve
    })
    const logger = {
      debug: () => {},
      info: (...args: unknown[]) => {
        if (args.some((a) => typeof a === 'string' && a.includes('SCTP association is closed')))
          sawClosedAssociation()
      },
      warn: () => {},
      error: () => {},
    }
    manager = new TransferManager(room as unknown as TransferRoom, { hashers: tsHashers, logger })
    const file = new File(['b'.repeat(100_000)], 'b.txt', { type: 'text/plain' })
    const [sender] = await manager.sendFiles(peer as unknown as TransferPeer, [new BlobFileSource(file)])
    if (sender === undefined) throw new Error('no sender')

    // the remote page reloads: its connection is gone, ours still reads connected, SCTP closed
    peer.peerConnection = { sctp: { state: 'closed' } }
    ;(await peer.channel(1)).close()
    await waitForState(sender, 'interrupted', 5000)
    await waiting
    expect(peer.created).toHaveLength(1)

    // its restart: our side reconnects on a new connection, which comes up
    peer.state = 'reconnecting'
    room.fire('connection-state', peer as unknown as Participant, 'reconnecting')
    peer.peerConnection = { sctp: { state: 'connected' } }
    peer.state = 'connected'
    room.fire('connection-state', peer as unknown as Participant, 'connected')
    await peer.channel(2)
    await receiveAll(remote, sender, dir.path)
    expect(peer.created).toHaveLength(2)
  })
})
