import { describe, expect, it, vi } from 'vitest'
import {
  type EngineFile,
  type EngineOffer,
  type EnginePeer,
  type EngineSink,
  type EngineTransfer,
  TransferController,
  type TransferEngine,
} from '../src/transfer/TransferController.js'

const file: EngineFile = { id: '0', name: 'big.bin', size: 100, type: '', lastModified: 1 }
const peer: EnginePeer = { peerId: 'ada', name: 'Ada' }

function transfer(id: string): EngineTransfer {
  return {
    id,
    direction: 'receive',
    state: 'offered',
    files: [{ id: file.id, name: file.name, size: file.size, status: 'pending' }],
    progress: { bytes: 0, totalBytes: file.size, bytesPerSecond: 0, etaSeconds: undefined },
    error: undefined,
    cancel: async () => {},
  }
}

/** An engine whose offers record how they were answered. */
function fakeEngine() {
  let offerListener: ((offer: EngineOffer<EngineSink>) => void) | undefined
  const answers: { id: string; fileIds: 'all' | readonly string[]; sinks: number }[] = []
  /** accept() calls, recorded synchronously. */
  const calls: string[] = []
  const sinks: EngineSink[] = []
  const engine: TransferEngine<EngineSink> = {
    onOffer: (fn) => {
      offerListener = fn
      return () => {}
    },
    onTransfer: () => () => {},
    send: async () => {},
    sinkFor: () => {
      const sink: EngineSink = { save: async () => {} }
      sinks.push(sink)
      return sink
    },
    close: () => {},
  }
  const offer = (id: string, acceptedBefore: readonly string[] | undefined) =>
    offerListener?.({
      transfer: transfer(id),
      from: peer,
      acceptedBefore,
      accept: async (fileIds, sinkFor) => {
        calls.push(id)
        await sinkFor(file)
        answers.push({ id, fileIds, sinks: sinks.length })
      },
      decline: async () => {},
    })
  return { engine, offer, answers, calls }
}

describe('TransferController', () => {
  it('an offer accepted before a reload (acceptedBefore) is accepted again at once with those files, through the engine sinks', async () => {
    const { engine, offer, answers } = fakeEngine()
    const controller = new TransferController(engine)
    offer('t1', ['0'])
    await vi.waitFor(() => expect(answers).toEqual([{ id: 't1', fileIds: ['0'], sinks: 1 }]))
    expect(controller.get()[0]?.awaitingAnswer).toBe(false)
  })

  it('a new offer waits for the person: nothing is accepted until accept()', async () => {
    const { engine, offer, answers, calls } = fakeEngine()
    const controller = new TransferController(engine)
    offer('t2', undefined)
    expect(calls).toEqual([])
    const [view] = controller.get()
    expect(view?.awaitingAnswer).toBe(true)
    controller.accept(view?.id ?? '')
    await vi.waitFor(() => expect(answers).toEqual([{ id: 't2', fileIds: 'all', sinks: 1 }]))
  })
})
