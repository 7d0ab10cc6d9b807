import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest'
import { freePort } from '../../services/common/free-port.js'
import { spawnService, type SpawnedService } from '../helpers/spawn-service.js'
import { column, say, newCustomer } from './chat-column.js'
import { describeWithChromium, launchChromium } from './chromium.js'
import { everyClerkHealthy as everyClerkHealthyAt, startNpmStartCluster } from './npm-start-cluster.js'

// The dashboard end to end: a real `npm start` cluster (launcher, Redis, three clerks, the proxy)
// and the page in headless Chromium, clicked like a presenter would. Screenshots of the moments
// that matter go to test-artifacts/dashboard/ (gitignored) for a person to look at.
//
// Each test stands on its own (they pass in any order: `vitest --sequence.shuffle`): before each
// one every killed clerk is revived, every policy is put back to the cluster's default, and the
// test gets a browser context of its own, a new customer with an empty cookie jar.

const ADMIN_TOKEN = 'dashboard-e2e-token-0123456789'
const CLERK_COUNT = 3
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/dashboard/', import.meta.url))
const UI_TIMEOUT_MS = 15_000 // 15 s: a health flip is ~2 checks of 1 s; the rest is margin for a busy machine
const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` }

interface LbStatus {
  policies: Record<string, string>
  clerks: Array<{ id: string; healthy: boolean }>
}

describeWithChromium('the dashboard in a browser, against a real npm start cluster', () => {
  let cluster: SpawnedService | undefined
  let browser: Browser | undefined
  let context: BrowserContext
  let page: Page
  let base = ''
  let defaultPolicies: Record<string, string> = {}

  const lbStatus = async () => (await (await fetch(`${base}/_lb/status`, { signal: AbortSignal.timeout(5_000) })).json()) as LbStatus
  const everyClerkHealthy = () => everyClerkHealthyAt(base, CLERK_COUNT)

  /** what an earlier test may have changed, put back: killed clerks revived, default policies */
  async function resetCluster(): Promise<void> {
    const res = await fetch(`${base}/_cluster/status`, { headers: ADMIN, signal: AbortSignal.timeout(5_000) })
    const { processes } = (await res.json()) as { processes: Array<{ id: string; kind: string; state: string }> }
    for (const p of processes.filter((p) => p.kind === 'clerk' && p.state === 'dead')) {
      const revived = await fetch(`${base}/_cluster/clerks/${p.id}/revive`, { method: 'POST', headers: { ...ADMIN, 'content-type': 'application/json' }, body: '{}' })
      expect(revived.status, `revive ${p.id}`).toBeLessThan(300)
    }
    const { policies } = await lbStatus()
    for (const [route, policy] of Object.entries(defaultPolicies)) {
      if (policies[route] === policy) continue
      const put = await fetch(`${base}/_lb/policy`, {
        method: 'PUT',
        headers: { ...ADMIN, 'content-type': 'application/json' },
        body: JSON.stringify({ route, policy }),
      })
      expect(put.status, `PUT /_lb/policy ${route} ${policy}`).toBe(200)
    }
    await everyClerkHealthy()
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true })
    ;({ service: cluster, base } = await startNpmStartCluster(CLERK_COUNT, ADMIN_TOKEN))
    defaultPolicies = (await lbStatus()).policies
    browser = await launchChromium()
  })

  beforeEach(async () => {
    await resetCluster()
    context = await browser!.newContext({ viewport: { width: 1920, height: 1080 } })
    page = await context.newPage()
    page.setDefaultTimeout(UI_TIMEOUT_MS)
    await page.goto(`${base}/#token=${ADMIN_TOKEN}`)
    await page.locator('#stream-state', { hasText: 'live' }).waitFor()
    await page
      .locator(`.clerk-card[data-condition="healthy"]`)
      .nth(CLERK_COUNT - 1)
      .waitFor()
  })

  afterEach(async () => {
    await context?.close()
  })

  afterAll(async () => {
    await browser?.close()
    if (cluster && !cluster.exited()) {
      // SIGTERM lets npm start stop its clerks and Redis; SIGKILL would leave them behind
      await Promise.race([cluster.signal('SIGTERM'), new Promise((resolve) => setTimeout(resolve, 15_000).unref())])
      await cluster.stop()
    }
  })

  it('takes the admin token from the link and hides it from the address bar', async () => {
    expect(page.url()).not.toContain(ADMIN_TOKEN)
    expect(await page.locator('#admin-note').isHidden()).toBe(true)
    expect(await page.locator('.clerk-card').first().getByRole('button', { name: 'Kill' }).isEnabled()).toBe(true)
  })

  it('plays the whole dialogue in each mode', async () => {
    for (const mode of ['stateful', 'stateless', 'shared'] as const) {
      const col = column(page, mode)
      await col.getByLabel('Product').selectOption('laptop')
      expect(await say(col, 'Ask the price')).toMatchObject({ status: '200', line: '1,000,000 won.' })
      await col.getByLabel('Quantity').fill('2')
      expect(await say(col, 'Buy')).toMatchObject({ status: '200', line: '2,000,000 won. Credit card or cash?' })
      expect(await say(col, 'Pay by card')).toMatchObject({ status: '200', line: 'Payment of 2,000,000 won completed.' })
    }
    // the stateless client shows the context it carries: the raw token and what is inside it
    const carried = column(page, 'stateless').locator('.carried')
    expect(await carried.textContent()).toMatch(/token v1\..*signed/)
    expect(await carried.textContent()).toContain('laptop')
    await page.screenshot({ path: `${ARTIFACTS}01-dialogue-each-mode.png` })
  })

  it('"New customer" empties the cookie jar, so sticky routing picks a clerk afresh', async () => {
    const col = column(page, 'stateful')
    // a customer mid-dialogue: a session with one clerk and the sticky cookie to it, and a shared session
    expect(await say(column(page, 'shared'), 'Ask the price')).toMatchObject({ status: '200' })
    const pinned = (await say(col, 'Ask the price')).clerk
    expect(await cookieNames(context, base)).toEqual(['lb_clerk', 'shared_sid', 'stateful_sid'])

    // The sticky policy sends a customer without a cookie round-robin over the healthy clerks,
    // on the /stateful route's turn counter, which every /stateful request moves on by one. Two
    // fresh customers in a row (nothing else asks /stateful in between) take consecutive turns,
    // so with three healthy clerks they meet two different clerks: at most two tries, no luck.
    const met: string[] = []
    for (let tries = 0; tries < 2 && (met.length === 0 || met.at(-1) === pinned); tries++) {
      await newCustomer(col)
      // the jar is empty of this column's cookies; the shared column's dialogue keeps its own
      expect(await cookieNames(context, base)).toEqual(['shared_sid'])
      expect(await col.locator('.bubble.system').last().textContent()).toContain('empty cookie jar')
      const asked = await say(col, 'Ask the price')
      expect(asked.status).toBe('200')
      met.push(asked.clerk!)
    }
    expect(met.at(-1)).not.toBe(pinned)
    await page.screenshot({ path: `${ARTIFACTS}01b-new-customer-another-clerk.png` })
    // and the new customer stays with their new clerk
    expect(await say(col, 'Buy')).toMatchObject({ status: '200', clerk: met.at(-1) })
  })

  it('switching stateful to round-robin loses the context: "2 of what?"', async () => {
    const col = column(page, 'stateful')
    await setPolicy(col, 'round-robin')
    const asked = await say(col, 'Ask the price')
    expect(asked.status).toBe('200')
    // round-robin sends the next line to the next clerk, who never heard of this dialogue
    const lost = await say(col, 'Buy')
    expect(lost).toMatchObject({ status: '409', error: 'context_lost', line: '2 of what? What would you like to buy?' })
    expect(lost.clerk).not.toBe(asked.clerk)
    await page.screenshot({ path: `${ARTIFACTS}02-round-robin-context-lost.png` })
  })

  it('killing the pinned clerk from the page turns its card dead, and another clerk answers', async () => {
    const col = column(page, 'stateful')
    const asked = await say(col, 'Ask the price')
    expect(asked.status).toBe('200')
    const pinned = asked.clerk
    const card = page.locator(`.clerk-card[data-clerk="${pinned}"]`)

    await card.getByRole('button', { name: 'Kill' }).click()
    await page.locator(`.clerk-card[data-clerk="${pinned}"][data-condition="dead"]`).waitFor()
    expect(await card.locator('.state').textContent()).toBe('dead')
    await page.locator('.event-log', { hasText: `chaos: kill ${pinned}` }).waitFor()
    await page.screenshot({ path: `${ARTIFACTS}03-pinned-clerk-killed.png` })

    const next = await say(col, 'Buy')
    expect(next.clerk).not.toBe(pinned)
    expect(next).toMatchObject({ status: '409', error: 'context_lost', line: '2 of what? What would you like to buy?' })
    await page.screenshot({ path: `${ARTIFACTS}04-another-clerk-answers.png` })
  })

  it('reviving a killed clerk from the page turns its card healthy again', async () => {
    const card = page.locator('.clerk-card').first()
    const id = await card.getAttribute('data-clerk')
    await card.getByRole('button', { name: 'Kill' }).click()
    const dead = page.locator(`.clerk-card[data-clerk="${id}"][data-condition="dead"]`)
    await dead.waitFor()
    // the launcher says "dead" at once; the proxy ejects the clerk on its next failed checks. Only
    // a clerk the proxy has ejected can come back "healthy again", so wait for the ejection first
    await page.locator('.event-log', { hasText: `${id} is unhealthy` }).waitFor({ timeout: 30_000 })
    await dead.getByRole('button', { name: 'Revive' }).click()
    await page.locator(`.clerk-card[data-clerk="${id}"][data-condition="healthy"]`).waitFor({ timeout: 30_000 })
    await page.locator('.event-log', { hasText: `${id} is healthy again` }).waitFor()
    await page.screenshot({ path: `${ARTIFACTS}05-clerk-revived.png` })
    await page.screenshot({ path: `${ARTIFACTS}06-whole-page.png`, fullPage: true })
  })

  it('without a token, chaos and policy buttons are off and the page says why (laptop screen)', async () => {
    const laptop = await browser!.newContext({ viewport: { width: 1366, height: 768 } })
    try {
      const bare = await laptop.newPage()
      await bare.goto(`${base}/`)
      await bare.locator('.clerk-card').first().waitFor()
      expect(await bare.locator('#admin-note').textContent()).toContain('No admin token')
      expect(await bare.locator('.clerk-card').first().getByRole('button', { name: 'Kill' }).isDisabled()).toBe(true)
      expect(await column(bare, 'stateful').getByRole('button', { name: 'round-robin' }).isDisabled()).toBe(true)
      // talking to the clerks needs no token
      expect(await say(column(bare, 'shared'), 'Ask the price')).toMatchObject({ status: '200' })
      await bare.evaluate('window.scrollTo(0, 0)')
      await bare.screenshot({ path: `${ARTIFACTS}07-laptop-without-token.png` })
    } finally {
      await laptop.close()
    }
  })
})

describeWithChromium('the dashboard without npm start’s launcher (as in docker compose)', () => {
  const services: SpawnedService[] = []
  let browser: Browser | undefined
  let base = ''

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true })
    const [proxyPort, portA, portB, closedPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()])
    // Redis is not needed here: the stateful dialogue and the chaos fallbacks do not use it
    const clerkEnv = { ADMIN_TOKEN, REDIS_URL: `redis://127.0.0.1:${closedPort}` }
    services.push(
      ...(await Promise.all([
        spawnService('services/clerk/main.js', { ...clerkEnv, CLERK_PORT: String(portA), CLERK_ID: 'clerk-a' }, `http://127.0.0.1:${portA}/healthz`),
        spawnService('services/clerk/main.js', { ...clerkEnv, CLERK_PORT: String(portB), CLERK_ID: 'clerk-b' }, `http://127.0.0.1:${portB}/healthz`),
      ])),
    )
    base = `http://127.0.0.1:${proxyPort}`
    services.push(
      await spawnService(
        'proxy/main.js',
        { PROXY_PORT: String(proxyPort), ADMIN_TOKEN, PROXY_CLERKS: `clerk-a=http://127.0.0.1:${portA},clerk-b=http://127.0.0.1:${portB}` },
        `${base}/_lb/status`,
      ),
    )
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    await Promise.all(services.map((s) => s.stop()))
  })

  it('offers only what the proxy can do, says why, and kills through the clerk’s admin endpoint', async () => {
    const page = await browser!.newPage({ viewport: { width: 1920, height: 1080 } })
    page.setDefaultTimeout(UI_TIMEOUT_MS)
    await page.goto(`${base}/#token=${ADMIN_TOKEN}`)
    await page.locator('#launcher-state', { hasText: 'launcher: none' }).waitFor()
    await page.locator('.clerk-card[data-condition="healthy"]').nth(1).waitFor()
    expect(await page.locator('#chaos-note').textContent()).toContain('No launcher here')
    const card = page.locator('.clerk-card[data-clerk="clerk-b"]')
    for (const verb of ['Terminate', 'Pause', 'Resume', 'Revive']) {
      expect(await card.getByRole('button', { name: verb }).isDisabled()).toBe(true)
    }
    expect(await card.getByRole('button', { name: 'Kill' }).isEnabled()).toBe(true)

    await card.getByRole('button', { name: 'Kill' }).click()
    await page.locator('.event-log', { hasText: 'chaos: crash clerk-b' }).waitFor()
    await page.locator('.clerk-card[data-clerk="clerk-b"][data-condition="down"]').waitFor()
    expect(await say(column(page, 'stateless'), 'Ask the price')).toMatchObject({ status: '200', clerk: 'clerk-a' })
    await page.screenshot({ path: `${ARTIFACTS}08-without-launcher.png` })
  })
})

/** the names of the cookies this browser would send to the proxy (HttpOnly ones included), sorted */
async function cookieNames(context: BrowserContext, base: string): Promise<string[]> {
  const paths = ['/', '/stateful', '/shared', '/stateless']
  const cookies = await context.cookies(paths.map((p) => base + p))
  return [...new Set(cookies.map((c) => c.name))].sort()
}

async function setPolicy(col: Locator, policy: string): Promise<void> {
  const button = col.getByRole('button', { name: policy, exact: true })
  await button.click()
  await col.locator(`button[data-policy="${policy}"][aria-pressed="true"]`).waitFor()
}
