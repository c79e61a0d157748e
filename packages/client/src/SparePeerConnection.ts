import type { Logger } from './Logger.js'
import { createPeerConnection, type RtcRuntime } from './runtime.js'

/**
 * One RTCPeerConnection made ahead of need, in browsers. Constructing one blocks the main thread
 * for a millisecond or two while WebRTC sets it up. A room makes its spare while nothing else is
 * going on (no connection being set up), and the next peer connection takes it instead of
 * constructing one when a peer shows up: the side already in the room is ready at once. ICE servers
 * that changed since (a new welcome's) are applied with `setConfiguration`, allowed until the first
 * description; a configuration the spare cannot take (other certificates or policy) gets a new
 * connection.
 */
export class SparePeerConnection {
  readonly #runtime: RtcRuntime
  readonly #logger: Logger
  #spare: { readonly pc: RTCPeerConnection; readonly configuration: RTCConfiguration } | undefined
  #closed = false
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(runtime: RtcRuntime, logger: Logger) {
    this.#runtime = runtime
    this.#logger = logger
  }

  /** Whether a spare is waiting. */
  get ready(): boolean {
    return this.#spare !== undefined
  }

  /** Makes the spare (browsers only; nothing if there is one already or after close). */
  prepare(configuration: RTCConfiguration): void {
    if (this.#spare || this.#closed || this.#runtime.flavor !== 'native') return
    try {
      this.#spare = { pc: createPeerConnection(this.#runtime, configuration), configuration }
    } catch (error) {
      this.#logger.debug({ error }, 'no spare peer connection')
    }
  }

  /** Prepares the spare in `delayMs` (browsers only) if `quiet()` says so then. */
  prepareLater(delayMs: number, configuration: () => RTCConfiguration, quiet: () => boolean): void {
    if (this.#spare || this.#timer || this.#closed || this.#runtime.flavor !== 'native') return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      if (quiet()) this.prepare(configuration())
    }, delayMs)
  }

  /** The spare, configured as `configuration`, if it can be; undefined otherwise (make a new one). */
  take(configuration: RTCConfiguration): RTCPeerConnection | undefined {
    const spare = this.#spare
    if (!spare) return undefined
    this.#spare = undefined
    const before = spare.configuration
    const fits =
      sameList(before.certificates, configuration.certificates) &&
      before.iceTransportPolicy === configuration.iceTransportPolicy
    if (fits && JSON.stringify(before.iceServers ?? []) === JSON.stringify(configuration.iceServers ?? []))
      return spare.pc
    if (fits) {
      try {
        spare.pc.setConfiguration(configuration)
        return spare.pc
      } catch (error) {
        this.#logger.debug({ error }, 'spare peer connection cannot take the configuration')
      }
    }
    spare.pc.close()
    return undefined
  }

  /** Closes the spare; nothing is prepared afterwards. Idempotent. */
  close(): void {
    this.#closed = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#spare?.pc.close()
    this.#spare = undefined
  }
}

function sameList<T>(a: readonly T[] | undefined, b: readonly T[] | undefined): boolean {
  const x = a ?? []
  const y = b ?? []
  return x.length === y.length && x.every((item, i) => item === y[i])
}
