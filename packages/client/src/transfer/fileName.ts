/**
 * Turns a name offered by a peer into a safe file name for the local disk: no directory part
 * (no path traversal), no control or reserved characters, no device names, at most 255 UTF-8
 * bytes (extension kept), never empty, never one of Parley's own partial-file suffixes.
 */
export function safeFileName(offered: string): string {
  let name = offered.split(/[/\\]/).pop() ?? ''
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  name = name.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_')
  name = name
    .normalize('NFC')
    .trim()
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '')
  if (name === '') name = 'file'
  if (/^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i.test(name)) name = `_${name}`
  if (/\.parley-part(\.json)?$/i.test(name)) name = `${name}_`
  return truncateUtf8(name, 255)
}

/** Cuts `name` to at most `maxBytes` UTF-8 bytes, keeping a short extension and whole characters. */
function truncateUtf8(name: string, maxBytes: number): string {
  const encoder = new TextEncoder()
  if (encoder.encode(name).byteLength <= maxBytes) return name
  const dot = name.lastIndexOf('.')
  const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : ''
  const budget = maxBytes - encoder.encode(ext).byteLength
  let stem = ''
  let used = 0
  for (const ch of name.slice(0, name.length - ext.length)) {
    const size = encoder.encode(ch).byteLength
    if (used + size > budget) break
    stem += ch
    used += size
  }
  return `${stem}${ext}`
}

/** `name`, or `name (1).ext`, `name (2).ext`… — the first that `taken` does not hold. */
export function uniqueFileName(name: string, taken: (candidate: string) => boolean): string {
  if (!taken(name)) return name
  const dot = name.lastIndexOf('.')
  const stem = dot > 0 ? name.slice(0, dot) : name
  const ext = dot > 0 ? name.slice(dot) : ''
  for (let i = 1; ; i++) {
    const candidate = truncateUtf8(`${stem} (${i})${ext}`, 255)
    if (!taken(candidate)) return candidate
  }
}

/** Folders an offered path may go down (deeper ones are dropped from its start). */
export const MAX_FOLDER_DEPTH = 32

/**
 * Turns a name offered by a peer, which may be a relative path with `/` between folders
 * (`photos/2024/a.jpg`: a folder sent whole), into a safe relative path: each part made safe as by
 * {@link safeFileName}, empty, `.` and `..` parts dropped (never above the folder it is saved
 * in), `\` taken as a separator too, at most {@link MAX_FOLDER_DEPTH} folders (the innermost kept).
 * The parts are joined with `/`; the last is the file's name, never empty.
 */
export function safeRelativePath(offered: string): string {
  const parts = offered.split(/[/\\]/).filter((part) => !/^[.\s]*$/.test(part))
  const name = safeFileName(parts.pop() ?? '')
  const folders = parts.slice(-MAX_FOLDER_DEPTH).map(safeFileName)
  return [...folders, name].join('/')
}

/** The folders of a relative path, outermost first: `a/b/c.txt` → `a`, `a/b`. */
export function folderPrefixes(path: string): string[] {
  const parts = path.split('/')
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'))
}

/**
 * Distinct safe relative paths for the files of one offer, by position (see
 * {@link safeRelativePath}). A name that another file or a folder of the offer already has (letter
 * case aside), or that `taken` reports, gets a number as {@link uniqueFileName} gives it, in its
 * own folder: `a/b (1).txt`. A file never takes the name of a folder the offer needs.
 */
export function distinctPaths(
  offered: readonly string[],
  taken: (path: string) => boolean = () => false,
): string[] {
  const safe = offered.map(safeRelativePath)
  const folders = new Set(safe.flatMap(folderPrefixes).map((p) => p.toLowerCase()))
  const chosen = new Set<string>()
  return safe.map((path) => {
    const slash = path.lastIndexOf('/')
    const folder = path.slice(0, slash + 1)
    const name = uniqueFileName(path.slice(slash + 1), (candidate) => {
      const full = `${folder}${candidate}`
      const key = full.toLowerCase()
      return chosen.has(key) || folders.has(key) || taken(full)
    })
    chosen.add(`${folder}${name}`.toLowerCase())
    return `${folder}${name}`
  })
}
