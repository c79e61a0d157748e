import { ParleyError } from './errors.js'
import type { ChunkHeader, PayloadKind } from './Framing.js'

export interface ChunkAssemblerOptions {
  /** Largest message accepted, in bytes (default 64 MiB). */
  maxMessageBytes?: number
  /** Messages being reassembled at once; the oldest is dropped beyond this (default 8). */
  maxPendingMessages?: number
  /** Bytes reserved by messages being reassembled; the oldest are dropped beyond this (default 2 × maxMessageBytes). */
  maxPendingBytes?: number
  /** A partial message not completed within this time is dropped (default 30 s). */
  staleAfterMs?: number
  now?: () => number
}

interface Partial {
  readonly kind: PayloadKind
  readonly total: number
  readonly buffer: Uint8Array
  readonly offsets: Set<number>
  received: number
  readonly startedAt: number
}

export interface AssembledMessage {
  readonly kind: PayloadKind
  readonly bytes: Uint8Array
}

/** Why a partial message was dropped (reported through `onDrop`). */
export type DropReason = 'too-many-pending' | 'too-many-bytes' | 'stale' | 'inconsistent' | 'reset'

/**
 * Reassembles chunked messages (see Framing.ts) from pieces that may arrive in any order, at most
 * once each. Bounded: message size, number of messages in progress, bytes reserved and age.
 * Malformed pieces throw ParleyError (BAD_MESSAGE, MESSAGE_TOO_LARGE) and never corrupt others.
 */
export class ChunkAssembler {
  readonly maxMessageBytes: number
  readonly maxPendingMessages: number
  readonly maxPendingBytes: number
  readonly staleAfterMs: number
  readonly #now: () => number
  readonly #partials = new Map<number, Partial>()
  #pendingBytes = 0
  onDrop: ((messageId: number, reason: DropReason) => void) | undefined

  constructor(options: ChunkAssemblerOptions = {}) {
    this.maxMessageBytes = options.maxMessageBytes ?? 64 * 1024 * 1024
    this.maxPendingMessages = Math.max(1, options.maxPendingMessages ?? 8)
    this.maxPendingBytes = Math.max(this.maxMessageBytes, options.maxPendingBytes ?? 2 * this.maxMessageBytes)
    this.staleAfterMs = options.staleAfterMs ?? 30_000
    this.#now = options.now ?? Date.now
  }

  get pendingMessages(): number {
    return this.#partials.size
  }

  get pendingBytes(): number {
    return this.#pendingBytes
  }

  /** Adds one piece; returns the whole message when this piece completes it. */
  push(header: ChunkHeader, payload: Uint8Array): AssembledMessage | undefined {
    const { messageId, offset, total, kind } = header
    if (total > this.maxMessageBytes) {
      this.#drop(messageId, 'inconsistent')
      throw new ParleyError(
        'MESSAGE_TOO_LARGE',
        `chunked message of ${total} bytes exceeds ${this.maxMessageBytes}`,
      )
    }
    if (payload.byteLength === 0 || offset + payload.byteLength > total) {
      this.#drop(messageId, 'inconsistent')
      throw new ParleyError('BAD_MESSAGE', 'chunk lies outside its message')
    }
    this.#evictStale()
    let partial = this.#partials.get(messageId)
    if (partial && (partial.total !== total || partial.kind !== kind)) {
      this.#drop(messageId, 'inconsistent')
      throw new ParleyError('BAD_MESSAGE', 'chunk disagrees with earlier chunks of its message')
    }
    if (!partial) {
      if (offset === 0 && payload.byteLength === total) return { kind, bytes: payload }
      this.#makeRoom(total)
      partial = {
        kind,
        total,
        buffer: new Uint8Array(total),
        offsets: new Set(),
        received: 0,
        startedAt: this.#now(),
      }
      this.#partials.set(messageId, partial)
      this.#pendingBytes += total
    }
    if (partial.offsets.has(offset)) return undefined
    partial.offsets.add(offset)
    partial.buffer.set(payload, offset)
    partial.received += payload.byteLength
    if (partial.received > partial.total) {
      this.#drop(messageId, 'inconsistent')
      throw new ParleyError('BAD_MESSAGE', 'overlapping chunks')
    }
    if (partial.received < partial.total) return undefined
    this.#partials.delete(messageId)
    this.#pendingBytes -= partial.total
    return { kind, bytes: partial.buffer }
  }

  /** Drops every partial message (the transport was replaced). */
  reset(): void {
    for (const id of [...this.#partials.keys()]) this.#drop(id, 'reset')
  }

  #makeRoom(total: number): void {
    for (const [id] of this.#partials) {
      if (this.#partials.size < this.maxPendingMessages) break
      this.#drop(id, 'too-many-pending')
    }
    for (const [id] of this.#partials) {
      if (this.#pendingBytes + total <= this.maxPendingBytes) break
      this.#drop(id, 'too-many-bytes')
    }
  }

  #evictStale(): void {
    const limit = this.#now() - this.staleAfterMs
    for (const [id, partial] of this.#partials) {
      if (partial.startedAt < limit) this.#drop(id, 'stale')
    }
  }

  #drop(messageId: number, reason: DropReason): void {
    const partial = this.#partials.get(messageId)
    if (!partial) return
    this.#partials.delete(messageId)
    this.#pendingBytes -= partial.total
    this.onDrop?.(messageId, reason)
  }
}
