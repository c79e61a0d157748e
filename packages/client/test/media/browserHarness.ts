/**
 * One Chromium process (shared launcher: fake camera 640x480@20, fake 1280x720 screen) and a
 * loopback page server with the SDK as `window.Parley`, for the media/stats end-to-end tests.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { launchBrowser } from '../../../../test/support/chromium.js'
import { type ExtraFiles, type SdkPageServer, serveSdkPage } from '../../../../test/support/sdkPage.js'

export type ParleyGlobal = typeof import('../../src/index.js')

export interface Harness {
  readonly browser: Browser
  readonly server: SdkPageServer
  /** A page in a fresh context (own origin storage), loaded with the SDK. */
  newPage(): Promise<Page>
  close(): Promise<void>
}

export async function openHarness(extra: ExtraFiles = {}): Promise<Harness> {
  const [browser, server] = await Promise.all([launchBrowser(), serveSdkPage(extra)])
  const contexts: BrowserContext[] = []
  let closed: Promise<void> | undefined
  return {
    browser,
    server,
    async newPage() {
      const context = await browser.newContext()
      contexts.push(context)
      const page = await context.newPage()
      page.on('pageerror', (error) => console.error('[page error]', error))
      await page.goto(server.url)
      await page.waitForFunction(() => 'Parley' in window)
      return page
    },
    close() {
      closed ??= (async () => {
        await Promise.allSettled(contexts.map((c) => c.close()))
        await browser.close()
        await server.close()
      })()
      return closed
    },
  }
}
