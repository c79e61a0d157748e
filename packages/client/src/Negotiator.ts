import type { IceCandidateData, SessionDescriptionData } from '@parley/protocol'
import type { Logger } from './Logger.js'
import type { NegotiationQueue } from './NegotiationQueue.js'
import type { PeerLink } from './PeerLink.js'
import type { PeerMedia } from './PeerMedia.js'
import type { RtcFlavor } from './runtime.js'
import type { SdkChannels } from './SdkChannels.js'

export interface NegotiatorDeps {
  /** Polite peers yield on offer collisions. */
  readonly polite: boolean
  readonly flavor: RtcFlavor
  /** The session's serial queue: every negotiation step runs through it. */
  readonly queue: NegotiationQueue
  readonly channels: SdkChannels
  /** This side announces its SDK channels (false: behaves as SDK versions before announcements). */
  readonly announceChannels: boolean
  readonly media: PeerMedia
  readonly logger: Logger
  /** The session's current connection (undefined when there is none). */
  readonly link: () => PeerLink | undefined
  /** True once the session is closed. */
  readonly closed: () => boolean
  /** A remote offer starts a newer generation: a connected session is reconnecting now. */
  readonly reconnecting: () => void
  /** Replaces the current connection by a new one of generation `epoch`, as the answerer. */
  readonly replaceLink: (epoch: number) => PeerLink
}

/**
 * The perfect negotiation of a PeerSession's connections: local offers (at once for a new
 * generation, on `negotiationneeded` later; one offer per connection for node-datachannel),
 * remote descriptions with glare handling (the impolite side ignores a colliding offer, the polite
 * side rolls back — or, on node-datachannel, which cannot, answers on a fresh connection), remote
 * candidates, and the SDK channels each description needs. Descriptions and candidates of older
 * generations are ignored; a remote offer of a newer one replaces the connection.
 */
export class Negotiator {
  readonly #deps: NegotiatorDeps
  #makingOffer = false
  #remoteRenegotiates = true

  constructor(deps: NegotiatorDeps) {
    this.#deps = deps
  }

  /** False once the remote peer said it cannot renegotiate (node-datachannel). */
  get remoteRenegotiates(): boolean {
    return this.#remoteRenegotiates
  }

  /** A new connection is in use: no offer of ours is in flight on it. */
  reset(): void {
    this.#makingOffer = false
  }

  /** Makes the first offer of `link`, a new connection generation this side offers. */
  offer(link: PeerLink): void {
    const { media, queue, logger } = this.#deps
    this.#bindSdkChannels(link)
    if (this.#deps.flavor === 'native') {
      // the transceivers are added synchronously; the offer is made at once rather than on the
      // negotiationneeded event (which then finds nothing left to negotiate)
      for (const kind of media.kinds()) void media.apply(link, kind)
      this.negotiationNeeded(link)
    } else {
      queue
        .run(() => this.#offerOnce(link))
        .catch((error: unknown) => {
          logger.warn({ error }, 'offer failed')
        })
    }
  }

  negotiationNeeded(link: PeerLink): void {
    this.#deps.queue
      .run(async () => {
        if (this.#deps.link() !== link || link.pc.signalingState !== 'stable') return
        this.#makingOffer = true
        try {
          await link.pc.setLocalDescription()
          if (this.#deps.link() !== link) return
          link.sendLocalDescription()
          this.#afterLocalDescription()
        } finally {
          this.#makingOffer = false
        }
      })
      .catch((error: unknown) => this.#deps.logger.warn({ error }, 'renegotiation failed'))
  }

  /**
   * Applies a remote description (a negotiation step: runs in the queue). `remoteAnnounces`: the
   * peer announces its SDK channels (`announceChannels`, see SdkChannels).
   */
  async description(
    description: SessionDescriptionData,
    epoch: number,
    remoteRenegotiates: boolean,
    remoteAnnounces: boolean,
  ): Promise<void> {
    const { logger, media } = this.#deps
    let link = this.#deps.link()
    if (!link || this.#deps.closed()) return
    if (epoch < link.epoch) {
      logger.debug({ epoch, current: link.epoch }, 'stale description ignored')
      return
    }
    if (description.type !== 'offer' && description.type !== 'answer') return
    if (!remoteRenegotiates) this.#remoteRenegotiates = false
    if (epoch > link.epoch) {
      if (description.type !== 'offer') return
      this.#deps.reconnecting()
      link = this.#deps.replaceLink(epoch)
    }
    const offerCollision =
      description.type === 'offer' && (this.#makingOffer || link.pc.signalingState !== 'stable')
    link.ignoreOffer = !this.#deps.polite && offerCollision
    if (link.ignoreOffer) {
      logger.debug('offer collision: impolite side ignores the remote offer')
      return
    }
    if (offerCollision && this.#deps.flavor !== 'native') {
      // node-datachannel cannot roll back: answer on a fresh connection of the same generation
      link = this.#deps.replaceLink(epoch)
    }
    const pc = link.pc
    if (description.type === 'answer' && pc.signalingState !== 'have-local-offer') {
      logger.debug({ state: pc.signalingState }, 'unexpected answer ignored')
      return
    }
    await link.setRemoteDescription({ type: description.type, sdp: description.sdp ?? '' })
    if (this.#deps.link() !== link) return
    if (description.type === 'offer') {
      this.#bindSdkChannels(link)
      if (this.#deps.flavor === 'native') {
        for (const kind of media.kinds()) await media.apply(link, kind)
        await pc.setLocalDescription()
      } else {
        await pc.setLocalDescription(await pc.createAnswer())
      }
      if (this.#deps.link() !== link) return
      link.sendLocalDescription()
      this.#afterLocalDescription()
    }
    // after our answer went out: whatever this costs stays off the way to the peer
    this.#deps.channels.remoteAnnounces(remoteAnnounces && this.#deps.announceChannels)
  }

  /** Adds a remote candidate of the current generation (a negotiation step: runs in the queue). */
  async candidate(candidate: IceCandidateData | null, epoch: number): Promise<void> {
    const link = this.#deps.link()
    if (!link || epoch !== link.epoch) return
    await link.addRemoteCandidate(candidate)
  }

  /** node-datachannel: one offer per connection (its polyfill cannot renegotiate). */
  async #offerOnce(link: PeerLink): Promise<void> {
    if (this.#deps.link() !== link) return
    this.#makingOffer = true
    try {
      const offer = await link.pc.createOffer()
      await link.pc.setLocalDescription(offer)
      if (this.#deps.link() !== link) return
      link.sendLocalDescription()
      this.#afterLocalDescription()
    } finally {
      this.#makingOffer = false
    }
  }

  /** The SDK channels of `link` start with its first description (the reliable one is in it). */
  #bindSdkChannels(link: PeerLink): void {
    if (link.sdkChannels) return
    link.sdkChannels = true
    this.#deps.channels.bind(link.pc)
  }

  /** Announcing channels turned off (behaving as older SDKs): all of them right after our first description. */
  #afterLocalDescription(): void {
    if (!this.#deps.announceChannels) this.#deps.channels.remoteAnnounces(false)
  }
}
