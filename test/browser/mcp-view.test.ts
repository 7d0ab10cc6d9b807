import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { SpawnedService } from '../helpers/spawn-service.js'
import { describeWithChromium, launchChromium } from './chromium.js'
import { everyClerkHealthy, startNpmStartCluster } from './npm-start-cluster.js'

// Issue 17: the dashboard's MCP view. Each card is an MCP client in the page (fetch + a stream
// reader, no SDK) talking Streamable HTTP through the proxy of a real `npm start` cluster; with
// "kill mid-pay" ticked, the clerk holding the pay's stream is SIGKILLed at its first event.

const ADMIN_TOKEN = 'mcp-view-e2e-token-0123456789'
const CLERK_COUNT = 3
const UI_TIMEOUT_MS = 30_000 // 30 s: a pay is 3 × 300 ms; a resume waits for the dead clerk's 1 s lease

describeWithChromium('the MCP view, against a real npm start cluster', () => {
  let cluster: SpawnedService | undefined
  let browser: Browser | undefined
  let page: Page
  let base = ''

  beforeAll(async () => {
    ;({ service: cluster, base } = await startNpmStartCluster(CLERK_COUNT, ADMIN_TOKEN))
    browser = await launchChromium()
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
    page.setDefaultTimeout(UI_TIMEOUT_MS)
    await page.goto(`${base}/?view=detailed#token=${ADMIN_TOKEN}`)
    await page.locator('#mcp [data-mcp-mode="shared"]').waitFor()
  })

  afterAll(async () => {
    await browser?.close()
    if (cluster && !cluster.exited()) {
      await Promise.race([cluster.signal('SIGTERM'), new Promise((resolve) => setTimeout(resolve, 15_000).unref())])
      await cluster.stop()
    }
  })

  /** plays one dialogue on the mode's card; resolves its dataset once it has an outcome */
  async function play(mode: string, killMidPay: boolean): Promise<Record<string, string>> {
    const card = page.locator(`#mcp [data-mcp-mode="${mode}"]`)
    await card.locator('.mcp-kill').setChecked(killMidPay)
    await card.getByRole('button', { name: 'Play a dialogue' }).click()
    await card.locator('xpath=self::*[@data-outcome]').waitFor()
    return dataset(card)
  }

  async function reviveEveryClerk(): Promise<void> {
    const status = (await (await fetch(`${base}/_cluster/status`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as {
      processes: { id: string; kind: string; state: string }[]
    }
    for (const p of status.processes.filter((p) => p.kind === 'clerk' && p.state !== 'running')) {
      await fetch(`${base}/_cluster/clerks/${p.id}/revive`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{}' })
    }
    await everyClerkHealthy(base, CLERK_COUNT)
  }

  it('is hidden in the presenter view (one screen), shown in the detailed one', async () => {
    expect(await page.locator('#mcp').isVisible()).toBe(true)
    await page.locator('#view-toggle').click()
    await expect.poll(() => page.locator('#mcp').isVisible()).toBe(false)
    await page.locator('#view-toggle').click()
    await expect.poll(() => page.locator('#mcp').isVisible()).toBe(true)
  })

  it('stateless: a whole dialogue with three progress events, no session id', async () => {
    const end = await play('stateless', false)
    expect(end).toMatchObject({ outcome: 'completed', progress: '1,2,3' })
    await expect.poll(() => page.locator('#mcp [data-mcp-mode="stateless"] .mcp-session').textContent()).toBe('none (stateless)')
  })

  it('shared: the clerk holding the stream is killed mid-pay; the stream resumes on another clerk, every event once', async () => {
    const end = await play('shared', true)
    expect(end.outcome, end.said).toBe('resumed')
    expect(end.resumedOn).toMatch(/^clerk-[a-c]$/)
    expect(end.resumedOn).not.toBe(end.streamClerk)
    expect(end.progress).toBe('1,2,3')
    const card = page.locator('#mcp [data-mcp-mode="shared"]')
    expect(await card.locator('.mcp-session').textContent()).toMatch(/^[A-Za-z0-9_-]{16}\.[0-9a-f-]{36}$/)
    expect(await card.locator('.mcp-outcome').textContent()).toContain(`resumed on ${end.resumedOn}`)
    await reviveEveryClerk()
  })

  it('stateful: the clerk holding the session is killed mid-pay; the session is lost (404)', async () => {
    const end = await play('stateful', true)
    expect(end.outcome, end.said).toBe('session_lost')
    expect(await page.locator('#mcp [data-mcp-mode="stateful"] .mcp-outcome').textContent()).toContain(`session lost: ${end.streamClerk}`)
    await reviveEveryClerk()
  })
})

/** the card's outcome attributes, and what it said (for a failure's message) */
async function dataset(card: Locator): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const key of ['outcome', 'stream-clerk', 'resumed-on', 'progress']) {
    const value = await card.getAttribute(`data-${key}`)
    if (value !== null) out[key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = value
  }
  out.said = [...(await card.locator('.mcp-events li').allTextContents()), (await card.locator('.mcp-outcome').textContent()) ?? ''].join(' | ')
  return out
}
