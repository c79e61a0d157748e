/**
 * JavaScript heap of a page or a service worker, ArrayBuffer backing stores included (CDP
 * Runtime.getHeapUsage: usedSize + backingStorageSize; precise, unlike performance.memory): as it
 * is (`heap`, garbage included) and what is still reachable after a full collection (`live`,
 * CDP HeapProfiler.collectGarbage) — what buffering would make grow.
 */
import type { Browser, CDPSession, Page } from 'playwright-core'

interface HeapUsage {
  usedSize: number
  backingStorageSize?: number
}

export interface HeapSample {
  /** Bytes in the heap, garbage not yet collected included. */
  readonly heap: number
  /** Bytes still reachable after a full garbage collection. */
  readonly live: number
}

const total = (u: HeapUsage) => u.usedSize + (u.backingStorageSize ?? 0)

/** A sampler of `page`'s heap. */
export async function pageHeap(page: Page): Promise<() => Promise<HeapSample>> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('HeapProfiler.enable')
  const usage = async () => total((await cdp.send('Runtime.getHeapUsage')) as HeapUsage)
  return async () => {
    const heap = await usage()
    await cdp.send('HeapProfiler.collectGarbage')
    return { heap, live: await usage() }
  }
}

/**
 * A sampler of the heap of `browser`'s service worker whose script URL ends with `scriptSuffix`, in
 * bytes. Playwright's CDP sessions cannot address a worker's session, so the worker is attached
 * in the non-flat mode and spoken to through Target.sendMessageToTarget.
 */
export async function serviceWorkerHeap(
  browser: Browser,
  scriptSuffix: string,
): Promise<() => Promise<HeapSample>> {
  const cdp: CDPSession = await browser.newBrowserCDPSession()
  const replies = new Map<number, (message: { result?: HeapUsage; error?: unknown }) => void>()
  cdp.on('Target.receivedMessageFromTarget', (event: { message: string }) => {
    const message = JSON.parse(event.message) as { id?: number; result?: HeapUsage; error?: unknown }
    if (message.id !== undefined) replies.get(message.id)?.(message)
  })
  let nextId = 1
  let sessionId: string | undefined
  const attach = async (): Promise<string> => {
    const { targetInfos } = (await cdp.send('Target.getTargets')) as {
      targetInfos: { type: string; url: string; targetId: string }[]
    }
    const target = targetInfos.find((t) => t.type === 'service_worker' && t.url.endsWith(scriptSuffix))
    if (!target) throw new Error(`no running service worker ${scriptSuffix}`)
    const attached = (await cdp.send('Target.attachToTarget', {
      targetId: target.targetId,
      flatten: false,
    })) as {
      sessionId: string
    }
    return attached.sessionId
  }
  const call = async (method: string): Promise<{ result?: HeapUsage; error?: unknown }> => {
    sessionId ??= await attach()
    const id = nextId++
    const reply = new Promise<{ result?: HeapUsage; error?: unknown }>((resolve) => replies.set(id, resolve))
    await cdp.send('Target.sendMessageToTarget', {
      sessionId,
      message: JSON.stringify({ id, method, params: {} }),
    })
    const message = await reply
    replies.delete(id)
    if (message.error) throw new Error(`${method} failed: ${JSON.stringify(message.error)}`)
    return message
  }
  const usage = async () => {
    const { result } = await call('Runtime.getHeapUsage')
    if (!result) throw new Error('Runtime.getHeapUsage gave no result')
    return total(result)
  }
  await call('HeapProfiler.enable')
  return async () => {
    const heap = await usage()
    await call('HeapProfiler.collectGarbage')
    return { heap, live: await usage() }
  }
}
