import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { SpawnedService } from '../helpers/spawn-service.js'
import { column, say, newCustomer } from './chat-column.js'
import { describeWithChromium, launchChromium } from './chromium.js'
import { startNpmStartCluster } from './npm-start-cluster.js'

// Issue 18, room mode: the learner page (proxy/dashboard/static/learner.html). Two learners, two
// browser contexts (two cookie jars, as two laptops), against a real `npm start` cluster: their
// pins and dialogues stay their own; inside one browser a new customer in one column leaves the
// others pinned (lb_clerk is scoped to its route); and the page offers no way to change a policy.

const ADMIN_TOKEN = 'learner-e2e-token-0123456789'
const CLERK_COUNT = 3
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/learner/', import.meta.url))
const UI_TIMEOUT_MS = 20_000 // 20 s: margin for a busy machine; every wait is for a condition

describeWithChromium('the learner page: each browser plays its own customers, against a real npm start cluster', () => {
  let cluster: SpawnedService | undefined
  let browser: Browser | undefined
  let base = ''
  const learners: Array<{ context: BrowserContext; page: Page; authorizationSent: string[] }> = []

  beforeAll(async () => {
    ;({ service: cluster, base } = await startNpmStartCluster(CLERK_COUNT, ADMIN_TOKEN))
    browser = await launchChromium()
    for (let i = 0; i < 2; i++) {
      const context = await browser.newContext()
      const page = await context.newPage()
      page.setDefaultTimeout(UI_TIMEOUT_MS)
      const authorizationSent: string[] = []
      page.on('request', (request) => {
        const headers = request.headers()
        if (headers.authorization !== undefined || headers['x-admin-token'] !== undefined) authorizationSent.push(request.url())
      })
      // a learner who got the instructor's link, token and all: the page still sends no token
      await page.goto(`${base}/dashboard/learner.html#token=${ADMIN_TOKEN}`)
      await page.locator('#stream-state', { hasText: 'live' }).waitFor()
      await page
        .locator('#learner-strip li[data-condition="healthy"][data-clerk]')
        .nth(CLERK_COUNT - 1)
        .waitFor()
      learners.push({ context, page, authorizationSent })
    }
  })

  afterAll(async () => {
    await browser?.close()
    if (cluster && !cluster.exited()) {
      await Promise.race([cluster.signal('SIGTERM'), new Promise((resolve) => setTimeout(resolve, 15_000).unref())])
      await cluster.stop()
    }
  })

  it('offers no policy or chaos control, sends no token, and a learner cannot change a policy', async () => {
    const { page, authorizationSent } = learners[0]!
    expect(await page.locator('button[data-policy]').count()).toBe(0)
    for (const name of ['Kill', 'Pause', 'Revive', 'Stop Redis', 'Drain', 'sticky', 'round-robin']) {
      expect(await page.getByRole('button', { name, exact: true }).count()).toBe(0)
    }
    expect(await page.locator('input[type="password"]').count()).toBe(0)
    // the routing is shown, read-only
    await page.locator('#policy-state', { hasText: 'stateful sticky' }).waitFor()
    // a learner who types the request by hand in the console: the proxy refuses it without the token
    const status = await page.evaluate(async () => {
      const res = await fetch('/_lb/policy', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ route: 'stateful', policy: 'round-robin' }) })
      return res.status
    })
    expect(status).toBe(401)
    expect(await policies()).toMatchObject({ stateful: 'sticky' })
    expect(authorizationSent).toEqual([])
  })

  it('keeps each learner with their own clerk and their own dialogue while the other starts customer after customer', async () => {
    const a = column(learners[0]!.page, 'stateful')
    const b = column(learners[1]!.page, 'stateful')
    await a.getByLabel('Product').selectOption('laptop')
    const askedA = await say(a, 'Ask the price')
    expect(askedA).toMatchObject({ status: '200', line: '1,000,000 won.' })
    const pinA = await stickyPin(learners[0]!.context, 'stateful')
    expect(pinA).toBeDefined()

    // learner B: three customers in a row, each asking about a monitor (each is pinned afresh)
    await b.getByLabel('Product').selectOption('monitor')
    let askedB = await say(b, 'Ask the price')
    for (let i = 0; i < 3; i++) {
      await newCustomer(b)
      askedB = await say(b, 'Ask the price')
      expect(askedB.status).toBe('200')
    }

    // A's pin and dialogue are untouched: the buy goes to A's clerk, for A's laptop
    expect(await stickyPin(learners[0]!.context, 'stateful')).toBe(pinA)
    await a.getByLabel('Quantity').fill('2')
    expect(await say(a, 'Buy')).toMatchObject({ status: '200', clerk: askedA.clerk, line: '2,000,000 won. Credit card or cash?' })
    // and B's latest customer goes on with B's monitor, on B's clerk
    await b.getByLabel('Quantity').fill('1')
    const boughtB = await say(b, 'Buy')
    expect(boughtB).toMatchObject({ status: '200', clerk: askedB.clerk })
    expect(boughtB.line).not.toContain('1,000,000')
    expect(await say(a, 'Pay by card')).toMatchObject({ status: '200', clerk: askedA.clerk, line: 'Payment of 2,000,000 won completed.' })
    mkdirSync(ARTIFACTS, { recursive: true })
    await learners[0]!.page.screenshot({ path: `${ARTIFACTS}01-learner-a.png`, fullPage: true })
  })

  it('in one browser, a new customer in the shared column leaves the stateful column pinned (one lb_clerk per route)', async () => {
    // both routes sticky, so both columns hold a pin (the admin's change, not the learner's)
    await setPolicy('shared', 'sticky')
    try {
      const { page, context } = learners[0]!
      await learners[0]!.page.locator('#policy-state', { hasText: 'shared sticky' }).waitFor()
      const stateful = column(page, 'stateful')
      const shared = column(page, 'shared')
      const asked = await say(stateful, 'Ask the price')
      expect(asked.status).toBe('200')
      expect((await say(shared, 'Ask the price')).status).toBe('200')
      const statefulPin = await stickyPin(context, 'stateful')
      expect(statefulPin).toBeDefined()
      expect(await stickyPin(context, 'shared')).toBeDefined()

      await newCustomer(shared)
      expect(await stickyPin(context, 'shared')).toBeUndefined()
      // the stateful customer still has its pin, its session and its clerk
      expect(await stickyPin(context, 'stateful')).toBe(statefulPin)
      expect(await say(stateful, 'Buy')).toMatchObject({ status: '200', clerk: asked.clerk })
    } finally {
      await setPolicy('shared', 'round-robin')
    }
  })

  async function policies(): Promise<Record<string, string>> {
    const body = (await (await fetch(`${base}/_lb/status`)).json()) as { policies: Record<string, string> }
    return body.policies
  }

  async function setPolicy(route: string, policy: string): Promise<void> {
    const res = await fetch(`${base}/_lb/policy`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ route, policy }),
    })
    expect(res.status).toBe(200)
  }

  /** the lb_clerk this browser would send on the mode's route, if any */
  async function stickyPin(context: BrowserContext, mode: string): Promise<string | undefined> {
    const cookies = await context.cookies(`${base}/${mode}/ask`)
    return cookies.find((c) => c.name === 'lb_clerk')?.value
  }
})
