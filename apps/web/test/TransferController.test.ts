import { describe, expect, it, vi } from 'vitest'
import {
  type EngineFile,
  type EngineOffer,
  type EnginePeer,
  type EngineSink,
  type EngineTransfer,
  TransferController,
  type TransferEngine,
  type ZipSaveOptions,
} from '../src/transfer/TransferController.js'

const file: EngineFile = { id: '0', name: 'big.bin', size: 100, type: '', lastModified: 1 }
const peer: EnginePeer = { peerId: 'ada', name: 'Ada' }

function transfer(id: string): EngineTransfer {
  return {
    id,
    direction: 'receive',
    state: 'offered',
    files: [
      {
        id: file.id,
        name: file.name,
        size: file.size,
        status: 'pending',
        sha256: undefined,
        digest: undefined,
      },
    ],
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
  /** The context each sink was chosen with. */
  const contexts: unknown[] = []
  let transferListener: ((t: EngineTransfer, p: EnginePeer) => void) | undefined
  /** saveZip() calls: the archive's file names and its name. */
  const zips: { names: string[]; name: string }[] = []
  const engine: TransferEngine<EngineSink> = {
    onOffer: (fn) => {
      offerListener = fn
      return () => {}
    },
    onTransfer: (fn) => {
      transferListener = fn
      return () => {}
    },
    send: async () => {},
    sinkFor: (_file, context) => {
      contexts.push(context)
      const sink: EngineSink = { save: async () => {} }
      sinks.push(sink)
      return sink
    },
    saveZip: async (files, name) => {
      zips.push({ names: files.map((f) => f.name), name })
    },
    close: () => {},
  }
  const offer = (id: string, acceptedBefore: readonly string[] | undefined, t = transfer(id)) =>
    offerListener?.({
      transfer: t,
      from: peer,
      acceptedBefore,
      accept: async (fileIds, sinkFor) => {
        calls.push(id)
        await sinkFor(file, { transferBytes: 3 * file.size })
        answers.push({ id, fileIds, sinks: sinks.length })
      },
      decline: async () => {},
    })
  const changed = (t: EngineTransfer, from: EnginePeer = peer) => transferListener?.(t, from)
  return { engine, offer, answers, calls, contexts, changed, zips }
}

describe('TransferController', () => {
  it('an offer accepted before a reload (acceptedBefore) is accepted again at once with those files, through the engine sinks', async () => {
    const { engine, offer, answers } = fakeEngine()
    const controller = new TransferController(engine)
    offer('t1', ['0'])
    await vi.waitFor(() => expect(answers).toEqual([{ id: 't1', fileIds: ['0'], sinks: 1 }]))
    expect(controller.get()[0]?.awaitingAnswer).toBe(false)
  })

  it('a transfer whose peer re-joined under a new id (reported with the new peer) stays one view, in its place, named for the new id; cancel() on it reaches the transfer', async () => {
    const { engine, offer, changed } = fakeEngine()
    const controller = new TransferController(engine)
    const first = transfer('t1')
    const cancel = vi.fn(async () => {})
    const followed = { ...first, cancel }
    offer('t1', undefined, followed)
    offer('t2', undefined)
    expect(controller.get().map((v) => v.id)).toEqual(['ada/t1', 'ada/t2'])
    changed(followed, { peerId: 'ada-2', name: 'Ada' })
    await vi.waitFor(() => expect(controller.get().map((v) => v.id)).toEqual(['ada-2/t1', 'ada/t2']))
    expect(controller.get()[0]).toMatchObject({ peerId: 'ada-2', peerName: 'Ada' })
    controller.cancel('ada-2/t1')
    expect(cancel).toHaveBeenCalledTimes(1)
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

  it('accept() hands the whole transfer (transferBytes) to engine.sinkFor, and the views carry the verified digest of each file', async () => {
    const { engine, offer, answers, contexts, changed } = fakeEngine()
    const controller = new TransferController(engine)
    offer('t3', ['0'])
    await vi.waitFor(() => expect(answers).toHaveLength(1))
    expect(contexts).toEqual([{ transferBytes: 3 * file.size }])
    const sha256 = 'ab'.repeat(32)
    changed({
      ...transfer('t4'),
      state: 'done',
      files: [
        { id: file.id, name: file.name, size: file.size, status: 'done', sha256, digest: 'sha256-list' },
      ],
    })
    expect(controller.get().find((v) => v.id === 'ada/t4')?.files).toEqual([
      { id: file.id, name: file.name, size: file.size, status: 'done', sha256, digest: 'sha256-list' },
    ])
  })

  it('progress and file events of a transfer are published at most every 100 ms, the last one included; a change of its state at once', () => {
    vi.useFakeTimers()
    try {
      const { engine, changed } = fakeEngine()
      const controller = new TransferController(engine)
      let published = 0
      controller.subscribe(() => published++)
      const t: { -readonly [K in keyof EngineTransfer]: EngineTransfer[K] } = {
        ...transfer('t5'),
        state: 'active',
      }
      changed(t) // a new transfer: at once
      expect(published).toBe(1)
      for (let i = 0; i < 1000; i++) {
        t.progress = { ...t.progress, bytes: i }
        changed(t)
      }
      expect(published).toBe(1)
      vi.advanceTimersByTime(100)
      expect(published).toBe(2)
      expect(controller.get()[0]?.bytes).toBe(999)
      t.state = 'done'
      changed(t)
      expect(published).toBe(3)
      expect(controller.get()[0]?.state).toBe('done')
      controller.close()
    } finally {
      vi.useRealTimers()
    }
  })

  it("saveZip() archives the verified files of a finished transfer in file order, through each file's sink; canSaveZip needs two sinks that keep their file", async () => {
    const { engine, zips, changed } = fakeEngine()
    let offerListener: ((offer: EngineOffer<EngineSink>) => void) | undefined
    const files: EngineFile[] = ['a.txt', 'b.txt', 'c.txt'].map((name, i) => ({
      id: String(i),
      name,
      size: 1,
      type: '',
      lastModified: 1000 + i,
    }))
    const t: { -readonly [K in keyof EngineTransfer]: EngineTransfer[K] } = {
      ...transfer('t6'),
      files: files.map((f, i) => ({
        id: f.id,
        name: f.name,
        size: 1,
        status: i === 1 ? 'declined' : 'done',
        sha256: undefined,
        digest: undefined,
      })),
    }
    const engineSinks = new Map<string, EngineSink>()
    const controller = new TransferController({
      ...engine,
      onOffer: (fn) => {
        offerListener = fn
        return () => {}
      },
      sinkFor: (file) => {
        const sink: EngineSink = { save: async () => {}, file: async () => new Blob([file.name]) }
        engineSinks.set(file.id, sink)
        return sink
      },
    })
    offerListener?.({
      transfer: t,
      from: peer,
      acceptedBefore: undefined,
      // sinks made out of order (several open at once)
      accept: async (_ids, sinkFor) => {
        for (const f of [files[2]!, files[0]!]) await sinkFor(f)
      },
      decline: async () => {},
    })
    const [view] = controller.get()
    controller.accept(view!.id)
    await vi.waitFor(() => expect(engineSinks.size).toBe(2))
    t.state = 'done'
    changed(t)
    await vi.waitFor(() => expect(controller.get()[0]?.canSaveZip).toBe(true))
    controller.saveZip(view!.id)
    await vi.waitFor(() => expect(zips).toEqual([{ names: ['a.txt', 'c.txt'], name: 'Ada - 2 files.zip' }]))
    controller.close()
  })

  it('saveZip() while the archive is being read: the view shows how far (zipProgress 0 → 0.5); a second click stops it (no error shown, zipProgress clears); a third makes a new one, which is saved', async () => {
    const { engine, changed } = fakeEngine()
    let offerListener: ((offer: EngineOffer<EngineSink>) => void) | undefined
    const files: EngineFile[] = ['a.txt', 'b.txt'].map((name, i) => ({
      id: String(i),
      name,
      size: 1,
      type: '',
      lastModified: 1000,
    }))
    const t: { -readonly [K in keyof EngineTransfer]: EngineTransfer[K] } = {
      ...transfer('t7'),
      files: files.map((f) => ({ ...f, status: 'done', sha256: undefined, digest: undefined })),
    }
    /** Each archive begun: its options, and how to finish it. */
    const zips: { options: ZipSaveOptions; finish: () => void }[] = []
    const saved: number[] = []
    const errors: string[] = []
    let sinks = 0
    const controller = new TransferController(
      {
        ...engine,
        onOffer: (fn) => {
          offerListener = fn
          return () => {}
        },
        sinkFor: () => {
          sinks++
          return { save: async () => {}, file: async () => new Blob(['x']) }
        },
        saveZip: (_files, _name, options = {}) =>
          new Promise<void>((resolve, reject) => {
            const n = zips.length
            zips.push({ options, finish: () => resolve(void saved.push(n)) })
            options.signal?.addEventListener('abort', () => reject(options.signal?.reason))
          }),
      },
      (message) => errors.push(message),
    )
    offerListener?.({
      transfer: t,
      from: peer,
      acceptedBefore: undefined,
      accept: async (_ids, sinkFor) => {
        for (const f of files) await sinkFor(f)
      },
      decline: async () => {},
    })
    const id = controller.get()[0]!.id
    controller.accept(id)
    await vi.waitFor(() => expect(sinks).toBe(2))
    t.state = 'done'
    changed(t)
    await vi.waitFor(() => expect(controller.get()[0]?.canSaveZip).toBe(true))
    expect(controller.get()[0]?.zipProgress).toBeUndefined()
    controller.saveZip(id)
    expect(controller.get()[0]?.zipProgress).toBe(0)
    await vi.waitFor(() => expect(zips).toHaveLength(1))
    zips[0]!.options.onProgress?.(0.5)
    await vi.waitFor(() => expect(controller.get()[0]?.zipProgress).toBe(0.5))
    controller.saveZip(id) // stop
    expect(zips[0]!.options.signal?.aborted).toBe(true)
    await vi.waitFor(() => expect(controller.get()[0]?.zipProgress).toBeUndefined())
    controller.saveZip(id) // again
    await vi.waitFor(() => expect(zips).toHaveLength(2))
    zips[1]!.finish()
    await vi.waitFor(() => expect(saved).toEqual([1]))
    await vi.waitFor(() => expect(controller.get()[0]?.zipProgress).toBeUndefined())
    expect(errors).toEqual([])
    controller.close()
  })

  it('acceptTo() accepts every file into the sinks of the place the person picked (not engine.sinkFor); the view then shows them saved in place', async () => {
    const { engine, offer, answers, contexts, changed } = fakeEngine()
    const picked: string[][] = []
    const inPlace: EngineSink = { savedInPlace: true }
    const controller = new TransferController({
      ...engine,
      pickPlace: async (files) => {
        picked.push(files.map((f) => f.name))
        return () => inPlace
      },
    })
    const t5: { -readonly [K in keyof EngineTransfer]: EngineTransfer[K] } = transfer('t5')
    offer('t5', undefined, t5)
    const [view] = controller.get()
    expect(view).toMatchObject({ awaitingAnswer: true, canAcceptTo: true, savedInPlace: false })
    controller.acceptTo(view?.id ?? '')
    await vi.waitFor(() => expect(answers).toEqual([{ id: 't5', fileIds: 'all', sinks: 0 }]))
    expect(picked).toEqual([['big.bin']])
    expect(contexts).toEqual([]) // engine.sinkFor was not asked
    t5.state = 'done'
    changed(t5)
    await vi.waitFor(() => expect(controller.get()[0]).toMatchObject({ state: 'done', savedInPlace: true }))
  })

  it('acceptTo() whose dialog was dismissed (no place) leaves the offer waiting for an answer; accept() still works after it', async () => {
    const { engine, offer, answers, calls } = fakeEngine()
    let pick: (() => void) | undefined
    const controller = new TransferController({
      ...engine,
      pickPlace: () =>
        new Promise<undefined>((resolve) => {
          pick = () => resolve(undefined)
        }),
    })
    offer('t6', undefined)
    const id = controller.get()[0]?.id ?? ''
    controller.acceptTo(id)
    await vi.waitFor(() => expect(pick).toBeDefined())
    pick?.()
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(calls).toEqual([])
    expect(controller.get()[0]).toMatchObject({ awaitingAnswer: true })
    controller.accept(id)
    await vi.waitFor(() => expect(answers).toEqual([{ id: 't6', fileIds: 'all', sinks: 1 }]))
  })

  it('an engine that cannot ask where to save (no pickPlace) shows no such choice: canAcceptTo false, acceptTo() does nothing', async () => {
    const { engine, offer, calls } = fakeEngine()
    const controller = new TransferController(engine)
    offer('t7', undefined)
    const [view] = controller.get()
    expect(view).toMatchObject({ awaitingAnswer: true, canAcceptTo: false })
    controller.acceptTo(view?.id ?? '')
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(calls).toEqual([])
  })
})
