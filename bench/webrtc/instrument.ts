/**
 * Browser side, optional (`connect --phases`): wraps the page's RTCPeerConnection and WebSocket to
 * timestamp what every variant does on its way to an open channel (socket open, messages, offers and
 * answers, ICE and DTLS states, channel opens). Installed before the first connection so that the SDK
 * and PeerJS, which look the globals up when they create a connection, use the wrappers too. Costs a
 * little time per event: use it to split the time into phases, not for the headline figures.
 */

export type MarkKind =
  | 'ws-new'
  | 'ws-open'
  | 'ws-send'
  | 'ws-recv'
  | 'pc-new'
  | 'ice-connected'
  | 'pc-connected'
  | 'channel-open'

export interface Mark {
  /** performance.now() of the page */
  readonly t: number
  readonly kind: MarkKind
  /** ws-send / ws-recv: 'offer', 'answer' or '' (other messages) */
  readonly sdp: '' | 'offer' | 'answer'
}

const marks: Mark[] = []

const sdpKind = (data: unknown): Mark['sdp'] => {
  const text = typeof data === 'string' ? data : ''
  if (/"type":"offer"/i.test(text)) return 'offer'
  if (/"type":"answer"/i.test(text)) return 'answer'
  return ''
}

const mark = (kind: MarkKind, sdp: Mark['sdp'] = ''): void => {
  marks.push({ t: performance.now(), kind, sdp })
}

let installed = false

export function instrument(): void {
  if (installed) return
  installed = true
  const NativePeerConnection = window.RTCPeerConnection
  class PeerConnection extends NativePeerConnection {
    constructor(configuration?: RTCConfiguration) {
      super(configuration)
      mark('pc-new')
      this.addEventListener('iceconnectionstatechange', () => {
        if (this.iceConnectionState === 'connected') mark('ice-connected')
      })
      this.addEventListener('connectionstatechange', () => {
        if (this.connectionState === 'connected') mark('pc-connected')
      })
      this.addEventListener('datachannel', (event) => {
        if (event.channel.readyState === 'open') mark('channel-open')
        else event.channel.addEventListener('open', () => mark('channel-open'), { once: true })
      })
    }

    override createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
      const channel = super.createDataChannel(label, init)
      channel.addEventListener('open', () => mark('channel-open'), { once: true })
      return channel
    }
  }
  window.RTCPeerConnection = PeerConnection

  const NativeWebSocket = window.WebSocket
  class InstrumentedWebSocket extends NativeWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols)
      mark('ws-new')
      this.addEventListener('open', () => mark('ws-open'))
      this.addEventListener('message', (event) => mark('ws-recv', sdpKind(event.data)))
    }

    override send(data: Parameters<WebSocket['send']>[0]): void {
      mark('ws-send', sdpKind(data))
      super.send(data)
    }
  }
  window.WebSocket = InstrumentedWebSocket
}

/** The marks recorded since the last call (and forgets them). */
export function takeMarks(): Mark[] {
  return marks.splice(0)
}
