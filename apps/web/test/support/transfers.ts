/**
 * The web app's file transfer cards, and a recorder of what the transfer channels of a page (and
 * of its sender workers) carried: bytes per file, control messages each way, per channel.
 */
import type { Download, Page } from 'playwright-core'
import { expect } from 'vitest'
import { type Participant, poll } from './webApp.js'

export async function sendFiles(from: Participant, paths: string[]): Promise<void> {
  await from.page.getByTestId('send-files').click()
  await from.page.getByTestId('file-input').setInputFiles(paths)
}

export const card = (p: Participant) => p.page.getByTestId('file-transfer')
export const stateOf = (p: Participant) => card(p).getAttribute('data-state')

/** Downloads the received file through the save action; returns the downloaded file's path. */
export async function save(p: Participant): Promise<string> {
  const downloaded = p.page.waitForEvent('download', { timeout: 120_000 })
  await p.page.getByTestId('file-save').click()
  return (await downloaded).path()
}

/** What one transfer channel carried (one attempt of a transfer): binary bytes sent, control messages. */
export interface Wire {
  label: string
  binarySent: number
  /** Binary bytes sent per file id (the file of the last `file` message sent before them). */
  binaryByFile: Record<string, number>
  sent: { t: string; [k: string]: unknown }[]
  received: { t: string; [k: string]: unknown }[]
}
export type Wired = typeof globalThis & { parleyWire?: Wire[]; parleyWorkerWire?: Wire[][] }

/**
 * Counts, in the scope it runs in (the page, or the dedicated worker the app sends files from),
 * every byte and control message its `parley-file:*` channels send, and the control messages they
 * receive, per channel in order of first use: a resumed transfer opens a new channel with the same
 * label. Self-contained: its source is also prepended to the sender worker's script.
 */
export function installWireRecorder(): void {
  const w = globalThis as Wired
  if (w.parleyWire) return
  const records: Wire[] = []
  w.parleyWire = records
  const wires = new WeakMap<RTCDataChannel, Wire>()
  const wire = (channel: RTCDataChannel): Wire => {
    let record = wires.get(channel)
    if (!record) {
      record = { label: channel.label, binarySent: 0, binaryByFile: {}, sent: [], received: [] }
      wires.set(channel, record)
      records.push(record)
    }
    return record
  }
  const proto = RTCDataChannel.prototype
  const send = proto.send
  proto.send = function (this: RTCDataChannel, data: unknown) {
    if (this.label.startsWith('parley-file:')) {
      const record = wire(this)
      if (typeof data === 'string') record.sent.push(JSON.parse(data))
      else {
        const n = data instanceof Blob ? data.size : (data as ArrayBuffer | ArrayBufferView).byteLength
        record.binarySent += n
        const file = String(record.sent.findLast((m) => m.t === 'file')?.id)
        record.binaryByFile[file] = (record.binaryByFile[file] ?? 0) + n
      }
    }
    return (send as (this: RTCDataChannel, data: unknown) => void).call(this, data)
  } as typeof send
  // received control messages: a listener of ours next to the first one the SDK adds
  const listen = proto.addEventListener
  const heard = new WeakSet<RTCDataChannel>()
  proto.addEventListener = function (this: RTCDataChannel, ...args: Parameters<typeof listen>) {
    if (args[0] === 'message' && this.label.startsWith('parley-file:') && !heard.has(this)) {
      heard.add(this)
      const record = wire(this)
      listen.call(this, 'message', (e: Event) => {
        const data = (e as MessageEvent).data
        if (typeof data === 'string') record.received.push(JSON.parse(data))
      })
    }
    return listen.apply(this, args)
  } as typeof listen
  if (typeof document === 'undefined') {
    // in the sender worker: a copy of the records goes to the page with every state change and
    // progress report (the worker is terminated once its transfer ends)
    const post = globalThis.postMessage.bind(globalThis) as (message: unknown) => void
    globalThis.postMessage = ((message: { t?: string }) => {
      if (message?.t === 'state' || message?.t === 'progress' || message?.t === 'end') {
        post({ t: 'test-wires', wires: records })
      }
      post(message)
    }) as typeof globalThis.postMessage
  } else {
    // in the page: the last copy each sender worker sent, by worker
    const byWorker: Wire[][] = []
    w.parleyWorkerWire = byWorker
    const Base = globalThis.Worker
    globalThis.Worker = class extends Base {
      constructor(...args: ConstructorParameters<typeof Worker>) {
        super(...args)
        const index = byWorker.push([]) - 1
        this.addEventListener('message', (e: MessageEvent<{ t?: string; wires?: Wire[] }>) => {
          if (e.data?.t === 'test-wires' && e.data.wires) byWorker[index] = e.data.wires
        })
      }
    }
  }
}

/**
 * Records the transfer channels of `page` (see installWireRecorder) and of the sender workers it
 * starts: their script is served with the recorder in front of it.
 */
export async function recordTransferChannels(page: Page): Promise<void> {
  await page.evaluate(installWireRecorder)
  await page.route(/\/assets\/senderWorker-[^/]*\.js$/, async (route) => {
    const response = await route.fetch()
    const body = `(${installWireRecorder.toString()})();\n${await response.text()}`
    await route.fulfill({ response, body })
  })
}

/** Every transfer channel `page` used, its own and then its sender workers' (as last reported). */
export const wiresOf = (page: Page): Promise<Wire[]> =>
  page.evaluate(() => {
    const w = globalThis as Wired
    return [...(w.parleyWire ?? []), ...(w.parleyWorkerWire ?? []).flat()]
  })

/** The highest offset the receiver confirmed (`progress`) on `wires`, of file `id` if given. */
export function confirmedOn(wires: readonly Wire[], id?: string): number {
  let max = 0
  for (const w of wires) {
    for (const m of w.received) {
      if (m.t === 'progress' && (id === undefined || m.id === id)) max = Math.max(max, Number(m.offset))
    }
  }
  return max
}

/** The receiver's `accept` on a channel, if it answered there. */
export function acceptOn(
  wire: Wire,
): { files: { id: string; offset: number }[]; completed: string[] } | undefined {
  return wire.received.find((m) => m.t === 'accept') as
    | { files: { id: string; offset: number }[]; completed: string[] }
    | undefined
}

/**
 * Makes the page's "Save as…" dialog answer with the file `name` of its origin's private file
 * system (headless Chromium shows no dialog); see {@link pickedSha256}.
 */
export function pickIntoOpfs(p: Participant, name: string): Promise<void> {
  return p.page.evaluate((name) => {
    const w = window as unknown as Record<string, unknown>
    w.showSaveFilePicker = async () =>
      (await navigator.storage.getDirectory()).getFileHandle(name, { create: true })
  }, name)
}

/** The SHA-256 of the file `name` of the page's origin private file system (see pickIntoOpfs). */
export function pickedSha256(p: Participant, name: string): Promise<string> {
  return p.page.evaluate(async (name) => {
    const handle = await (await navigator.storage.getDirectory()).getFileHandle(name)
    const digest = new Uint8Array(
      await crypto.subtle.digest('SHA-256', await (await handle.getFile()).arrayBuffer()),
    )
    return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('')
  }, name)
}

/** Saves every received file of the transfer through the save action; resolves with name → path. */
export async function saveAll(p: Participant, count: number): Promise<Map<string, string>> {
  const downloads: Download[] = []
  const collect = (d: Download) => downloads.push(d)
  p.page.on('download', collect)
  try {
    await p.page.getByTestId('file-save').click()
    await expect.poll(() => downloads.length, { timeout: 120_000, interval: 200 }).toBe(count)
  } finally {
    p.page.off('download', collect)
  }
  const saved = new Map<string, string>()
  for (const d of downloads) saved.set(d.suggestedFilename(), await d.path())
  return saved
}

/** The offset the receiver asked a channel's attempt to start from (its `accept`), if it answered. */
export function acceptedOffset(wire: Wire): number | undefined {
  const accept = wire.received.find((m) => m.t === 'accept') as
    | { files: { id: string; offset: number }[] }
    | undefined
  return accept?.files[0]?.offset
}

/**
 * Sends `paths` from `from` (the send-files button and the file input), accepts the offer at `to`
 * (with `accept`: Accept, or "Save as…"), and waits until `to` confirmed more than
 * `confirmedAbove` bytes (as `from`'s channels saw it: call recordTransferChannels on `from` first).
 */
export async function sendUntilConfirmed(
  from: Participant,
  to: Participant,
  paths: string[],
  confirmedAbove: number,
  accept: 'file-accept' | 'file-accept-to' = 'file-accept',
): Promise<void> {
  await sendFiles(from, paths)
  await poll(() => stateOf(to)).toBe('offered')
  await to.page.getByTestId(accept).click()
  await expect
    .poll(async () => confirmedOn(await wiresOf(from.page)), { timeout: 120_000, interval: 100 })
    .toBeGreaterThan(confirmedAbove)
}

/**
 * Checks the channels of one transfer of a single file of `size` bytes that was interrupted and
 * resumed: one label, each attempt after the first started at or after every offset confirmed
 * before it, the receiver had confirmed more than `confirmedAbove` before the last attempt, and
 * the last one sent exactly [resumed offset, size) from the offset the receiver asked.
 */
export function expectResumedOnce(wires: readonly Wire[], size: number, confirmedAbove: number) {
  const last = wires.at(-1)
  if (!last || wires.length < 2) throw new Error(`expected a resumed channel, got ${wires.length}`)
  expect(new Set(wires.map((w) => w.label)).size).toBe(1) // one transfer, resumed on new channels
  for (const [k, w] of wires.entries()) {
    const from = acceptedOffset(w)
    if (k === 0 || from === undefined) continue
    expect(from).toBeGreaterThanOrEqual(confirmedOn(wires.slice(0, k)))
  }
  const resumedAt = acceptedOffset(last) ?? -1
  const confirmedBefore = confirmedOn(wires.slice(0, -1))
  expect(confirmedBefore).toBeGreaterThan(confirmedAbove)
  expect(resumedAt).toBeGreaterThanOrEqual(confirmedBefore)
  expect(resumedAt).toBeLessThan(size)
  expect(last.sent.find((m) => m.t === 'file')?.offset).toBe(resumedAt)
  expect(last.binarySent).toBe(size - resumedAt)
  const sentTwice = wires.reduce((sum, w) => sum + w.binarySent, 0) - size
  return { resumedAt, confirmedBefore, channels: wires.length, sentTwice }
}
