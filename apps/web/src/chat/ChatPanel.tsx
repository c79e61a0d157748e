import { useEffect, useRef, useState } from 'preact/hooks'
import { MAX_CHAT_LENGTH } from '../messages/appMessages.js'
import { useStore } from '../state/useStore.js'
import { Icon } from '../ui/icons.js'
import type { ChatEntry, ChatStore } from './ChatStore.js'

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })

export function ChatPanel({ chat }: { chat: ChatStore }) {
  const { entries } = useStore(chat)
  const [draft, setDraft] = useState('')
  const list = useRef<HTMLOListElement>(null)
  const input = useRef<HTMLInputElement>(null)

  // Keep the newest message in view.
  useEffect(() => {
    const el = list.current
    if (el) el.scrollTop = el.scrollHeight
  }, [entries.length])

  useEffect(() => input.current?.focus(), [])

  const send = (e: Event) => {
    e.preventDefault()
    if (chat.send(draft)) setDraft('')
  }

  return (
    <section class="chat" aria-label="Chat">
      <ol class="chat__list" ref={list} aria-live="polite" aria-relevant="additions">
        {entries.length === 0 ? (
          <li class="chat__empty">
            Messages go directly to everyone in the call and are not stored anywhere.
          </li>
        ) : (
          entries.map((entry, i) => (
            <ChatItem key={entry.key} entry={entry} grouped={sameAuthor(entries[i - 1], entry)} />
          ))
        )}
      </ol>
      <form class="chat__form" onSubmit={send}>
        <input
          ref={input}
          class="input"
          data-testid="chat-input"
          aria-label="Message"
          placeholder="Message everyone"
          maxLength={MAX_CHAT_LENGTH}
          value={draft}
          onInput={(e) => setDraft(e.currentTarget.value)}
        />
        <button
          type="submit"
          class="btn btn--primary btn--icon chat__send"
          data-testid="chat-send"
          aria-label="Send message"
          disabled={draft.trim() === ''}
        >
          <Icon name="send" size={18} />
        </button>
      </form>
    </section>
  )
}

function sameAuthor(prev: ChatEntry | undefined, entry: ChatEntry): boolean {
  return prev !== undefined && prev.fromPeerId === entry.fromPeerId && entry.sentAt - prev.sentAt < 120_000
}

function ChatItem({ entry, grouped }: { entry: ChatEntry; grouped: boolean }) {
  const when = new Date(entry.sentAt)
  return (
    <li
      class={`chat__item${entry.mine ? ' chat__item--mine' : ''}${grouped ? ' chat__item--grouped' : ''}`}
      data-testid="chat-message"
      data-from={entry.fromPeerId}
    >
      {grouped ? null : (
        <div class="chat__meta">
          <span class="chat__author">{entry.mine ? 'You' : entry.fromName}</span>
          <time class="chat__time" dateTime={when.toISOString()} title={fullFormat.format(when)}>
            {timeFormat.format(when)}
          </time>
        </div>
      )}
      <div class="chat__text">{entry.text}</div>
    </li>
  )
}
