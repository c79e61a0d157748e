import { describe, expect, it } from 'vitest'
import { ChatStore } from '../src/chat/ChatStore.js'
import type { ChatMessageWire } from '../src/messages/appMessages.js'

function setup() {
  const sent: ChatMessageWire[] = []
  const store = new ChatStore(
    async (m) => void sent.push(m),
    () => ({ peerId: 'me', name: 'Me' }),
  )
  return { store, sent }
}

describe('ChatStore', () => {
  it('send broadcasts the trimmed text and appends it as mine without counting it unread', () => {
    const { store, sent } = setup()
    expect(store.send('  hello  ', 1000)).toBe(true)
    expect(sent).toEqual([{ type: 'chat', id: expect.any(String), text: 'hello', sentAt: 1000 }])
    expect(store.get().entries).toMatchObject([{ mine: true, text: 'hello', fromName: 'Me' }])
    expect(store.get().unread).toBe(0)
  })

  it('send refuses empty text', () => {
    const { store, sent } = setup()
    expect(store.send('   ')).toBe(false)
    expect(sent).toHaveLength(0)
  })

  it('receive counts unread while closed, resets when opened, and ignores duplicates', () => {
    const { store } = setup()
    const m: ChatMessageWire = { type: 'chat', id: 'x', text: 'hi', sentAt: 1 }
    store.receive('p2', 'Bo', m)
    store.receive('p2', 'Bo', m)
    store.receive('p3', 'Cy', m)
    expect(store.get().entries).toHaveLength(2)
    expect(store.get().unread).toBe(2)
    store.setOpen(true)
    expect(store.get().unread).toBe(0)
    store.receive('p2', 'Bo', { ...m, id: 'y' })
    expect(store.get().unread).toBe(0)
  })
})
