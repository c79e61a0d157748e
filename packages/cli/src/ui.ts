import type { TransferProgress } from '@parley/client'

/** Where the command writes and reads (process streams, or fakes in tests). */
export interface Io {
  readonly stdout: { write(text: string): unknown }
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean; readonly columns?: number }
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean }
  readonly env: Readonly<Record<string, string | undefined>>
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

export function formatBytes(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${UNITS[unit]}`
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?'
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

/**
 * Progress on stderr: a redrawn bar on a terminal, plain lines (every 10 % or 5 s) otherwise.
 */
export class ProgressView {
  readonly #io: Io
  readonly #label: string
  #lastDraw = 0
  #lastPercentLine = -1
  #lastLineAt = 0
  #drawn = false
  #firstAt: { t: number; bytes: number } | undefined

  constructor(io: Io, label: string) {
    this.#io = io
    this.#label = label
  }

  update(p: TransferProgress, force = false): void {
    const now = Date.now()
    this.#firstAt ??= { t: now, bytes: p.bytes }
    const percent = p.totalBytes === 0 ? 100 : Math.floor((p.bytes / p.totalBytes) * 100)
    const elapsed = (now - this.#firstAt.t) / 1000
    // once finished (no current rate), show the average
    const bytesPerSecond =
      p.bytesPerSecond > 0 || elapsed <= 0 ? p.bytesPerSecond : (p.bytes - this.#firstAt.bytes) / elapsed
    const rate = `${formatBytes(Math.round(bytesPerSecond))}/s`
    const eta = p.etaSeconds === undefined ? '' : ` ETA ${formatDuration(p.etaSeconds)}`
    const figures = `${String(percent).padStart(3)}% ${formatBytes(p.bytes)}/${formatBytes(p.totalBytes)} ${rate}${eta}`
    if (this.#io.stderr.isTTY) {
      if (!force && now - this.#lastDraw < 100) return
      this.#lastDraw = now
      const width = Math.max(40, this.#io.stderr.columns ?? 80)
      const barWidth = Math.max(10, width - figures.length - this.#label.length - 6)
      const filled = Math.round((barWidth * percent) / 100)
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]`
      this.#io.stderr.write(`\r${this.#label} ${bar} ${figures}`.slice(0, width + 1).padEnd(width))
      this.#drawn = true
      return
    }
    const step = Math.floor(percent / 10)
    if (force || step > this.#lastPercentLine || now - this.#lastLineAt >= 5000) {
      this.#lastPercentLine = step
      this.#lastLineAt = now
      this.#io.stderr.write(`${this.#label} ${figures}\n`)
    }
  }

  /** Writes a line of its own: on a terminal, over the bar, which the next update draws again. */
  note(line: string): void {
    if (this.#drawn) this.#io.stderr.write('\r\x1b[K')
    this.#drawn = false
    this.#lastDraw = 0
    this.#io.stderr.write(line)
  }

  /** Ends the bar's line (terminal). */
  finish(): void {
    if (this.#drawn) this.#io.stderr.write('\n')
    this.#drawn = false
  }
}

/** Asks a yes/no question on stderr; reads one line of stdin. */
export function askYesNo(io: Io, question: string): Promise<boolean> {
  io.stderr.write(`${question} [y/N] `)
  return new Promise((resolve) => {
    let buffer = ''
    const onData = (chunk: Buffer | string) => {
      buffer += chunk.toString()
      const newline = buffer.indexOf('\n')
      if (newline < 0) return
      cleanup()
      resolve(/^\s*y(es)?\s*$/i.test(buffer.slice(0, newline)))
    }
    const onEnd = () => {
      cleanup()
      resolve(false)
    }
    const cleanup = () => {
      io.stdin.off('data', onData)
      io.stdin.off('end', onEnd)
      io.stdin.pause()
    }
    io.stdin.on('data', onData)
    io.stdin.on('end', onEnd)
    io.stdin.resume()
  })
}
