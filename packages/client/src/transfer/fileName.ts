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
