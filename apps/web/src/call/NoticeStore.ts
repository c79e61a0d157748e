import { Store } from '../state/Store.js'
import type { Notice } from './types.js'

const SHOW_MS = 4500
const MAX_VISIBLE = 4

/** Short messages shown for a few seconds ("Ada joined", "Bo left"). */
export class NoticeStore extends Store<readonly Notice[]> {
  #next = 1
  readonly #timers = new Set<ReturnType<typeof setTimeout>>()

  constructor() {
    super([])
  }

  push(text: string, tone: Notice['tone'] = 'info'): void {
    const id = this.#next++
    this.set([...this.get(), { id, text, tone }].slice(-MAX_VISIBLE))
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      this.set(this.get().filter((n) => n.id !== id))
    }, SHOW_MS)
    this.#timers.add(timer)
  }

  /** Stops the timers (the call screen is gone). */
  close(): void {
    for (const t of this.#timers) clearTimeout(t)
    this.#timers.clear()
  }
}
