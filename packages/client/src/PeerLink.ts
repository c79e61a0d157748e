import type { IceCandidateData, PeerSignal } from '@parley/protocol'
import type { Logger } from './Logger.js'
import { createPeerConnection, type RtcRuntime, retainChannel } from './runtime.js'

export type MediaKind = 'audio' | 'video'

/** A track to send as this peer's audio or video (null: send nothing, keep the transceiver). */
export interface LocalTrack {
  readonly track: MediaStreamTrack | null
  readonly stream: MediaStream | undefined
}

/** Where a PeerLink reports to its session. Events of replaced links never arrive. */
export interface PeerLinkEvents {
  signal(signal: PeerSignal): void
  connectionStateChange(): void
  remoteChannel(channel: RTCDataChannel): void
  track(event: RTCTrackEvent): void
  trackEnded(track: MediaStreamTrack): void
  negotiationNeeded(): void
}

function toCandidateInit(c: IceCandidateData): RTCIceCandidateInit {
  const init: RTCIceCandidateInit = { candidate: c.candidate }
  if (c.sdpMid !== undefined) init.sdpMid = c.sdpMid
  if (c.sdpMLineIndex !== undefined) init.sdpMLineIndex = c.sdpMLineIndex
  if (c.usernameFragment !== undefined) init.usernameFragment = c.usernameFragment
  return init
}

function fromCandidate(c: RTCIceCandidate): IceCandidateData {
  const data: IceCandidateData = { candidate: c.candidate }
  if (c.sdpMid !== undefined) data.sdpMid = c.sdpMid
  if (c.sdpMLineIndex !== undefined) data.sdpMLineIndex = c.sdpMLineIndex
  if (c.usernameFragment !== undefined) data.usernameFragment = c.usernameFragment
  return data
}

/** The mid of the first media section of an SDP (node-datachannel offers have one, for data). */
function midOf(sdp: string): string {
  return /^a=mid:(\S+)/m.exec(sdp)?.[1] ?? '0'
}

/**
 * One RTCPeerConnection of a PeerSession (one connection generation, `epoch`) and everything that
 * belongs to it: trickle ICE both ways, the application channels opened on it, the transceivers of
 * the local tracks, the remote tracks. `close()` releases all of it.
 *
 * - Remote candidates are buffered until the remote description is set.
 * - End-of-candidates is signalled once per gathering.
 * - A node-datachannel offerer holds its local candidates back (and strips them from the offer)
 *   until the answer is applied. Otherwise the answerer can finish ICE and send its DTLS
 *   ClientHello before this side knows the remote fingerprint: libdatachannel then drops it (the
 *   open takes one DTLS retransmission, ~1 s) or fails the handshake and closes the connection.
 * - node-datachannel announces gathering 'complete' before its last candidate events: its local
 *   description already lists every candidate, so those are sent first.
 */
export class PeerLink {
  readonly pc: RTCPeerConnection
  readonly epoch: number
  readonly #flavor: RtcRuntime['flavor']
  readonly #announceChannels: boolean
  readonly #events: PeerLinkEvents
  readonly #logger: Logger
  /** The remote description of the current negotiation is set (remote candidates can be added). */
  remoteDescriptionSet = false
  /** The impolite side ignored a colliding remote offer (and so ignores its candidates' errors). */
  ignoreOffer = false
  /** The SDK channels are bound to this connection (the reliable one goes into the first description). */
  sdkChannels = false
  /** This connection reached `connected` at least once (ICE restarts make sense only then). */
  everConnected = false
  iceRestarts = 0
  /** Local descriptions (offers and answers) sent. */
  negotiations = 0
  /** A recovery (ICE restart or request for a new generation) is under way. */
  recovering = false
  readonly rawChannels = new Set<RTCDataChannel>()
  readonly transceivers = new Map<MediaKind, RTCRtpTransceiver>()
  readonly remoteTracks = new Set<MediaStreamTrack>()
  readonly #pendingRemote: (RTCIceCandidateInit | null)[] = []
  readonly #held: (IceCandidateData | null)[] = []
  readonly #sent = new Set<string>()
  #holding: boolean
  #endOfCandidatesSent = false
  #closed = false

  constructor(options: {
    runtime: RtcRuntime
    configuration: RTCConfiguration
    epoch: number
    offerer: boolean
    /** Descriptions say `announceChannels: true`: this side announces its SDK channels (default true). */
    announceChannels?: boolean
    /** A peer connection made ahead of need, configured as given; undefined: make one. */
    takePeerConnection?: (configuration: RTCConfiguration) => RTCPeerConnection | undefined
    events: PeerLinkEvents
    logger: Logger
  }) {
    const { runtime, epoch, events } = options
    this.epoch = epoch
    this.#flavor = runtime.flavor
    this.#announceChannels = options.announceChannels ?? true
    this.#events = events
    this.#logger = options.logger
    this.#holding = options.offerer && runtime.flavor === 'node-datachannel'
    const pc =
      options.takePeerConnection?.(options.configuration) ??
      createPeerConnection(runtime, options.configuration)
    this.pc = pc
    pc.onicecandidate = (event) => {
      if (this.#closed) return
      if (event.candidate?.candidate) this.#sendCandidate(fromCandidate(event.candidate))
      else this.#sendEndOfCandidates()
    }
    pc.onicegatheringstatechange = () => {
      if (this.#closed) return
      if (pc.iceGatheringState === 'gathering') this.#endOfCandidatesSent = false
      else if (pc.iceGatheringState === 'complete') {
        if (this.#flavor === 'node-datachannel') this.#sendSdpCandidates()
        this.#sendEndOfCandidates()
      }
    }
    pc.onconnectionstatechange = () => this.#closed || events.connectionStateChange()
    pc.oniceconnectionstatechange = () => this.#closed || events.connectionStateChange()
    pc.ondatachannel = (event) => this.#onRemoteChannel(event.channel)
    if (runtime.flavor === 'native') {
      pc.ontrack = (event) => this.#onTrack(event)
      pc.onnegotiationneeded = () => this.#closed || events.negotiationNeeded()
    }
  }

  // ------------------------------------------------------------------------------ local candidates

  #sendCandidate(candidate: IceCandidateData): void {
    const key = candidate.candidate.replace(/^a=/, '')
    if (this.#sent.has(key)) return
    this.#sent.add(key)
    if (this.#holding) this.#held.push(candidate)
    else this.#events.signal({ kind: 'candidate', candidate, epoch: this.epoch })
  }

  /** Sends the candidates listed in the local description that were not sent yet. */
  #sendSdpCandidates(): void {
    const sdp = this.pc.localDescription?.sdp
    if (!sdp) return
    const mid = midOf(sdp)
    for (const line of sdp.split(/\r?\n/)) {
      if (line.startsWith('a=candidate:')) this.#sendCandidate({ candidate: line.slice(2), sdpMid: mid })
    }
  }

  #sendEndOfCandidates(): void {
    if (this.#endOfCandidatesSent) return
    this.#endOfCandidatesSent = true
    if (this.#holding) this.#held.push(null)
    else this.#events.signal({ kind: 'candidate', candidate: null, epoch: this.epoch })
  }

  /** The answer is applied: send the candidates held back (end-of-candidates last). */
  #releaseCandidates(): void {
    if (!this.#holding) return
    this.#holding = false
    const held = this.#held.splice(0)
    for (const candidate of held) {
      if (candidate) this.#events.signal({ kind: 'candidate', candidate, epoch: this.epoch })
    }
    if (held.includes(null)) this.#events.signal({ kind: 'candidate', candidate: null, epoch: this.epoch })
  }

  /** The current local description as a signal (held candidates stripped from an offer). */
  sendLocalDescription(): void {
    const description = this.pc.localDescription
    if (!description?.sdp || (description.type !== 'offer' && description.type !== 'answer')) return
    this.negotiations++
    let sdp = description.sdp
    if (this.#holding && description.type === 'offer') {
      // candidates gathered before the offer was read are embedded in it: hold them back as well
      this.#sendSdpCandidates()
      const kept = sdp
        .split(/\r?\n/)
        .filter((l) => !l.startsWith('a=candidate:') && l !== 'a=end-of-candidates' && l !== '')
      sdp = `${kept.join('\r\n')}\r\n`
    }
    this.#events.signal({
      kind: 'description',
      description: { type: description.type, sdp },
      epoch: this.epoch,
      renegotiation: this.#flavor === 'native',
      ...(this.#announceChannels ? { announceChannels: true } : {}),
    })
  }

  // ----------------------------------------------------------------------------- remote candidates

  /** Applies a remote description, then the remote candidates buffered while it was missing. */
  async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    await this.pc.setRemoteDescription(description)
    this.remoteDescriptionSet = true
    if (description.type === 'answer') this.#releaseCandidates()
    for (const candidate of this.#pendingRemote.splice(0)) await this.#addCandidate(candidate)
  }

  /** A remote candidate (null: end-of-candidates), buffered until the remote description is set. */
  async addRemoteCandidate(candidate: IceCandidateData | null): Promise<void> {
    const init = candidate === null ? null : toCandidateInit(candidate)
    if (!this.remoteDescriptionSet) this.#pendingRemote.push(init)
    else await this.#addCandidate(init)
  }

  async #addCandidate(candidate: RTCIceCandidateInit | null): Promise<void> {
    try {
      if (candidate === null) await this.pc.addIceCandidate()
      else await this.pc.addIceCandidate(candidate)
    } catch (error) {
      if (!this.ignoreOffer && candidate !== null) this.#logger.debug({ error }, 'remote candidate rejected')
    }
  }

  // -------------------------------------------------------------------------- channels and media

  /** Opens an application channel on this connection (kept referenced until it closes). */
  createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
    const channel = this.pc.createDataChannel(label, init)
    this.#adopt(channel)
    return channel
  }

  #adopt(channel: RTCDataChannel): void {
    retainChannel(channel)
    this.rawChannels.add(channel)
    channel.addEventListener('close', () => this.rawChannels.delete(channel), { once: true })
  }

  #onRemoteChannel(channel: RTCDataChannel): void {
    if (this.#closed) {
      channel.close()
      return
    }
    this.#adopt(channel)
    this.#events.remoteChannel(channel)
  }

  #onTrack(event: RTCTrackEvent): void {
    if (this.#closed) return
    const track = event.track
    this.remoteTracks.add(track)
    track.addEventListener(
      'ended',
      () => {
        if (this.remoteTracks.delete(track)) this.#events.trackEnded(track)
      },
      { once: true },
    )
    this.#events.track(event)
  }

  /**
   * Sends `local` as this connection's `kind` track. The first track of a kind adds a transceiver
   * (or takes over the one a remote offer created): one renegotiation. Later tracks go through
   * `replaceTrack`: no renegotiation.
   */
  async applyLocalTrack(kind: MediaKind, local: LocalTrack): Promise<void> {
    if (this.#closed) return
    let transceiver = this.transceivers.get(kind)
    if (!transceiver) {
      const ours = [...this.transceivers.values()]
      transceiver = this.pc
        .getTransceivers()
        .find(
          (t) =>
            t.receiver.track.kind === kind &&
            !t.sender.track &&
            t.currentDirection !== 'stopped' &&
            !ours.includes(t),
        )
    }
    if (transceiver) {
      this.transceivers.set(kind, transceiver)
      if (local.track) {
        if (transceiver.direction === 'recvonly' || transceiver.direction === 'inactive') {
          transceiver.direction = 'sendrecv'
        }
        if (local.stream) transceiver.sender.setStreams(local.stream)
      }
      await transceiver.sender.replaceTrack(local.track)
      return
    }
    if (!local.track) return
    const init: RTCRtpTransceiverInit = { direction: 'sendrecv', streams: local.stream ? [local.stream] : [] }
    this.transceivers.set(kind, this.pc.addTransceiver(local.track, init))
  }

  // ------------------------------------------------------------------------------------- teardown

  /**
   * Closes the connection, its application channels and remote tracks; no event of this link is
   * delivered afterwards, except `close` on each application channel (fired by the SDK in the next
   * task if the stack fired none). Returns the remote tracks that were stopped. Idempotent.
   */
  close(): MediaStreamTrack[] {
    if (this.#closed) return []
    this.#closed = true
    const pc = this.pc
    pc.onicecandidate = null
    pc.onicegatheringstatechange = null
    pc.onconnectionstatechange = null
    pc.oniceconnectionstatechange = null
    pc.ondatachannel = null
    pc.ontrack = null
    pc.onnegotiationneeded = null
    const closing = new Set(this.rawChannels)
    for (const channel of closing) {
      channel.addEventListener('close', () => closing.delete(channel), { once: true })
      if (channel.readyState !== 'closed') channel.close()
    }
    this.rawChannels.clear()
    try {
      pc.close()
    } catch (error) {
      this.#logger.debug({ error }, 'closing peer connection failed')
    }
    // A channel closed together with its connection may never fire `close`: browsers' pc.close()
    // fires none, and node-datachannel drops the callbacks of a closed connection. Its listeners
    // (e.g. a transfer waiting for buffer room) must still learn that it is gone.
    if (closing.size > 0) {
      setTimeout(() => {
        for (const channel of closing) channel.dispatchEvent(new Event('close'))
      }, 0)
    }
    const tracks = [...this.remoteTracks]
    for (const track of tracks) track.stop()
    this.remoteTracks.clear()
    return tracks
  }
}
