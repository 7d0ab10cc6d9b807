import { execFile } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { projectRoot } from '../../services/common/project-root.js'
import type { SpawnedService } from '../helpers/spawn-service.js'
import { say } from './chat-column.js'
import { describeWithChromium, launchChromium } from './chromium.js'
import { startNpmStartCluster } from './npm-start-cluster.js'

// Issue 14: the presenter view, on the smallest screen a room is likely to have (1280×720): every
// control of README's "things to try" and the cluster strip on one screen without scrolling; the
// stateful round-robin lesson on the chart (the proxy counts context_lost); a reload that keeps the
// history; a `--target` load test that ends with a verdict card and puts the policy back. A real
// `npm start` cluster; screenshots in test-artifacts/presenter/ for a person.

const ADMIN_TOKEN = 'presenter-e2e-token-0123456789'
const CLERK_COUNT = 3
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/presenter/', import.meta.url))
const UI_TIMEOUT_MS = 20_000 // 20 s: a stats event is 1 s; the rest is margin for a busy machine
const SCREEN = { width: 1280, height: 720 }

describeWithChromium('the presenter view at 1280×720, against a real npm start cluster', () => {
  let cluster: SpawnedService | undefined
  let browser: Browser | undefined
  let page: Page
  let base = ''

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true })
    ;({ service: cluster, base } = await startNpmStartCluster(CLERK_COUNT, ADMIN_TOKEN))
    browser = await launchChromium()
    page = await (await browser.newContext({ viewport: SCREEN })).newPage()
    page.setDefaultTimeout(UI_TIMEOUT_MS)
    await page.goto(`${base}/#token=${ADMIN_TOKEN}`)
    await page.locator('#stream-state', { hasText: 'live' }).waitFor()
    await page
      .locator('.clerk-card[data-condition="healthy"]')
      .nth(CLERK_COUNT - 1)
      .waitFor()
  })

  afterAll(async () => {
    await browser?.close()
    if (cluster && !cluster.exited()) {
      await Promise.race([cluster.signal('SIGTERM'), new Promise((resolve) => setTimeout(resolve, 15_000).unref())])
      await cluster.stop()
    }
  })

  it('is the default at 1280×720 and shows every control and the cluster strip without scrolling', async () => {
    expect(await page.locator('body').getAttribute('data-view')).toBe('presenter')
    // a string: the page's `document`, not a Node type
    const size = await page.evaluate<{ scrollWidth: number; scrollHeight: number; clientWidth: number; clientHeight: number }>(
      '({ scrollWidth: document.documentElement.scrollWidth, scrollHeight: document.documentElement.scrollHeight, clientWidth: document.documentElement.clientWidth, clientHeight: document.documentElement.clientHeight })',
    )
    // no scrollbars: the page is exactly one screen
    expect(size.scrollHeight).toBeLessThanOrEqual(size.clientHeight)
    expect(size.scrollWidth).toBeLessThanOrEqual(size.clientWidth)
    const controls: Locator[] = [page.locator('.redis-card').getByRole('button', { name: 'Stop Redis' }), page.locator('.redis-card').getByRole('button', { name: 'Start Redis' })]
    for (const mode of ['stateful', 'stateless', 'shared']) {
      const col = page.locator(`.chat-col[data-mode="${mode}"]`)
      for (const name of ['Ask the price', 'Buy', 'Pay by card', 'Pay cash', 'New customer', 'sticky', 'round-robin']) controls.push(col.getByRole('button', { name, exact: true }))
      controls.push(col.getByLabel('Product'), col.getByLabel('Quantity'), col.getByLabel('cookies off'), col.locator('canvas'))
    }
    for (const card of await page.locator('.clerk-card').all()) {
      for (const name of ['Kill', 'Revive', 'Pause', 'Resume']) controls.push(card.getByRole('button', { name, exact: true }))
      controls.push(card.locator('.state'))
    }
    controls.push(page.getByRole('button', { name: 'Add clerk' }), page.getByRole('button', { name: 'Routes' }), page.locator('#event-log'))
    for (const control of controls) await expectOnScreen(control)
    await page.screenshot({ path: `${ARTIFACTS}01-presenter-1280x720.png` })
  })

  it('shows a stateful round-robin run losing its context on the stateful chart and in the log', async () => {
    const col = page.locator('.chat-col[data-mode="stateful"]')
    await col.getByRole('button', { name: 'round-robin', exact: true }).click()
    await col.locator('button[data-policy="round-robin"][aria-pressed="true"]').waitFor()
    // a few dialogues: each buy lands on another clerk than its ask, who never heard of it
    for (let i = 0; i < 3; i++) {
      await say(col, 'Ask the price')
      expect((await say(col, 'Buy')).error).toBe('context_lost')
    }
    await page.locator('.chat-col[data-mode="stateful"]:not([data-context-lost="0"])[data-context-lost]').waitFor()
    expect(Number(await col.getAttribute('data-context-lost'))).toBeGreaterThanOrEqual(1)
    expect(await page.locator('.chat-col[data-mode="shared"]').getAttribute('data-context-lost')).toBe('0')
    await page.locator('#event-log', { hasText: '/stateful: context lost' }).waitFor()
    // the trail says who answered: a lost buy is marked
    expect(await col.locator('.trail-lost').count()).toBeGreaterThan(0)
    await page.screenshot({ path: `${ARTIFACTS}02-round-robin-context-lost.png` })
  })

  it('keeps the charts and the log over a reload: the proxy replays its last minutes', async () => {
    await page.reload()
    await page.locator('#stream-state', { hasText: 'live' }).waitFor()
    await page.locator('#event-log', { hasText: 'policy for /stateful is now round-robin' }).waitFor()
    await page.locator('.chat-col[data-mode="stateful"]:not([data-context-lost="0"])[data-context-lost]').waitFor()
    await page.screenshot({ path: `${ARTIFACTS}03-after-reload.png` })
  })

  it('plays the dialogue in every column from the keyboard, and switches the stateful policy with r', async () => {
    const before = await Promise.all(['stateful', 'stateless', 'shared'].map(async (m) => Number(await page.locator(`.chat-col[data-mode="${m}"]`).getAttribute('data-answers'))))
    await page.locator('body').click({ position: { x: 5, y: 5 } })
    await page.keyboard.press('a')
    for (const [i, m] of ['stateful', 'stateless', 'shared'].entries()) await page.locator(`.chat-col[data-mode="${m}"][data-answers="${before[i]! + 1}"]`).waitFor()
    const policy = await page.locator('.chat-col[data-mode="stateful"] button.seg[aria-pressed="true"]').getAttribute('data-policy')
    await page.keyboard.press('r')
    const next = policy === 'sticky' ? 'round-robin' : 'sticky'
    await page.locator(`.chat-col[data-mode="stateful"] button[data-policy="${next}"][aria-pressed="true"]`).waitFor()
  })
  it('follows a --target load test: progress while it runs, then a verdict card with its report; the policy is put back', async () => {
    const col = page.locator('.chat-col[data-mode="stateful"]')
    await col.getByRole('button', { name: 'sticky', exact: true }).click()
    await col.locator('button[data-policy="sticky"][aria-pressed="true"]').waitFor()
    // a short, bounded run (4 customers, 3 s) through this cluster's proxy, as a room would start it
    const run = promisify(execFile)(
      process.execPath,
      ['dist/loadtest/cli.js', '--target', base, '--mode', 'stateful', '--policy', 'round-robin', '--customers', '4', '--duration', '3s'],
      { cwd: projectRoot(import.meta.url), env: { ...process.env, ADMIN_TOKEN, NODE_ENV: 'test' }, timeout: 60_000 },
    )
    await page.locator('#loadtest-body[data-state="running"] [role="progressbar"]').waitFor()
    await col.locator('button[data-policy="round-robin"][aria-pressed="true"]').waitFor()
    const { stdout } = await run
    const verdict = page.locator('#loadtest-verdict')
    await verdict.waitFor()
    expect(await verdict.textContent()).toMatch(/^stateful \+ round-robin: \d+(\.\d)? % of dialogues lost \(context_lost\)/)
    expect(await verdict.getAttribute('class')).toMatch(/verdict-(bad|warn)/)
    expect(stdout).toMatch(/verdict: stateful \+ round-robin: .* lost \(context_lost\)/)
    // the card links the report the run wrote; the proxy serves it
    const href = await verdict.getByRole('link', { name: 'HTML report' }).getAttribute('href')
    expect(href).toMatch(/^\/dashboard\/reports\/loadtest-[\d-]+\.html$/)
    const report = await fetch(`${base}${href}`)
    expect(report.status).toBe(200)
    expect(await report.text()).toContain('% of dialogues lost')
    rmSync(`${projectRoot(import.meta.url)}/reports/${href!.split('/').pop()}`, { force: true })
    // the run set round-robin for itself and put sticky back
    const status = (await (await fetch(`${base}/_lb/status`)).json()) as { policies: Record<string, string> }
    expect(status.policies.stateful).toBe('sticky')
    await col.locator('button[data-policy="sticky"][aria-pressed="true"]').waitFor()
    await expectOnScreen(verdict)
    await page.screenshot({ path: `${ARTIFACTS}04-loadtest-verdict.png` })
  })
  it('turns cookies off per column: stateful and shared forget the customer at the second step, stateless goes on', async () => {
    for (const mode of ['stateful', 'stateless', 'shared']) {
      const col = page.locator(`.chat-col[data-mode="${mode}"]`)
      await col.getByRole('button', { name: 'sticky', exact: true }).click()
      await col.getByLabel('cookies off').check()
      await col.getByRole('button', { name: 'New customer', exact: true }).click()
      expect((await say(col, 'Ask the price')).status).toBe('200')
      const buy = await say(col, 'Buy')
      if (mode === 'stateless') expect(buy.status).toBe('200')
      else expect(buy).toMatchObject({ error: 'context_lost', reason: 'no_session' })
      await col.getByLabel('cookies off').uncheck()
    }
    await page.screenshot({ path: `${ARTIFACTS}05-cookies-off.png` })
  })

  it('shows the route table with retries and per-try timeouts per route', async () => {
    await page.getByRole('button', { name: 'Routes' }).click()
    const stateless = page.locator('#routes-panel tr[data-route="/stateless"]')
    await stateless.waitFor()
    expect(await stateless.textContent()).toMatch(/per-try-timeout.*\d.*1 s.*yes/)
    // a stateful pay's 503 goes back to the clerk that holds the dialogue, and the panel says so
    expect(await page.locator('#routes-panel tr[data-route="/stateful/pay"]').textContent()).toContain('503 (same clerk)')
    await page.screenshot({ path: `${ARTIFACTS}06-routes.png` })
    await page.getByRole('button', { name: 'Routes' }).click()
    await page.locator('#routes-panel').waitFor({ state: 'hidden' })
  })

  it('adds a clerk from the page: a new card turns healthy, and the strip still fits', async () => {
    await page.getByRole('button', { name: 'Add clerk' }).click()
    await page.locator('.clerk-card[data-condition="healthy"]').nth(CLERK_COUNT).waitFor({ timeout: 45_000 })
    for (const card of await page.locator('.clerk-card').all()) await expectOnScreen(card.getByRole('button', { name: 'Kill', exact: true }))
    await page.screenshot({ path: `${ARTIFACTS}07-added-clerk.png` })
  })

  it('leaves screenshots at three screen sizes and a phone for a person to look at', async () => {
    for (const [name, viewport] of [
      ['1280x720', { width: 1280, height: 720 }],
      ['1440x900', { width: 1440, height: 900 }],
      ['1920x1080', { width: 1920, height: 1080 }],
      ['phone-390x844', { width: 390, height: 844 }],
    ] as const) {
      await page.setViewportSize(viewport)
      await page.locator('#stream-state', { hasText: 'live' }).waitFor()
      await page.screenshot({ path: `${ARTIFACTS}size-${name}.png`, fullPage: name.startsWith('phone') })
    }
    await page.setViewportSize(SCREEN)
  })
})

/** inside the 1280×720 screen, whole, and not hidden */
async function expectOnScreen(control: Locator): Promise<void> {
  const name = control.toString()
  expect(await control.isVisible(), `${name} visible`).toBe(true)
  const box = await control.boundingBox()
  expect(box, `${name} has a box`).not.toBeNull()
  expect(box!.x, `${name} left`).toBeGreaterThanOrEqual(0)
  expect(box!.y, `${name} top`).toBeGreaterThanOrEqual(0)
  expect(box!.x + box!.width, `${name} right`).toBeLessThanOrEqual(SCREEN.width)
  expect(box!.y + box!.height, `${name} bottom`).toBeLessThanOrEqual(SCREEN.height)
}
