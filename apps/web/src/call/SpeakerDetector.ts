import { Store } from '../state/Store.js'

export interface LevelSource {
  readonly id: string
  /** 0..1 RMS level now. */
  level(): number
}

const THRESHOLD = 0.015
const HOLD_MS = 1200

/**
 * Active speaker from audio levels: the loudest source above a threshold becomes the speaker and
 * keeps the highlight for a moment after going quiet, so it does not flicker between words.
 */
export class SpeakerDetector extends Store<{ readonly speaker: string | undefined }> {
  readonly #sources: () => readonly LevelSource[]
  #lastHeard = 0

  constructor(sources: () => readonly LevelSource[]) {
    super({ speaker: undefined })
    this.#sources = sources
  }

  /** Takes one sample (called on a timer). */
  sample(now: number = Date.now()): void {
    let loudest: string | undefined
    let max = THRESHOLD
    for (const source of this.#sources()) {
      const level = source.level()
      if (level > max) {
        max = level
        loudest = source.id
      }
    }
    const current = this.get().speaker
    if (loudest !== undefined) {
      this.#lastHeard = now
      if (loudest !== current) this.set({ speaker: loudest })
    } else if (current !== undefined && now - this.#lastHeard > HOLD_MS) {
      this.set({ speaker: undefined })
    }
  }
}
