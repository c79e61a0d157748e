import { Store } from '../state/Store.js'

export interface LevelSource {
  readonly id: string
  /** 0..1 RMS level now. */
  level(): number
}

const THRESHOLD = 0.015
const HOLD_MS = 1200
/** Per-sample decay of a source's envelope: peaks count for a few samples, so short sounds register. */
const RELEASE = 0.7

/**
 * Active speaker from audio levels: the loudest source above a threshold becomes the speaker and
 * keeps the highlight for a moment after going quiet, so it does not flicker between words.
 */
export class SpeakerDetector extends Store<{ readonly speaker: string | undefined }> {
  readonly #sources: () => readonly LevelSource[]
  readonly #envelope = new Map<string, number>()
  #lastHeard = 0

  constructor(sources: () => readonly LevelSource[]) {
    super({ speaker: undefined })
    this.#sources = sources
  }

  /** Takes one sample (called on a timer). */
  sample(now: number = Date.now()): void {
    let loudest: string | undefined
    let max = THRESHOLD
    const seen = new Set<string>()
    for (const source of this.#sources()) {
      seen.add(source.id)
      const level = Math.max(source.level(), (this.#envelope.get(source.id) ?? 0) * RELEASE)
      this.#envelope.set(source.id, level)
      if (level > max) {
        max = level
        loudest = source.id
      }
    }
    for (const id of this.#envelope.keys()) if (!seen.has(id)) this.#envelope.delete(id)
    const current = this.get().speaker
    if (loudest !== undefined) {
      this.#lastHeard = now
      if (loudest !== current) this.set({ speaker: loudest })
    } else if (current !== undefined && now - this.#lastHeard > HOLD_MS) {
      this.set({ speaker: undefined })
    }
  }
}
