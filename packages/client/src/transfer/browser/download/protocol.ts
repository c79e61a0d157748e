/**
 * Messages between a page and the download service worker (see docs/file-transfer.md, "Streaming
 * downloads through a service worker"). Types only: the worker's code is self-contained.
 *
 * 1. page → worker (global `message`, the stream's MessagePort transferred with it):
 *    {@link DownloadRequest}. The worker keeps the port under `id` and answers `registered`.
 * 2. The page navigates a hidden iframe to `<scope><id>/<name>`; the worker answers that request
 *    with a `Response` whose body is a ReadableStream, and tells the page `started`.
 * 3. Flow (pull-based): the page sends `chunk`s while the bytes it sent and the worker has not
 *    acknowledged stay within its window; the worker hands one queued chunk to the stream each time
 *    the browser reads (pulls) and acknowledges its bytes (`ack`). Memory: at most the window in the
 *    worker, whatever the file size.
 * 4. `end` → the worker closes the stream once its queue is empty and answers `closed`; `abort` →
 *    the worker errors the stream (the browser marks the download failed). If the browser cancels
 *    the stream (the person cancelled the download), the worker answers `cancelled`.
 */

/** Global message announcing a download (with its port). */
export interface DownloadRequest {
  readonly t: 'parley-download'
  readonly v: 1
  /** 22 characters of base64url (128 random bits): the unguessable path segment. */
  readonly id: string
  /** Already made safe (safeFileName). */
  readonly name: string
  /** Bytes, or -1 when unknown (no Content-Length then). */
  readonly size: number
}

/** Global message every few seconds while downloads stream: keeps the worker and their streams alive. */
export interface KeepAlive {
  readonly t: 'parley-keepalive'
  readonly ids: readonly string[]
}

/** Page → worker, on a download's port. `chunk.bytes` is transferred, never copied. */
export type PageMessage =
  | { readonly t: 'chunk'; readonly bytes: ArrayBuffer }
  | { readonly t: 'end' }
  | { readonly t: 'abort'; readonly reason: string }

/** Worker → page, on a download's port. */
export type WorkerMessage =
  | { readonly t: 'registered' }
  | { readonly t: 'started' }
  | { readonly t: 'ack'; readonly bytes: number }
  | { readonly t: 'closed' }
  | { readonly t: 'cancelled'; readonly reason: string }
  | { readonly t: 'failed'; readonly reason: string }
