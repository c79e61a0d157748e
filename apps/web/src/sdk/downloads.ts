/**
 * The app's download service worker (the SDK's script, served at /parley-sw.js by the Vite
 * plugin in vite.config.ts): registered once per page — on the first accept, and only where the
 * browser has no origin private file system — for received files to stream into the
 * Downloads folder.
 */
import { ServiceWorkerDownloads } from '@parley/client'

export const DOWNLOAD_WORKER_URL = '/parley-sw.js'
/** Only the download URLs: the worker never sees the app's own requests. */
export const DOWNLOAD_SCOPE = '/_parley/dl/'

/**
 * Test hook: with `localStorage['parley:test:no-opfs'] === '1'` the app treats the origin private
 * file system as unavailable, so received files take the service-worker download path (how the
 * end-to-end tests exercise it in a Chromium that has OPFS). Not a user setting.
 */
export const NO_OPFS_TEST_FLAG = 'parley:test:no-opfs'

export function opfsDisabledForTests(): boolean {
  try {
    return globalThis.localStorage?.getItem(NO_OPFS_TEST_FLAG) === '1'
  } catch {
    return false
  }
}

/**
 * Test hooks: `localStorage['parley:test:sender-worker']` set to `'1'` makes the app send files from
 * its sender worker, `'0'` from the page, whatever the machine (see useSenderWorker in parley.ts).
 * Not a user setting.
 */
export const SENDER_WORKER_TEST_FLAG = 'parley:test:sender-worker'

/** The sender-worker choice a test forced, if any. */
export function senderWorkerForcedForTests(): boolean | undefined {
  try {
    const value = globalThis.localStorage?.getItem(SENDER_WORKER_TEST_FLAG)
    return value === '1' ? true : value === '0' ? false : undefined
  } catch {
    return undefined
  }
}

let registered: Promise<ServiceWorkerDownloads | undefined> | undefined

/**
 * The registered download worker, or undefined where service workers are unavailable (insecure
 * page, some private modes) — the sink choice then falls back to memory for small files and a
 * clear error for large ones. Registers on first use.
 */
export function downloadWorker(): Promise<ServiceWorkerDownloads | undefined> {
  registered ??= ServiceWorkerDownloads.isSupported()
    ? ServiceWorkerDownloads.register(DOWNLOAD_WORKER_URL, { scope: DOWNLOAD_SCOPE }).catch(() => undefined)
    : Promise.resolve(undefined)
  return registered
}
