const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const

/** 1536 → "1.5 KB" (powers of 1024, as file managers show sizes). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—'
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2
  return `${value.toFixed(digits)} ${UNITS[unit]}`
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`
}

/** 75 → "1 min 15 s left"; undefined → "" (rate not known yet). */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return ''
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s} s left`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${s % 60} s left`
  return `${Math.floor(m / 60)} h ${m % 60} min left`
}

/** "report.pdf", "report.pdf and 4 more", or for the files of one folder sent whole "photos: 5 files". */
export function summarizeNames(names: readonly string[]): string {
  const [first, ...rest] = names
  if (first === undefined) return 'No files'
  if (rest.length === 0) return first
  const slash = first.indexOf('/')
  const folder = slash > 0 ? first.slice(0, slash + 1) : undefined
  if (folder && rest.every((n) => n.startsWith(folder)))
    return `${folder.slice(0, -1)}: ${names.length} files`
  return `${first} and ${rest.length} more`
}

/** Names one per line, at most `max` of them, the rest counted (a tooltip for thousands of files). */
export function listNames(names: readonly string[], max = 20): string {
  const listed = names.slice(0, max).join('\n')
  return names.length > max ? `${listed}\n… and ${names.length - max} more` : listed
}
