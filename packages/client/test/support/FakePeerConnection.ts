import { FakeDataChannel } from './FakeDataChannel.js'

/**
 * A scripted stand-in for a browser RTCPeerConnection: the test sets connection/ICE states and
 * fires their events; calls the session makes are recorded.
 */
export class FakePeerConnection {
  static instances: FakePeerConnection[] = []
  static reset(): void {
    FakePeerConnection.instances = []
  }

  connectionState: RTCPeerConnectionState = 'new'
  iceConnectionState: RTCIceConnectionState = 'new'
  iceGatheringState: RTCIceGatheringState = 'new'
  signalingState: RTCSignalingState = 'stable'
  localDescription: RTCSessionDescriptionInit | null = null
  remoteDescription: RTCSessionDescriptionInit | null = null
  readonly sctp = null
  readonly channels: FakeDataChannel[] = []
  restartIceCalls = 0
  closed = false
  onicecandidate: ((e: unknown) => void) | null = null
  onicegatheringstatechange: (() => void) | null = null
  onconnectionstatechange: (() => void) | null = null
  oniceconnectionstatechange: (() => void) | null = null
  ondatachannel: ((e: unknown) => void) | null = null
  ontrack: ((e: unknown) => void) | null = null
  onnegotiationneeded: (() => void) | null = null

  constructor(readonly configuration: RTCConfiguration = {}) {
    FakePeerConnection.instances.push(this)
  }

  createDataChannel(label: string): FakeDataChannel {
    const channel = new FakeDataChannel(label)
    this.channels.push(channel)
    return channel
  }

  async setLocalDescription(): Promise<void> {
    this.localDescription = { type: 'offer', sdp: 'v=0\r\n' }
    this.signalingState = 'have-local-offer'
  }

  async setRemoteDescription(d: RTCSessionDescriptionInit): Promise<void> {
    this.remoteDescription = d
    this.signalingState = 'stable'
  }

  async addIceCandidate(): Promise<void> {}

  getTransceivers(): RTCRtpTransceiver[] {
    return []
  }

  /** Configurations given to setConfiguration; set `refuseConfiguration` to make it throw. */
  readonly configurations: RTCConfiguration[] = []
  refuseConfiguration = false

  setConfiguration(configuration: RTCConfiguration): void {
    if (this.refuseConfiguration) throw new Error('InvalidModificationError')
    this.configurations.push(configuration)
  }

  restartIce(): void {
    this.restartIceCalls++
  }

  close(): void {
    this.closed = true
    this.connectionState = 'closed'
  }

  addEventListener(): void {}
  removeEventListener(): void {}

  /** Sets both states and fires the change events, as a browser would. */
  setState(connection: RTCPeerConnectionState, ice: RTCIceConnectionState): void {
    this.connectionState = connection
    this.iceConnectionState = ice
    this.oniceconnectionstatechange?.()
    this.onconnectionstatechange?.()
  }

  /** Opens the SDK channels (the connection is usable). */
  openChannels(): void {
    for (const c of this.channels) c.open()
  }
}
