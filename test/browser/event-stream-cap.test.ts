import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, it } from 'vitest'
import { goodFake, type Fake } from '../integration/proxy/fake-upstreams.js'
import { startProxyProcess, type ProxyProcess } from '../integration/proxy/proxy-process.js'
import { openRaw, type RawConnection } from '../integration/proxy/raw-http.js'
import { waitFor } from '../../services/common/wait-for.js'
import { describeWithChromium, launchChromium } from './chromium.js'

// Issue 10, finding 8: the proxy now caps its event streams (PROXY_EVENT_SUBSCRIBERS). An EventSource
// that is answered 503 gives up for good, so the dashboard must ask again by itself: a presenter
// whose proxy was full a moment ago gets the live view back without reloading, with or without
// the admin token. The real proxy process (one stream allowed) and the page in headless Chromium.

const ADMIN_TOKEN = 'event-cap-browser-token-0123456789'
const UI_TIMEOUT_MS = 20_000 // the page retries a refused stream every 5 s; the rest is margin

describeWithChromium('the dashboard when the proxy has no event stream to spare', () => {
  let clerk: Fake
  let proxy: ProxyProcess
  let browser: Browser
  let holder: RawConnection | undefined

  beforeAll(async () => {
    clerk = await goodFake('clerk-a')
    proxy = await startProxyProcess({ 'clerk-a': clerk.url }, { PROXY_EVENT_SUBSCRIBERS: '1', ADMIN_TOKEN })
    browser = await launchChromium()
  })
  afterAll(async () => {
    holder?.destroy()
    await browser?.close()
    await proxy?.service.stop()
    await clerk?.close()
  })

  /** someone else holds the only stream (once the last test's page has let go of it) */
  function takeTheOnlyStream(): Promise<RawConnection> {
    return waitFor(
      async () => {
        const c = await openRaw(proxy.port)
        c.write('GET /_lb/events HTTP/1.1\r\nHost: x\r\n\r\n')
        const answered = await waitFor(() => c.status(), { what: 'the stream to answer' })
        if (answered === 200) return c
        c.destroy()
        return undefined
      },
      { what: 'the only event stream' },
    )
  }

  async function expectLiveOnceFreed(page: Page): Promise<void> {
    await page.locator('#stream-state', { hasText: 'stream refused: retrying' }).waitFor({ timeout: UI_TIMEOUT_MS })
    holder?.destroy()
    await page.locator('#stream-state', { hasText: 'live' }).waitFor({ timeout: UI_TIMEOUT_MS })
  }

  it.each([
    ['without the admin token', ''],
    ['with the admin token', `#token=${ADMIN_TOKEN}`],
  ])('says the stream was refused, then goes live by itself once one is free (%s)', async (_what, fragment) => {
    holder = await takeTheOnlyStream()
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      await page.goto(`${proxy.base}/${fragment}`)
      await expectLiveOnceFreed(page)
    } finally {
      await context.close()
    }
  })
})
