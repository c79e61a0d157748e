/**
 * Marks the call this tab is in (sessionStorage: per tab, survives a reload, not a new tab).
 * A reload of /r/<code> with this mark goes straight back into the call, skipping the lobby, and
 * with `resume` takes the same session over (same peer id: the others keep their connection
 * state and transfers to this tab continue).
 */
export interface ActiveCall {
  readonly code: string
  readonly name: string
  readonly audio: boolean
  readonly video: boolean
  /** The room's resume token when the page went away (or joined). */
  readonly resume?: string | undefined
}

const KEY = 'parley:active-call'

export function loadActiveCall(code: string): ActiveCall | undefined {
  try {
    const v: unknown = JSON.parse(sessionStorage.getItem(KEY) ?? 'null')
    if (typeof v !== 'object' || v === null) return undefined
    const o = v as Record<string, unknown>
    if (o.code !== code || typeof o.name !== 'string' || o.name.trim() === '') return undefined
    const resume = typeof o.resume === 'string' && o.resume.length > 0 ? o.resume : undefined
    return { code, name: o.name, audio: o.audio === true, video: o.video === true, resume }
  } catch {
    return undefined
  }
}

export function saveActiveCall(call: ActiveCall): void {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(call))
  } catch {
    // a reload will show the lobby instead
  }
}

export function clearActiveCall(): void {
  try {
    sessionStorage.removeItem(KEY)
  } catch {
    // nothing stored
  }
}
