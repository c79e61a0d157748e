/** Why a connection needs help. */
export type RecoveryReason = 'failed' | 'disconnected' | 'timeout'

export interface ConnectionWatchdogOptions {
  /** A connection attempt (or recovery) may take this long (default 10 s). */
  readonly connectTimeoutMs?: number
  /** ICE `disconnected` for longer than this needs recovery (default 3 s). */
  readonly disconnectedTimeoutMs?: number
  /** Wait after `failed` before recovering: a leaving peer's goodbye arrives meanwhile (default 300 ms). */
  readonly failedGraceMs?: number
  readonly onRecover: (reason: RecoveryReason) => void
}

/**
 * The three timers that decide when a peer connection needs recovery: the connect timeout of an
 * attempt, how long `disconnected` may last, and a short grace after `failed`. The session reports
 * what it observes; the watchdog calls `onRecover` when a limit is crossed.
 */
export class ConnectionWatchdog {
  readonly connectTimeoutMs: number
  readonly disconnectedTimeoutMs: number
  readonly #failedGraceMs: number
  readonly #onRecover: (reason: RecoveryReason) => void
  #connect: ReturnType<typeof setTimeout> | undefined
  #disconnected: ReturnType<typeof setTimeout> | undefined
  #failed: ReturnType<typeof setTimeout> | undefined

  constructor(options: ConnectionWatchdogOptions) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000
    this.disconnectedTimeoutMs = options.disconnectedTimeoutMs ?? 3_000
    this.#failedGraceMs = options.failedGraceMs ?? 300
    this.#onRecover = options.onRecover
  }

  /** An attempt starts (new connection, ICE restart, request sent): it must succeed in time. */
  attemptStarted(): void {
    if (this.#connect) clearTimeout(this.#connect)
    this.#connect = setTimeout(() => {
      this.#connect = undefined
      this.#onRecover('timeout')
    }, this.connectTimeoutMs)
  }

  /** ICE/DTLS reported `disconnected` (no-op if already counting). */
  disconnected(): void {
    this.#disconnected ??= setTimeout(() => {
      this.#disconnected = undefined
      this.#onRecover('disconnected')
    }, this.disconnectedTimeoutMs)
  }

  /** ICE/DTLS reported `failed` or the connection closed (no-op if already counting). */
  failed(): void {
    this.#failed ??= setTimeout(() => {
      this.#failed = undefined
      this.#onRecover('failed')
    }, this.#failedGraceMs)
  }

  /** The transport is back (ICE `connected`): a pending disconnection is forgiven. */
  transportUp(): void {
    if (this.#disconnected) clearTimeout(this.#disconnected)
    this.#disconnected = undefined
  }

  /** A recovery starts: the disconnection and failure timers have done their job. */
  recovering(): void {
    this.transportUp()
    if (this.#failed) clearTimeout(this.#failed)
    this.#failed = undefined
  }

  /** Fully connected, or closing: every timer stops. */
  clear(): void {
    this.recovering()
    if (this.#connect) clearTimeout(this.#connect)
    this.#connect = undefined
  }
}
