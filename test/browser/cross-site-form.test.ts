import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, BrowserContext, Cookie } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stickyCookieId } from '../../proxy/balance/affinity.js'
import { goodFake, type Fake } from '../integration/proxy/fake-upstreams.js'
import { startProxyProcess, type ProxyProcess } from '../integration/proxy/proxy-process.js'
import { describeWithChromium, launchChromium } from './chromium.js'

// Issue 10, finding 6, in a real browser: a page on another origin auto-submits a form (or sends a
// no-cors fetch) to the proxy while a customer of the shop visits it. Before, POST
// /_lb/new-customer answered 200 with Set-Cookie headers that expired the visitor's session and
// sticky cookies. Now every route that may change something refuses the browser's cross-origin
// request with 403, and the visitor's cookies survive. The attacker's page is served from another
// loopback port (same site, another origin) and from `localhost` (another site); the dashboard's
// own same-origin call still works. Real proxy process, headless Chromium.

const ATTACKS: Array<[string, string, (proxy: string) => string]> = [
  // name, the proxy path it targets, the attacker's page
  ['an auto-submitting form to POST /_lb/new-customer', '/_lb/new-customer', (p) => autoSubmit(`${p}/_lb/new-customer`)],
  ['an auto-submitting form to POST /_lb/new-customer?mode=stateful', '/_lb/new-customer?mode=stateful', (p) => autoSubmit(`${p}/_lb/new-customer?mode=stateful`)],
  [
    'a text/plain form to POST /stateful/ask (would re-pin the sticky cookie)',
    '/stateful/ask',
    (p) => autoSubmit(`${p}/stateful/ask`, 'text/plain', '{"product":"laptop","x":"', '"}'),
  ],
  [
    'a no-cors fetch to POST /_lb/new-customer',
    '/_lb/new-customer',
    (p) => `<script>fetch(${JSON.stringify(`${p}/_lb/new-customer`)}, { method: 'POST', mode: 'no-cors', credentials: 'include' })</script>`,
  ],
  ['a form to POST /_lb/clerks/clerk-a/drain', '/_lb/clerks/clerk-a/drain', (p) => autoSubmit(`${p}/_lb/clerks/clerk-a/drain`)],
]

function autoSubmit(action: string, enctype = 'application/x-www-form-urlencoded', name = 'a', value = 'b'): string {
  const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;')
  return `<form id="f" method="POST" enctype="${enctype}" action="${attr(action)}"><input name="${attr(name)}" value="${attr(value)}"></form><script>document.getElementById('f').submit()</script>`
}

describeWithChromium('a page on another origin aims a request at the proxy', () => {
  let clerks: Fake[]
  let proxy: ProxyProcess
  let attacker: Server
  let attackerPort: number
  let browser: Browser
  let victimCookies: Array<Pick<Cookie, 'name' | 'value' | 'path'>>

  beforeAll(async () => {
    clerks = [await goodFake('clerk-a'), await goodFake('clerk-b')]
    proxy = await startProxyProcess({ 'clerk-a': clerks[0]!.url, 'clerk-b': clerks[1]!.url }, { ADMIN_TOKEN: 'csrf-browser-token-0123456789' })
    attacker = createServer((req, res) => {
      const query = new URL(req.url ?? '/', 'http://x').searchParams
      const attack = query.has('n') ? ATTACKS[Number(query.get('n'))] : undefined
      const frame = query.has('frame') ? `<iframe src="${proxy.base}/" width="800" height="600"></iframe>` : ''
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end(`<!doctype html><title>win a laptop</title>${attack ? attack[2](proxy.base) : frame}`)
    })
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve))
    attackerPort = (attacker.address() as AddressInfo).port
    browser = await launchChromium()
    // the visitor is mid-dialogue: a session with a clerk, and pinned to clerk-b
    victimCookies = [
      { name: 'stateful_sid', value: 'victims-stateful-session', path: '/stateful' },
      { name: 'shared_sid', value: 'victims-shared-session', path: '/shared' },
      { name: 'lb_clerk', value: stickyCookieId('clerk-b'), path: '/' },
    ]
  })
  afterAll(async () => {
    await browser?.close()
    await new Promise((resolve) => attacker?.close(resolve))
    await proxy?.service.stop()
    for (const c of clerks ?? []) await c.close()
  })

  async function visitor(): Promise<BrowserContext> {
    const context = await browser.newContext()
    await context.addCookies(victimCookies.map((c) => ({ ...c, domain: '127.0.0.1', httpOnly: true, sameSite: 'Lax' as const })))
    return context
  }

  // every cookie the visitor's browser holds for the proxy, whatever its path
  const cookiesOf = async (context: BrowserContext) =>
    (await context.cookies([`${proxy.base}/`, `${proxy.base}/stateful/ask`, `${proxy.base}/shared/ask`]))
      .map((c) => ({ name: c.name, value: c.value, path: c.path }))
      .sort((a, b) => a.name.localeCompare(b.name))

  describe.each([
    ['another port of the same host (same site, another origin)', () => `http://127.0.0.1:${attackerPort}`],
    ['localhost (another site)', () => `http://localhost:${attackerPort}`],
  ])('served from %s', (_where, attackerOrigin) => {
    it.each(ATTACKS.map((a, n) => [a[0], a[1], n] as const))('%s: refused with 403, and the visitor keeps every cookie', async (_what, path, n) => {
      const context = await visitor()
      try {
        const page = await context.newPage()
        const before = await cookiesOf(context)
        expect(before.map((c) => c.name)).toEqual(['lb_clerk', 'shared_sid', 'stateful_sid'])
        const [response] = await Promise.all([page.waitForResponse((r) => r.url() === `${proxy.base}${path}`, { timeout: 15_000 }), page.goto(`${attackerOrigin()}/?n=${n}`)])
        expect(response.status()).toBe(403)
        // a no-cors fetch's answer is opaque to the page, and so to the browser's tools
        if (response.request().resourceType() === 'document') {
          expect(await response.json()).toMatchObject({ error: 'cross_site_request', code: 'PROXY_ERR_CROSS_SITE' })
        }
        expect(await cookiesOf(context)).toEqual(before)
      } finally {
        await context.close()
      }
    })
  })

  it('a page of another origin cannot show the dashboard in a frame (clickjacking)', async () => {
    const context = await visitor()
    try {
      const page = await context.newPage()
      const [framed] = await Promise.all([page.waitForResponse((r) => r.url() === `${proxy.base}/`, { timeout: 15_000 }), page.goto(`http://localhost:${attackerPort}/?frame=1`)])
      expect(framed.headers()['content-security-policy']).toBe("frame-ancestors 'none'")
      expect(framed.headers()['x-frame-options']).toBe('DENY')
      // the page's load waits for its frame; the browser refused to show the dashboard in it
      await page.waitForLoadState('load')
      const frame = page.frames().find((f) => f !== page.mainFrame())
      expect(frame?.url()).not.toBe(`${proxy.base}/`)
    } finally {
      await context.close()
    }
  })

  it('the dashboard\'s own "New customer" (same origin) still empties the jar', async () => {
    const context = await visitor()
    try {
      const page = await context.newPage()
      await page.goto(`${proxy.base}/`)
      const answer = await page.evaluate(async () => {
        const res = await fetch('/_lb/new-customer?mode=all', { method: 'POST', credentials: 'same-origin' })
        return { status: res.status, body: await res.json() }
      })
      expect(answer).toMatchObject({ status: 200, body: { mode: 'all', expired: ['stateful_sid', 'shared_sid', 'lb_clerk'] } })
      expect(await cookiesOf(context)).toEqual([])
    } finally {
      await context.close()
    }
  })
})
