import { describe, expect, it } from 'vitest'
import { filesOfDrop } from '../src/transfer/droppedFiles.js'

/** Stand-ins for the entries of a drop (FileSystemEntry): a directory reads back in batches of two. */
function fileEntry(fullPath: string, text: string) {
  const name = fullPath.slice(fullPath.lastIndexOf('/') + 1)
  return {
    isFile: true,
    isDirectory: false,
    name,
    fullPath,
    file: (ok: (f: File) => void) => ok(new File([text], name, { type: 'text/plain', lastModified: 1234 })),
  }
}

function dirEntry(fullPath: string, children: readonly unknown[]) {
  return {
    isFile: false,
    isDirectory: true,
    name: fullPath.slice(fullPath.lastIndexOf('/') + 1),
    fullPath,
    createReader: () => {
      let at = 0
      return {
        readEntries: (ok: (batch: unknown[]) => void) => {
          const batch = children.slice(at, at + 2)
          at += 2
          setTimeout(() => ok(batch), 1)
        },
      }
    },
  }
}

/** A drop's DataTransfer whose items, as in a browser, can only be read while the event runs. */
function dropOf(items: readonly { entry: unknown; file: File | null; kind?: string }[]) {
  const state = { ended: false }
  const during = <T>(value: T) => {
    if (state.ended) throw new Error('read after the drop event')
    return value
  }
  const data = {
    items: items.map((i) => ({
      kind: i.kind ?? 'file',
      webkitGetAsEntry: () => during(i.entry),
      getAsFile: () => during(i.file),
    })),
    files: items.flatMap((i) => (i.file ? [i.file] : [])),
  }
  return { data: data as unknown as DataTransfer, end: () => (state.ended = true) }
}

describe('filesOfDrop', () => {
  it('gives a dropped folder’s files (all its batches, subfolders too) named by their path, beside loose files kept as they are', async () => {
    const loose = new File(['l'], 'loose.txt')
    const photos = dirEntry('/photos', [
      fileEntry('/photos/b.txt', 'b'),
      dirEntry('/photos/2024', [fileEntry('/photos/2024/x.txt', 'x')]),
      fileEntry('/photos/a.txt', 'a'),
      dirEntry('/photos/empty', []),
      fileEntry('/photos/c.txt', 'c'),
    ])
    const { data, end } = dropOf([
      { entry: photos, file: null },
      { entry: fileEntry('/loose.txt', 'l'), file: loose },
      { entry: null, file: null, kind: 'string' },
    ])
    const pending = filesOfDrop(data)
    end()
    const files = await pending
    // each folder in name order, whatever batches its entries came in
    expect(files.map((f) => f.name)).toEqual([
      'loose.txt',
      'photos/2024/x.txt',
      'photos/a.txt',
      'photos/b.txt',
      'photos/c.txt',
    ])
    expect(files[0]).toBe(loose)
    expect(await files[1]!.text()).toBe('x')
    expect(files[1]!.lastModified).toBe(1234)
    expect(files[1]!.type).toBe('text/plain')
  })

  it('without entries (an older browser) gives the files the drop lists', async () => {
    const a = new File(['a'], 'a.txt')
    const data = { items: [], files: [a] } as unknown as DataTransfer
    expect(await filesOfDrop(data)).toEqual([a])
  })

  it('rejects when a folder cannot be read, for the caller to say so', async () => {
    const broken = {
      ...dirEntry('/locked', []),
      createReader: () => ({
        readEntries: (_ok: unknown, fail: (e: Error) => void) => fail(new Error('NotReadableError')),
      }),
    }
    const { data } = dropOf([{ entry: broken, file: null }])
    await expect(filesOfDrop(data)).rejects.toThrow('NotReadableError')
  })
})
