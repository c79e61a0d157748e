import { describe, expect, it } from 'vitest'
import { silentLogger } from '../src/Logger.js'
import { PeerLink } from '../src/PeerLink.js'
import type { RtcRuntime } from '../src/runtime.js'

/** A channel that closes without a `close` event, as channels of a locally closed connection do. */
class SilentChannel extends EventTarget {
  readyState: RTCDataChannelState = 'open'
  constructor(readonly label: string) {
    super()
  }
  close(): void {
    this.readyState = 'closed'
  }
}

/** A connection whose close() tells none of its channels. */
class SilentPeerConnection {
  readonly channels: SilentChannel[] = []
  connectionState = 'new'
  iceGatheringState = 'new'
  onicecandidate: unknown = null
  onicegatheringstatechange: unknown = null
  onconnectionstatechange: unknown = null
  oniceconnectionstatechange: unknown = null
  ondatachannel: unknown = null
  ontrack: unknown = null
  onnegotiationneeded: unknown = null
  createDataChannel(label: string): SilentChannel {
    const channel = new SilentChannel(label)
    this.channels.push(channel)
    return channel
  }
  close(): void {
    this.connectionState = 'closed'
    for (const channel of this.channels) channel.readyState = 'closed'
  }
}

function link(): { link: PeerLink; pc: SilentPeerConnection } {
  let made: SilentPeerConnection | undefined
  const runtime = {
    flavor: 'native',
    RTCPeerConnection: class extends SilentPeerConnection {
      constructor() {
        super()
        made = this
      }
    },
    WebSocket: class {},
  } as unknown as RtcRuntime
  const created = new PeerLink({
    runtime,
    configuration: {},
    epoch: 0,
    offerer: true,
    logger: silentLogger,
    events: {
      signal: () => undefined,
      connectionStateChange: () => undefined,
      remoteChannel: () => undefined,
      track: () => undefined,
      trackEnded: () => undefined,
      negotiationNeeded: () => undefined,
    },
  })
  if (!made) throw new Error('no peer connection made')
  return { link: created, pc: made }
}

describe('PeerLink.close', () => {
  it('fires close on application channels the closed connection left without one (a transfer waiting on them must learn it)', async () => {
    const { link: l } = link()
    const channel = l.createDataChannel('parley-transfer:x')
    const closed = new Promise<void>((resolve) => channel.addEventListener('close', () => resolve()))
    l.close()
    await closed
    expect(channel.readyState).toBe('closed')
  })

  it('fires no second close on a channel whose own close event came first', async () => {
    const { link: l } = link()
    const channel = l.createDataChannel('app') as unknown as SilentChannel
    channel.close = () => {
      channel.readyState = 'closed'
      channel.dispatchEvent(new Event('close'))
    }
    let closes = 0
    channel.addEventListener('close', () => closes++)
    l.close()
    // timers of equal delay run in order: this one runs after the SDK's
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(closes).toBe(1)
  })
})
