import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join as joinPath } from 'node:path'
import type { Download } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { readZip } from '../../../packages/client/test/transfer/zipReader.js'
import { sha256Of } from './support/files.js'
import { pickIntoOpfs } from './support/transfers.js'
import { expectFullMesh, type PageOptions, type Participant, poll, useWebAppSuite } from './support/webApp.js'

const suite = useWebAppSuite('tx')
const { nextRoom, join } = suite
const dir = mkdtempSync(joinPath(tmpdir(), 'parley-web-tx-'))

/** A file of random bytes on disk, and its SHA-256. */
/** Ada and Bo in a new room, connected to each other; Ada's page with `adaOptions`. */
async function adaAndBo(adaOptions?: PageOptions): Promise<[Participant, Participant]> {
  const room = nextRoom()
  const ada = await join(room, 'Ada', adaOptions)
  const bo = await join(room, 'Bo')
  await expectFullMesh([ada, bo])
  return [ada, bo]
}

function randomFile(name: string, size: number): { path: string; sha256: string } {
  const path = joinPath(dir, name)
  const data = randomBytes(size)
  writeFileSync(path, data)
  return { path, sha256: createHash('sha256').update(data).digest('hex') }
}

async function sendFiles(from: Participant, paths: string[], to?: string): Promise<void> {
  await from.page.getByTestId('send-files').click()
  if (to) await from.page.getByTestId('file-target').selectOption({ label: to })
  await from.page.getByTestId('file-input').setInputFiles(paths)
}

const card = (p: Participant) => p.page.getByTestId('file-transfer')
const stateOf = (p: Participant) => card(p).getAttribute('data-state')

afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Counts the file bytes the page's main thread hands to `parley-file:*` channels. */
function countPageSends(p: Participant): Promise<void> {
  return p.page.evaluate(() => {
    const w = window as unknown as { pageFileBytes: number }
    w.pageFileBytes = 0
    const send = RTCDataChannel.prototype.send
    RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: unknown) {
      if (this.label.startsWith('parley-file:') && typeof data !== 'string') {
        w.pageFileBytes += (data as ArrayBufferView).byteLength
      }
      return (send as (this: RTCDataChannel, data: unknown) => void).call(this, data)
    } as typeof send
  })
}
const pageFileBytes = (p: Participant) =>
  p.page.evaluate(() => (window as unknown as { pageFileBytes: number }).pageFileBytes)

/** Sends `file` from Ada to Bo; waits until both show it done, with the same verified digest. */
async function sendVerified(ada: Participant, bo: Participant, file: { path: string }) {
  await sendFiles(ada, [file.path])
  await poll(() => stateOf(bo)).toBe('offered')
  await bo.page.getByTestId('file-accept').click()
  await expect.poll(() => stateOf(bo), { timeout: 90_000 }).toBe('done')
  await expect.poll(() => stateOf(ada), { timeout: 30_000 }).toBe('done')
  const digestOf = (p: Participant) => p.page.getByTestId('transfer-file').getAttribute('data-sha256')
  const received = await digestOf(bo)
  expect(received).toMatch(/^[0-9a-f]{64}$/)
  expect(await digestOf(ada)).toBe(received)
}

describe('web app file transfer', () => {
  it('a file offered through the file input is accepted, arrives verified, and the save action downloads the same bytes; save all downloads them in one ZIP', async () => {
    const [ada, bo] = await adaAndBo()
    const small = randomFile('notes.bin', 3 * 1024 * 1024 + 17)
    const large = randomFile('video.bin', 40 * 1024 * 1024)

    await sendFiles(ada, [small.path, large.path])
    await poll(() => stateOf(ada)).toBe('offered')
    await poll(() => stateOf(bo)).toBe('offered')
    expect(await card(bo).textContent()).toContain('notes.bin and 1 more')
    await bo.page.getByTestId('file-accept').click()
    await expect.poll(() => stateOf(bo), { timeout: 90_000 }).toBe('done')
    await expect.poll(() => stateOf(ada), { timeout: 30_000 }).toBe('done')

    const downloads: Download[] = []
    bo.page.on('download', (d) => downloads.push(d))
    await bo.page.getByTestId('file-save').click()
    await expect.poll(() => downloads.length, { timeout: 30_000 }).toBe(2)
    const byName = new Map(downloads.map((d) => [d.suggestedFilename(), d]))
    for (const [name, file] of [
      ['notes.bin', small],
      ['video.bin', large],
    ] as const) {
      const download = byName.get(name)
      if (!download) throw new Error(`no download of ${name}`)
      expect(await sha256Of(await download.path())).toBe(file.sha256)
    }

    // both in one ZIP archive: one download, each file stored with its CRC-32
    await bo.page.getByTestId('file-save-zip').click()
    await expect.poll(() => downloads.length, { timeout: 30_000 }).toBe(3)
    const zip = downloads[2]!
    expect(zip.suggestedFilename()).toBe('Ada - 2 files.zip')
    const { entries } = readZip(await readFile(await zip.path()))
    expect(entries.map((e) => [e.name, e.crcMatches])).toEqual([
      ['notes.bin', true],
      ['video.bin', true],
    ])
    expect(createHash('sha256').update(entries[0]!.data).digest('hex')).toBe(small.sha256)
    expect(createHash('sha256').update(entries[1]!.data).digest('hex')).toBe(large.sha256)
  })

  it('with the sender worker on (test flag: as on machines of more than 2 cores), the page hands no file byte to a channel; the file arrives verified', async () => {
    const [ada, bo] = await adaAndBo({ localStorage: { 'parley:test:sender-worker': '1' } })
    const workers: string[] = []
    ada.page.on('worker', (w) => workers.push(w.url()))
    await countPageSends(ada)
    await sendVerified(ada, bo, randomFile('in-worker.bin', 12 * 1024 * 1024 + 5))
    expect(await pageFileBytes(ada)).toBe(0)
    expect(workers.filter((url) => /senderWorker/.test(url))).toHaveLength(1)
  })

  it('with the sender worker off (test flag: as on 2-core machines, or browsers that cannot move a data channel), the page sends the file and it arrives verified', async () => {
    const [ada, bo] = await adaAndBo({ localStorage: { 'parley:test:sender-worker': '0' } })
    const workers: string[] = []
    ada.page.on('worker', (w) => workers.push(w.url()))
    await countPageSends(ada)
    const size = 12 * 1024 * 1024 + 5
    await sendVerified(ada, bo, randomFile('on-page.bin', size))
    expect(await pageFileBytes(ada)).toBe(size)
    expect(workers.filter((url) => /senderWorker/.test(url))).toHaveLength(0)
  })

  it('declining an offer shows the transfer as cancelled on both sides', async () => {
    const [ada, bo] = await adaAndBo()
    await sendFiles(ada, [randomFile('declined.bin', 1000).path])
    await poll(() => stateOf(bo)).toBe('offered')
    await bo.page.getByRole('button', { name: 'Decline' }).click()
    await poll(() => stateOf(ada)).toBe('cancelled')
    await poll(() => stateOf(bo)).toBe('cancelled')
    expect(await card(ada).textContent()).toMatch(/declin/i)
  })

  it('the sender cancelling mid-way cancels the transfer on both sides', async () => {
    const [ada, bo] = await adaAndBo()
    await sendFiles(ada, [randomFile('big.bin', 60 * 1024 * 1024).path])
    await poll(() => stateOf(bo)).toBe('offered')
    await bo.page.getByTestId('file-accept').click()
    await expect.poll(() => stateOf(ada), { timeout: 30_000 }).toBe('active')
    await ada.page.getByTestId('file-cancel').click()
    await poll(() => stateOf(ada)).toBe('cancelled')
    await poll(() => stateOf(bo)).toBe('cancelled')
  })

  it('files sent to one participant reach only that participant; dropped files go to everyone', async () => {
    const room = nextRoom()
    const ada = await join(room, 'Ada')
    const bo = await join(room, 'Bo')
    const cy = await join(room, 'Cy')
    await expectFullMesh([ada, bo, cy])
    await sendFiles(ada, [randomFile('for-bo.txt', 2048).path], 'Bo')
    await poll(() => stateOf(bo)).toBe('offered')
    expect(await card(cy).count()).toBe(0)
    await bo.page.getByTestId('file-accept').click()
    await poll(() => stateOf(bo)).toBe('done')

    // Drop a file on Cy's call: it is offered to Ada and Bo.
    await cy.page.evaluate(() => {
      const data = new DataTransfer()
      data.items.add(new File(['dropped bytes'], 'dropped.txt', { type: 'text/plain' }))
      for (const type of ['dragenter', 'dragover', 'drop']) {
        document.body.dispatchEvent(
          new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }),
        )
      }
    })
    await poll(() => card(cy).count()).toBe(2)
    await expect
      .poll(() => card(ada).filter({ hasText: 'dropped.txt' }).getAttribute('data-state'))
      .toBe('offered')
    await expect
      .poll(() => card(bo).filter({ hasText: 'dropped.txt' }).getAttribute('data-state'))
      .toBe('offered')
  })

  it('"Save as…" writes a one-file offer straight into the file the person picked, and "Save to folder…" a three-file offer into the picked folder (a name already there gets " (1)"); each file verified, the save action shows them saved', async () => {
    const [ada, bo] = await adaAndBo()
    // headless Chromium shows no dialog: the pickers answer with a file and a folder of the
    // origin's private file system (real FileSystemHandles, written the same way)
    await bo.page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>
      const picked = async () =>
        (await navigator.storage.getDirectory()).getDirectoryHandle('picked', { create: true })
      w.showSaveFilePicker = async (options: { suggestedName: string }) => {
        w.suggestedName = options.suggestedName
        return (await picked()).getFileHandle('chosen.bin', { create: true })
      }
      w.showDirectoryPicker = async () => {
        const folder = await (await picked()).getDirectoryHandle('folder', { create: true })
        const there = await (await folder.getFileHandle('notes.txt', { create: true })).createWritable()
        await there.write('already here')
        await there.close()
        return folder
      }
    })
    /** SHA-256 of every file in the picked place (`folder`: its folder), by name. */
    const pickedFiles = (folder: boolean) =>
      bo.page.evaluate(async (folder) => {
        let dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('picked')
        if (folder) dir = await dir.getDirectoryHandle('folder')
        const out: Record<string, string> = {}
        for await (const [name, handle] of (
          dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }
        ).entries()) {
          if (handle.kind !== 'file') continue
          const bytes = await (await (handle as FileSystemFileHandle).getFile()).arrayBuffer()
          const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
          out[name] = [...digest].map((b) => b.toString(16).padStart(2, '0')).join('')
        }
        return out
      }, folder)

    const one = randomFile('one.bin', 9 * 1024 * 1024 + 123)
    await sendFiles(ada, [one.path])
    await poll(() => stateOf(bo)).toBe('offered')
    await poll(() => bo.page.getByTestId('file-accept-to').textContent()).toBe('Save as…')
    await bo.page.getByTestId('file-accept-to').click()
    await expect.poll(() => stateOf(bo), { timeout: 90_000 }).toBe('done')
    expect(await bo.page.evaluate(() => (window as unknown as { suggestedName: string }).suggestedName)).toBe(
      'one.bin',
    )
    expect(await pickedFiles(false)).toEqual({ 'chosen.bin': one.sha256 })
    await poll(() => bo.page.getByTestId('file-save').getAttribute('data-saved')).toBe('true')
    expect(await card(bo).textContent()).toContain('saved where you chose')
    await bo.page.getByRole('button', { name: /^Dismiss/ }).click()
    await poll(() => card(bo).count()).toBe(0)

    const files = [
      randomFile('a.bin', 2 * 1024 * 1024 + 5),
      randomFile('b.bin', 1000),
      randomFile('notes.txt', 5000),
    ]
    await sendFiles(
      ada,
      files.map((f) => f.path),
    )
    await poll(() => card(bo).count()).toBe(1)
    await poll(() => stateOf(bo)).toBe('offered')
    await poll(() => bo.page.getByTestId('file-accept-to').textContent()).toBe('Save to folder…')
    await bo.page.getByTestId('file-accept-to').click()
    await expect.poll(() => stateOf(bo), { timeout: 90_000 }).toBe('done')
    const inFolder = await pickedFiles(true)
    expect(inFolder).toEqual({
      'a.bin': files[0]!.sha256,
      'b.bin': files[1]!.sha256,
      'notes (1).txt': files[2]!.sha256,
      'notes.txt': createHash('sha256').update('already here').digest('hex'),
    })
    await poll(() => bo.page.getByTestId('file-save').getAttribute('data-saved')).toBe('true')
    expect(bo.errors).toEqual([])
  })

  it('a transfer accepted into a picked folder and cancelled mid-way by the receiver leaves nothing of its files in that folder', async () => {
    const [ada, bo] = await adaAndBo()
    await bo.page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>
      w.showDirectoryPicker = async () =>
        (await navigator.storage.getDirectory()).getDirectoryHandle('cancelled', { create: true })
    })
    await sendFiles(ada, [randomFile('big.bin', 60 * 1024 * 1024).path, randomFile('small.bin', 10).path])
    await poll(() => stateOf(bo)).toBe('offered')
    await bo.page.getByTestId('file-accept-to').click()
    await expect.poll(() => stateOf(bo), { timeout: 30_000 }).toBe('active')
    // the folder has the file being received
    const names = () =>
      bo.page.evaluate(async () => {
        const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('cancelled')
        const out: string[] = []
        for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) out.push(name)
        return out.sort()
      })
    await poll(names).toContain('big.bin')
    await bo.page.getByTestId('file-cancel').click()
    await poll(() => stateOf(bo)).toBe('cancelled')
    await poll(() => stateOf(ada)).toBe('cancelled')
    await poll(names).toEqual([])
  })

  it('a one-file offer accepted with "Save as…" and cancelled mid-way by the sender leaves no empty file where the person picked', async () => {
    const [ada, bo] = await adaAndBo()
    // as the save dialog does (File System Access spec): the chosen file exists, empty
    await pickIntoOpfs(bo, 'chosen-then-cancelled.bin')
    const picked = () =>
      bo.page.evaluate(() =>
        navigator.storage
          .getDirectory()
          .then((root) => root.getFileHandle('chosen-then-cancelled.bin'))
          .then(
            () => true,
            () => false,
          ),
      )
    await sendFiles(ada, [randomFile('big.bin', 120 * 1024 * 1024).path])
    await poll(() => stateOf(bo)).toBe('offered')
    await poll(() => bo.page.getByTestId('file-accept-to').textContent()).toBe('Save as…')
    await bo.page.getByTestId('file-accept-to').click()
    await expect.poll(() => stateOf(ada), { timeout: 30_000 }).toBe('active')
    expect(await picked()).toBe(true)
    await ada.page.getByTestId('file-cancel').click()
    await poll(() => stateOf(ada)).toBe('cancelled')
    await poll(() => stateOf(bo)).toBe('cancelled')
    // the dialog made the file; the cancelled transfer removed it
    await poll(picked).toBe(false)
    expect(bo.errors).toEqual([])
  })
})
