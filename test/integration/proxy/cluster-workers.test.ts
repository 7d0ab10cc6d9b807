import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../../../services/common/wait-for.js'
import { admin, lbStatus, startRealCluster, waitForHealth, type RealCluster } from './real-cluster.js'

/** one request on a fresh connection, so node:cluster hands it to any worker */
function fresh(base: string, method: string, path: string, body?: unknown, cookie?: string) {
  return new Promise<{ status: number; clerk: string | undefined; setCookie: string[]; json: Record<string, unknown> }>((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const req = request(
      new URL(path, base),
      {
        method,
        agent: false,
        headers: {
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          ...(cookie ? { cookie } : {}),
        },
        timeout: 10_000,
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (text += c))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            clerk: res.headers['x-clerk'] as string | undefined,
            setCookie: res.headers['set-cookie'] ?? [],
            json: JSON.parse(text || '{}') as Record<string, unknown>,
          }),
        )
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}

describe('the proxy with PROXY_WORKERS=2 (node:cluster)', () => {
  let cluster: RealCluster
  let base: string

  beforeAll(async () => {
    cluster = await startRealCluster(3, { PROXY_WORKERS: '2', PROXY_HEALTH_TIMEOUT_MS: '500' })
    base = cluster.base
  })
  afterAll(async () => {
    await cluster?.stop()
  })

  it('shows one truth from every worker: workers and counters add up', async () => {
    expect((await lbStatus(base)).workers).toBe(2)
    const before = (await lbStatus(base)).counters.requests
    for (let i = 0; i < 20; i++) expect((await fresh(base, 'POST', '/stateless/ask', { product: 'laptop' })).status).toBe(200)
    await waitFor(async () => (await lbStatus(base)).counters.requests >= before + 20, { what: 'the workers to report 20 requests' })
  })

  it('routes a sticky cookie to the same clerk whichever worker reads it', async () => {
    const ask = await fresh(base, 'POST', '/stateful/ask', { product: 'laptop' })
    const cookie = ask.setCookie.map((c) => c.split(';')[0]).join('; ')
    expect(cookie).toMatch(/lb_clerk=/)
    const clerks = new Set<string | undefined>()
    for (let i = 0; i < 8; i++) {
      const buy = await fresh(base, 'POST', '/stateful/buy', { quantity: 1 }, cookie)
      expect(buy.status).toBe(200)
      clerks.add(buy.clerk)
    }
    expect([...clerks]).toEqual([ask.clerk])
  })

  it('applies a policy change made through one worker in every worker', async () => {
    await admin(base, 'PUT', '/_lb/policy', { route: 'stateful', policy: 'round-robin' })
    try {
      await waitFor(async () => (await lbStatus(base)).policies.stateful === 'round-robin', { what: 'the policy change' })
      const answers = []
      for (let i = 0; i < 8; i++) answers.push(await fresh(base, 'POST', '/stateful/ask', { product: 'laptop' }))
      expect(answers.every((a) => !a.setCookie.some((c) => c.startsWith('lb_clerk=')))).toBe(true)
      expect(new Set(answers.map((a) => a.clerk)).size).toBeGreaterThan(1)
    } finally {
      await admin(base, 'PUT', '/_lb/policy', { route: 'stateful', policy: 'sticky' })
    }
  })

  it('sees a killed clerk ejected and redispatches its sticky customers from any worker', async () => {
    let cookie = ''
    let pinned = ''
    for (let i = 0; i < 6 && pinned !== 'clerk-b'; i++) {
      const ask = await fresh(base, 'POST', '/stateful/ask', { product: 'laptop' })
      pinned = ask.clerk ?? ''
      cookie = ask.setCookie.map((c) => c.split(';')[0]).join('; ')
    }
    expect(pinned).toBe('clerk-b')
    await cluster.clerks.find((c) => c.id === 'clerk-b')!.service.signal('SIGKILL')
    const buy = await fresh(base, 'POST', '/stateful/buy', { quantity: 2 }, cookie)
    expect(buy.status).toBe(409)
    expect(buy.json.error).toBe('context_lost')
    await waitForHealth(base, 'clerk-b', false)
    await waitFor(async () => ((await lbStatus(base)).counters.redispatches ?? 0) >= 1, { what: 'the redispatch to be counted' })
    await cluster.restartClerk('clerk-b')
    await waitForHealth(base, 'clerk-b', true)
  })

  it("streams the primary's events from any worker: hello with the status, then a policy change", async () => {
    const controller = new AbortController()
    const res = await fetch(`${base}/_lb/events`, { signal: controller.signal })
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let text = ''
    const next = async (type: string) =>
      waitFor(
        async () => {
          const { value, done } = await reader.read()
          if (done) throw new Error('stream ended')
          text += decoder.decode(value, { stream: true })
          // the history the stream replays after hello (`replayed: true`) is not what this test waits for
          for (let at = text.indexOf(`event: ${type}\n`); at !== -1; at = text.indexOf(`event: ${type}\n`)) {
            const line = text.slice(at).split('\n')[1] ?? ''
            if (!line.startsWith('data: ')) return undefined // the rest of this event is still on its way
            text = text.slice(at + 1)
            const event = JSON.parse(line.slice('data: '.length)) as Record<string, unknown>
            if (event.replayed !== true) return event
          }
          return undefined
        },
        { what: `a ${type} event`, intervalMs: 0 },
      )
    try {
      const hello = await next('hello')
      expect(hello).toMatchObject({ type: 'hello', workers: 2 })
      await admin(base, 'PUT', '/_lb/policy', { route: 'shared', policy: 'least-connections' })
      expect(await next('policy')).toMatchObject({ route: 'shared', policy: 'least-connections' })
      expect(await next('stats')).toHaveProperty('clerks')
    } finally {
      controller.abort()
      await admin(base, 'PUT', '/_lb/policy', { route: 'shared', policy: 'round-robin' })
    }
  })

  it('exits 0 on SIGTERM', async () => {
    expect(await cluster.proxy.signal('SIGTERM')).toBe(0)
  })
})
