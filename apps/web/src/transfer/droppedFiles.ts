/**
 * The files of a drop, folders included: a dropped folder gives every file under it, each as a
 * File named by its path from the folder's parent (`photos/2024/a.jpg`), which the SDK offers as
 * such and receivers rebuild. A dropped file keeps its own name. The drop's items must be read
 * while the drop event runs: call this from the handler, before anything is awaited.
 */
export function filesOfDrop(data: DataTransfer): Promise<File[]> {
  const entries: FileSystemEntry[] = []
  const loose: File[] = []
  for (const item of [...data.items]) {
    if (item.kind !== 'file') continue
    const entry = item.webkitGetAsEntry?.()
    if (entry?.isDirectory) entries.push(entry)
    else {
      const file = item.getAsFile()
      if (file) loose.push(file)
    }
  }
  // a browser without entries: the files the drop lists (folders among them are not readable)
  if (entries.length === 0 && loose.length === 0) return Promise.resolve([...data.files])
  return (async () => {
    const found: File[] = [...loose]
    for (const entry of entries) await walk(entry as FileSystemDirectoryEntry, found)
    return found
  })()
}

async function walk(dir: FileSystemDirectoryEntry, found: File[]): Promise<void> {
  const reader = dir.createReader()
  const entries: FileSystemEntry[] = []
  for (;;) {
    // a directory gives its entries in batches (100 at a time in Chromium) until an empty one
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    )
    if (batch.length === 0) break
    entries.push(...batch)
  }
  // in name order, as `parley send` walks a folder
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const entry of entries) {
    if (entry.isDirectory) await walk(entry as FileSystemDirectoryEntry, found)
    else if (entry.isFile) found.push(await fileOf(entry as FileSystemFileEntry))
  }
}

async function fileOf(entry: FileSystemFileEntry): Promise<File> {
  const file = await new Promise<File>((resolve, reject) => entry.file(resolve, reject))
  const path = entry.fullPath.replace(/^\/+/, '')
  // the same bytes under the path's name (no copy: a File made of a File refers to its data)
  return path.includes('/')
    ? new File([file], path, { type: file.type, lastModified: file.lastModified })
    : file
}
