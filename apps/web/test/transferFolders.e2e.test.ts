/**
 * Folders sent whole through the web app: picked with the folder input (`folder-input`) and rebuilt
 * by a browser's "Save to folder…", by its ZIP and by `parley receive`; `parley send` of a folder
 * rebuilt by a browser.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join as joinPath, relative } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { killAll, parley, startSend } from '../../../packages/cli/test/support.js'
import { readZip } from '../../../packages/client/test/transfer/zipReader.js'
import { card, stateOf } from './support/transfers.js'
import { expectFullMesh, type Participant, poll, useWebAppSuite } from './support/webApp.js'

const suite = useWebAppSuite('txf')
const { nextRoom, join } = suite
const dir = mkdtempSync(joinPath(tmpdir(), 'parley-web-txf-'))
let folderCounter = 0

afterAll(() => rmSync(dir, { recursive: true, force: true }))
afterEach(() => killAll())

/** A new folder `name` holding `files` (relative path → size) of random bytes; their SHA-256 by path from its parent. */
function folderOf(
  name: string,
  files: Record<string, number>,
): { path: string; sha256: Map<string, string> } {
  const parent = joinPath(dir, `f${++folderCounter}`)
  const sha256 = new Map<string, string>()
  for (const [path, size] of Object.entries(files)) {
    const full = joinPath(parent, name, path)
    mkdirSync(joinPath(full, '..'), { recursive: true })
    const data = randomBytes(size)
    writeFileSync(full, data)
    sha256.set(`${name}/${path}`, createHash('sha256').update(data).digest('hex'))
  }
  return { path: joinPath(parent, name), sha256 }
}

async function sendFolder(from: Participant, path: string): Promise<void> {
  await from.page.getByTestId('send-files').click()
  await from.page.getByTestId('folder-input').setInputFiles(path)
}

/**
 * Makes the page's "Save to folder…" dialog answer with the folder `name` of its origin's private
 * file system (headless Chromium shows no dialog), holding `there` (relative path → text) first.
 */
function pickFolderInOpfs(p: Participant, name: string, there: Record<string, string> = {}): Promise<void> {
  return p.page.evaluate(
    ({ name, there }) => {
      const w = window as unknown as Record<string, unknown>
      w.showDirectoryPicker = async () => {
        const root = await (await navigator.storage.getDirectory()).getDirectoryHandle(name, { create: true })
        for (const [path, text] of Object.entries(there)) {
          let folder = root
          const parts = path.split('/')
          for (const part of parts.slice(0, -1))
            folder = await folder.getDirectoryHandle(part, { create: true })
          const writable = await (
            await folder.getFileHandle(parts.at(-1)!, { create: true })
          ).createWritable()
          await writable.write(text)
          await writable.close()
        }
        return root
      }
    },
    { name, there },
  )
}

/** Every file under the OPFS folder `name` (see pickFolderInOpfs): relative path → SHA-256. */
function opfsTree(p: Participant, name: string): Promise<Record<string, string>> {
  return p.page.evaluate(async (name) => {
    type Listable = { entries(): AsyncIterable<[string, FileSystemHandle]> }
    const out: Record<string, string> = {}
    const walk = async (folder: FileSystemDirectoryHandle, prefix: string) => {
      for await (const [entry, handle] of (folder as unknown as Listable).entries()) {
        if (handle.kind === 'directory') await walk(handle as FileSystemDirectoryHandle, `${prefix}${entry}/`)
        else {
          const bytes = await (await (handle as FileSystemFileHandle).getFile()).arrayBuffer()
          const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
          out[`${prefix}${entry}`] = [...digest].map((b) => b.toString(16).padStart(2, '0')).join('')
        }
      }
    }
    await walk(await (await navigator.storage.getDirectory()).getDirectoryHandle(name), '')
    return out
  }, name)
}

/** Every file under `root` on disk: relative path with `/` → SHA-256. */
async function diskTree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue
    const path = joinPath(e.parentPath, e.name)
    out[relative(root, path).split('\\').join('/')] = createHash('sha256')
      .update(await readFile(path))
      .digest('hex')
  }
  return out
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex')

describe('web app: folders', () => {
  it('a folder chosen with folder-input arrives in its folders: "Save to folder…" rebuilds the tree beside what is there (a name taken in a subfolder gets " (1)"), and the ZIP keeps the folders', async () => {
    const room = nextRoom()
    const ada = await join(room, 'Ada')
    const bo = await join(room, 'Bo')
    await expectFullMesh([ada, bo])
    const photos = folderOf('photos', {
      '2024/summer/beach.jpg': 3 * 1024 * 1024 + 7,
      '2024/a.txt': 100,
      'notes.txt': 20,
    })
    await pickFolderInOpfs(bo, 'picked', { 'photos/notes.txt': 'mine' })
    await sendFolder(ada, photos.path)
    await poll(() => stateOf(bo)).toBe('offered')
    expect(await card(bo).textContent()).toContain('photos: 3 files')
    expect(await card(bo).textContent()).toContain('photos/2024/a.txt')
    await bo.page.getByTestId('file-accept-to').click()
    await expect.poll(() => stateOf(bo), { timeout: 90_000 }).toBe('done')
    await expect.poll(() => stateOf(ada), { timeout: 30_000 }).toBe('done')
    expect(await opfsTree(bo, 'picked')).toEqual({
      'photos/2024/summer/beach.jpg': photos.sha256.get('photos/2024/summer/beach.jpg'),
      'photos/2024/a.txt': photos.sha256.get('photos/2024/a.txt'),
      'photos/notes (1).txt': photos.sha256.get('photos/notes.txt'),
      'photos/notes.txt': sha('mine'),
    })

    // the same folder, accepted into the browser's storage: its ZIP holds the folders
    await bo.page.getByRole('button', { name: /^Dismiss/ }).click()
    await ada.page.getByRole('button', { name: /^Dismiss/ }).click()
    await poll(() => card(bo).count()).toBe(0)
    await sendFolder(ada, photos.path)
    await poll(() => stateOf(bo)).toBe('offered')
    await bo.page.getByTestId('file-accept').click()
    await expect.poll(() => stateOf(bo), { timeout: 90_000 }).toBe('done')
    const download = bo.page.waitForEvent('download', { timeout: 60_000 })
    await bo.page.getByTestId('file-save-zip').click()
    const { entries } = readZip(await readFile(await (await download).path()))
    expect(
      Object.fromEntries(entries.map((e) => [e.name, createHash('sha256').update(e.data).digest('hex')])),
    ).toEqual(Object.fromEntries(photos.sha256))
  })

  it('a folder chosen in the web app → parley receive rebuilds it under --out, every file verified', async () => {
    const room = nextRoom()
    const ada = await join(room, 'Ada')
    const out = joinPath(dir, `out-${room}`)
    mkdirSync(out)
    const receiver = await parley(['receive', room, '--out', out, '--server', suite.server.url])
    await ada.page.getByTestId('participant-tile').first().waitFor({ timeout: 30_000 })
    const docs = folderOf('docs', { 'a/b/c.bin': 2 * 1024 * 1024, 'a/d.txt': 5, 'e.txt': 0 })
    await sendFolder(ada, docs.path)
    expect(await receiver.exited).toBe(0)
    expect(await diskTree(out)).toEqual(Object.fromEntries(docs.sha256))
    expect(receiver.stdout).toContain(`Saved ${joinPath(out, 'docs/a/b/c.bin')} (2.00 MiB, SHA-256`)
  })

  it('parley send of a folder → "Save to folder…" in the web app rebuilds it; a transfer cancelled mid-way leaves none of the folders it made', async () => {
    const tree = folderOf('tree', { 'x/y/one.bin': 1024 * 1024, 'x/two.txt': 3 })
    const first = await startSend([tree.path], suite.server.url)
    const bo = await join(first.code, 'Bo')
    await pickFolderInOpfs(bo, 'from-cli')
    await poll(() => stateOf(bo), 30_000).toBe('offered')
    await bo.page.getByTestId('file-accept-to').click()
    await expect.poll(() => stateOf(bo), { timeout: 60_000 }).toBe('done')
    expect(await first.sender.exited).toBe(0)
    expect(await opfsTree(bo, 'from-cli')).toEqual(Object.fromEntries(tree.sha256))
    await bo.close()

    const big = folderOf('big', { 'inner/deeper/big.bin': 96 * 1024 * 1024, 'inner/small.txt': 1 })
    const second = await startSend([big.path], suite.server.url)
    const bo2 = await join(second.code, 'Bo')
    await pickFolderInOpfs(bo2, 'cancelled', { 'kept.txt': 'here before' })
    await poll(() => stateOf(bo2), 30_000).toBe('offered')
    await bo2.page.getByTestId('file-accept-to').click()
    await expect.poll(() => stateOf(bo2), { timeout: 30_000 }).toBe('active')
    await expect.poll(() => opfsTree(bo2, 'cancelled').then((t) => Object.keys(t).length)).toBeGreaterThan(1)
    await bo2.page.getByTestId('file-cancel').click()
    await poll(() => stateOf(bo2)).toBe('cancelled')
    expect(await second.sender.exited).toBe(7)
    await poll(() => opfsTree(bo2, 'cancelled')).toEqual({ 'kept.txt': sha('here before') })
    await poll(() =>
      bo2.page.evaluate(async () => {
        const root = await (await navigator.storage.getDirectory()).getDirectoryHandle('cancelled')
        const names: string[] = []
        for await (const name of (root as unknown as { keys(): AsyncIterable<string> }).keys())
          names.push(name)
        return names
      }),
    ).toEqual(['kept.txt'])
  })
})
