import type { PeerSignal } from '@parley/protocol'
import { ConnectionWatchdog, type RecoveryReason } from './ConnectionWatchdog.js'
import { ParleyError } from './errors.js'
import type { Logger } from './Logger.js'
import type { NegotiationQueue } from './NegotiationQueue.js'
import type { PeerLink } from './PeerLink.js'
import type { PeerState } from './PeerState.js'

export interface PeerRecoveryDeps {
  readonly remoteId: string
  /** The polite side asks the impolite one for a new generation instead of starting it. */
  readonly polite: boolean
  readonly connectTimeoutMs?: number | undefined
  readonly disconnectedTimeoutMs?: number | undefined
  /** Consecutive recovery attempts before `failed` (default 8). */
  readonly maxConnectAttempts?: number | undefined
  /** The session's serial queue: a new generation starts in it. */
  readonly queue: NegotiationQueue
  readonly logger: Logger
  /** The session's current connection (undefined when there is none). */
  readonly link: () => PeerLink | undefined
  readonly state: () => PeerState
  readonly setState: (state: PeerState) => void
  /** Both sides can renegotiate: ICE restarts are possible. */
  readonly canRenegotiate: () => boolean
  /** True once the SDK channels are open on the current connection. */
  readonly channelsOpen: () => boolean
  /** Sends a signal to the remote peer. */
  readonly signal: (signal: PeerSignal) => void
  /** Replaces the current connection by a new one of generation `epoch`. */
  readonly newLink: (epoch: number, offerer: boolean) => PeerLink
  /** `link` is connected (transport and SDK channels). */
  readonly connected: (link: PeerLink) => void
  /** Out of attempts: the session is `failed` already; `error` tells why. */
  readonly failed: (error: ParleyError) => void
}

/**
 * When and how a PeerSession's connection is recovered. ICE `failed`, or `disconnected` for longer
 * than `disconnectedTimeoutMs`, or no connection within `connectTimeoutMs` (the watchdog) → an ICE
 * restart when both sides can renegotiate and the connection was up once, otherwise a new
 * RTCPeerConnection generation (started by the impolite side, asked for by the polite one). After
 * `maxConnectAttempts` attempts the session is `failed`. A remote peer that restarted (its page was
 * reloaded) gets a new generation at once.
 */
export class PeerRecovery {
  readonly #deps: PeerRecoveryDeps
  readonly #watchdog: ConnectionWatchdog
  readonly #maxConnectAttempts: number
  #attempts = 0

  constructor(deps: PeerRecoveryDeps) {
    this.#deps = deps
    this.#watchdog = new ConnectionWatchdog({
      ...(deps.connectTimeoutMs !== undefined ? { connectTimeoutMs: deps.connectTimeoutMs } : {}),
      ...(deps.disconnectedTimeoutMs !== undefined
        ? { disconnectedTimeoutMs: deps.disconnectedTimeoutMs }
        : {}),
      onRecover: (reason) => {
        const link = this.#deps.link()
        if (!link) return
        if (reason === 'timeout') {
          if (this.#deps.state() === 'connected') return
          this.#deps.logger.info(
            { epoch: link.epoch, timeoutMs: this.#watchdog.connectTimeoutMs },
            'connect timeout',
          )
        }
        this.#recover(link, reason)
      },
    })
    this.#maxConnectAttempts = deps.maxConnectAttempts ?? 8
  }

  /** Recovery attempts since the last time the peer was connected. */
  get attempts(): number {
    return this.#attempts
  }

  /** A connection attempt starts (a new connection): it must succeed in time. */
  attemptStarted(): void {
    this.#watchdog.attemptStarted()
  }

  /** The session is released: every timer stops. */
  clear(): void {
    this.#watchdog.clear()
  }

  /** The connection or ICE state of `link` changed. */
  connectionStateChanged(link: PeerLink): void {
    if (this.#deps.link() !== link || this.#over()) return
    const connection = link.pc.connectionState
    const ice = link.pc.iceConnectionState
    if (connection === 'failed' || ice === 'failed' || connection === 'closed') {
      this.#watchdog.failed()
    } else if (connection === 'disconnected' || ice === 'disconnected') {
      this.#reconnecting()
      this.#watchdog.disconnected()
    } else if (connection === 'connected') {
      this.#watchdog.transportUp()
      this.checkConnected(link)
    }
  }

  /** `link` is connected once its transport is and the SDK channels are open. */
  checkConnected(link: PeerLink | undefined): void {
    if (!link || this.#deps.link() !== link || this.#over()) return
    if (!this.#deps.channelsOpen() || link.pc.connectionState !== 'connected') return
    this.#watchdog.clear()
    this.#attempts = 0
    link.everConnected = true
    link.recovering = false
    this.#deps.setState('connected')
    this.#deps.connected(link)
  }

  /** Restarts ICE now (or starts a new connection generation where ICE restarts are not possible). */
  restartIce(): void {
    const link = this.#deps.link()
    if (!link || this.#over()) return
    if (this.#deps.canRenegotiate()) {
      link.iceRestarts++
      link.pc.restartIce()
      return
    }
    this.#newGeneration(link, 'manual')
  }

  /** The polite remote peer asks for a new connection generation (a negotiation step). */
  reconnectRequest(epoch: number): void {
    const link = this.#deps.link()
    if (this.#deps.polite || !link || epoch < link.epoch) return
    this.#deps.logger.debug({ epoch }, 'remote peer asks for a new connection')
    this.#startGeneration(link)
  }

  /**
   * The remote peer is a new instance (reloaded page, restarted process): our connection leads
   * nowhere. Start a new generation at once, as the offerer whatever our role; the remote side's
   * own first offer (generation 0) is then older and ignored, so the two cannot collide.
   */
  remoteRestart(): void {
    if (this.#over()) return
    const epoch = (this.#deps.link()?.epoch ?? 0) + 1
    this.#deps.logger.info({ epoch }, 'remote peer restarted: new connection generation')
    this.#attempts = 0
    if (this.#deps.state() === 'new') this.#deps.setState('connecting')
    else this.#reconnecting()
    this.#deps.newLink(epoch, true)
  }

  #over(): boolean {
    const state = this.#deps.state()
    return state === 'closed' || state === 'failed'
  }

  #reconnecting(): void {
    if (this.#deps.state() === 'connected') this.#deps.setState('reconnecting')
  }

  /** ICE restart if both sides can, else a new connection generation; `failed` when out of attempts. */
  #recover(link: PeerLink, reason: RecoveryReason): void {
    if (this.#deps.link() !== link || this.#over()) return
    // one recovery at a time per connection; only its timeout escalates it
    if (link.recovering && reason !== 'timeout') return
    link.recovering = true
    this.#watchdog.recovering()
    this.#reconnecting()
    this.#attempts++
    if (this.#attempts > this.#maxConnectAttempts) {
      this.#fail(reason)
      return
    }
    if (this.#deps.canRenegotiate() && link.everConnected && link.iceRestarts === 0) {
      this.#deps.logger.info({ reason, attempt: this.#attempts }, 'ICE restart')
      link.iceRestarts++
      link.pc.restartIce()
      this.#watchdog.attemptStarted()
      return
    }
    this.#newGeneration(link, reason)
  }

  /** The impolite side starts a new RTCPeerConnection; the polite side asks it to. */
  #newGeneration(link: PeerLink, reason: string): void {
    this.#deps.logger.info(
      { reason, epoch: link.epoch, attempt: this.#attempts },
      'new connection generation',
    )
    if (this.#deps.polite) {
      this.#deps.signal({ kind: 'reconnect', epoch: link.epoch })
      this.#watchdog.attemptStarted()
      return
    }
    this.#deps.queue.run(async () => this.#startGeneration(link)).catch(() => undefined)
  }

  #startGeneration(link: PeerLink): void {
    if (this.#deps.link() !== link || this.#over()) return
    this.#reconnecting()
    this.#deps.newLink(link.epoch + 1, true)
  }

  #fail(reason: string): void {
    this.#deps.logger.warn({ reason, attempts: this.#attempts - 1 }, 'peer connection failed for good')
    const code = this.#deps.link()?.everConnected ? 'PEER_FAILED' : 'CONNECT_TIMEOUT'
    this.#deps.setState('failed')
    this.#deps.failed(new ParleyError(code, `connection to ${this.#deps.remoteId} failed (${reason})`))
  }
}
