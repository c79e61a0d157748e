/**
 * The sender worker of the `parley` browser variant (served as /parley-sender-worker.js): what the
 * web app's apps/web/src/sdk/senderWorker.ts is, bundled from the SDK's source.
 */
import {
  hostFileSender,
  type SenderWorkerScope,
} from '../../packages/client/src/transfer/browser/SenderWorkerHost.js'

hostFileSender(self as unknown as SenderWorkerScope)
