import { Store } from '../state/Store.js'

/**
 * Browsers refuse to start media with sound before the user has interacted with the page (e.g.
 * right after a reload that rejoins the call). Tiles then play muted and report it here; the call
 * screen offers a button whose click (a user gesture) lets every tile play with sound again.
 */
export class AutoplayGate extends Store<{ readonly blocked: boolean }> {
  constructor() {
    super({ blocked: false })
  }

  reportBlocked(): void {
    if (!this.get().blocked) this.set({ blocked: true })
  }

  /** Call from a click handler. */
  unblock(): void {
    if (this.get().blocked) this.set({ blocked: false })
  }
}

export const autoplayGate = new AutoplayGate()
