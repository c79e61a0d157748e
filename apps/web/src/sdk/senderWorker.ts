/**
 * The dedicated worker the SDK sends files from (TransferManager's `senderWorker`): reading,
 * hashing and sending run here, off the page's main thread. Bundled by Vite from the
 * `new Worker(new URL(…), { type: 'module' })` in parley.ts.
 */
import { hostFileSender, type SenderWorkerScope } from '@parley/client'

hostFileSender(self as unknown as SenderWorkerScope)
