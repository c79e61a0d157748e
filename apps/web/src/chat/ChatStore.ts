import { type ChatMessageWire, MAX_CHAT_LENGTH } from '../messages/appMessages.js'
import { Store } from '../state/Store.js'

export interface ChatEntry {
  /** Unique in this browser: `<peerId>:<message id>`. */
  readonly key: string
  readonly fromPeerId: string
  readonly fromName: string
  readonly mine: boolean
  readonly text: string
  /** Sender's clock, shown as the message time. */
  readonly sentAt: number
}

export interface ChatState {
  readonly entries: readonly ChatEntry[]
  /** Messages from others received while the chat panel was closed. */
  readonly unread: number
  readonly open: boolean
}

export const MAX_CHAT_ENTRIES = 500

/** Chat over the room's reliable data channel: one list, one unread counter, one open flag. */
export class ChatStore extends Store<ChatState> {
  readonly #broadcast: (message: ChatMessageWire) => Promise<void>
  readonly #self: () => { peerId: string; name: string }
  #counter = 0

  constructor(
    broadcast: (message: ChatMessageWire) => Promise<void>,
    self: () => { peerId: string; name: string },
  ) {
    super({ entries: [], unread: 0, open: false })
    this.#broadcast = broadcast
    this.#self = self
  }

  /** Sends a message to everyone; returns false for empty or too long text. */
  send(text: string, now: number = Date.now()): boolean {
    const trimmed = text.trim()
    if (trimmed === '' || text.length > MAX_CHAT_LENGTH) return false
    const id = `${now.toString(36)}-${(this.#counter++).toString(36)}`
    const me = this.#self()
    this.#append(
      {
        key: `${me.peerId}:${id}`,
        fromPeerId: me.peerId,
        fromName: me.name,
        mine: true,
        text: trimmed,
        sentAt: now,
      },
      false,
    )
    void this.#broadcast({ type: 'chat', id, text: trimmed, sentAt: now }).catch(() => {
      // peers that left meanwhile: nothing to do, the message stays in the local history
    })
    return true
  }

  receive(fromPeerId: string, fromName: string, message: ChatMessageWire): void {
    const key = `${fromPeerId}:${message.id}`
    if (this.get().entries.some((e) => e.key === key)) return
    this.#append({ key, fromPeerId, fromName, mine: false, text: message.text, sentAt: message.sentAt }, true)
  }

  setOpen(open: boolean): void {
    const state = this.get()
    if (state.open === open && (!open || state.unread === 0)) return
    this.set({ ...state, open, unread: open ? 0 : state.unread })
  }

  #append(entry: ChatEntry, countUnread: boolean): void {
    const state = this.get()
    const entries = [...state.entries, entry].slice(-MAX_CHAT_ENTRIES)
    this.set({ ...state, entries, unread: countUnread && !state.open ? state.unread + 1 : state.unread })
  }
}
