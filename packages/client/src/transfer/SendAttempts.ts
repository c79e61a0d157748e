/** One attempt at sending a file (see FileSender.attempts). */
export interface SendAttempt {
  readonly fileId: string
  /** Offset the attempt started from (what the receiver had stored). */
  readonly from: number
  /** End of the bytes handed to the channel. */
  to: number
  /** Bytes [0, confirmed) the receiver confirmed as stored, last known. */
  confirmed: number
}

/** A sender's attempts at sending its files, in order, with each file's last one at hand. */
export class SendAttempts {
  readonly list: SendAttempt[] = []
  readonly #last = new Map<string, SendAttempt>()

  /** A new attempt at `fileId` from `from`, the receiver having confirmed `confirmed`. */
  start(fileId: string, from: number, confirmed: number): SendAttempt {
    const attempt: SendAttempt = { fileId, from, to: from, confirmed }
    this.list.push(attempt)
    this.#last.set(fileId, attempt)
    return attempt
  }

  /** The receiver confirmed [0, offset) of `fileId`: noted on the file's last attempt. */
  confirmed(fileId: string, offset: number): void {
    const attempt = this.#last.get(fileId)
    if (attempt) attempt.confirmed = offset
  }
}
