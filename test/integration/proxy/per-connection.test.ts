import { Client } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lbStatus, startRealCluster, waitForHealth, type RealCluster } from './real-cluster.js'

// The per-connection policy (an L4 balancer's way: the connection, not the request, is balanced)
// in front of real clerks. A stateful dialogue on one kept-alive connection "works": every step
// reaches the clerk that holds it. The same dialogue over a new connection per step breaks at the
// second step: a kept-alive connection was never a session.

interface Step {
  status: number
  clerk: string | undefined
  setCookies: string[]
  json: Record<string, unknown>
}

async function post(client: Client, path: string, body: unknown, cookie: string | undefined, close = false): Promise<Step> {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (cookie !== undefined) headers.cookie = cookie
  if (close) headers.connection = 'close'
  const res = await client.request({ method: 'POST', path, headers, body: JSON.stringify(body) })
  const setCookie = res.headers['set-cookie']
  const setCookies = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie]
  const clerk = res.headers['x-clerk']
  return { status: res.statusCode, clerk: typeof clerk === 'string' ? clerk : undefined, setCookies, json: (await res.body.json()) as Record<string, unknown> }
}

/** the stateful session cookie a clerk handed out, as a Cookie header */
function sessionCookie(step: Step): string | undefined {
  const sid = step.setCookies.find((c) => c.startsWith('stateful_sid='))
  return sid?.split(';')[0]
}

describe('per-connection in front of real clerks', () => {
  let cluster: RealCluster

  beforeAll(async () => {
    // checks that tolerate a busy machine: a clerk ejected mid-test would move the connections
    cluster = await startRealCluster(3, { PROXY_POLICY_STATEFUL: 'per-connection', PROXY_HEALTH_INTERVAL_MS: '500', PROXY_HEALTH_TIMEOUT_MS: '2000', PROXY_HEALTH_FALL: '5' })
    for (const clerk of cluster.clerks) await waitForHealth(cluster.base, clerk.id, true)
  })
  afterAll(async () => {
    await cluster?.stop()
  })

  it('is read from the environment and shown by its name', async () => {
    expect((await lbStatus(cluster.base)).policies.stateful).toBe('per-connection')
  })

  it('keeps a kept-alive connection with its clerk: the stateful dialogue works, and hands out no lb_clerk cookie', async () => {
    const clerks: (string | undefined)[] = []
    for (let i = 0; i < 3; i++) {
      const client = new Client(cluster.base, { pipelining: 1 })
      try {
        const ask = await post(client, '/stateful/ask', { product: 'laptop' }, undefined)
        const cookie = sessionCookie(ask)
        const buy = await post(client, '/stateful/buy', { quantity: 1 }, cookie)
        const pay = await post(client, '/stateful/pay', { method: 'card' }, cookie)
        expect([ask.status, buy.status, pay.status]).toEqual([200, 200, 200])
        expect([buy.clerk, pay.clerk]).toEqual([ask.clerk, ask.clerk])
        expect(ask.setCookies.some((c) => c.startsWith('lb_clerk='))).toBe(false)
        clerks.push(ask.clerk)
      } finally {
        await client.close()
      }
    }
    // one new connection per customer, one turn each
    expect(new Set(clerks)).toEqual(new Set(['clerk-a', 'clerk-b', 'clerk-c']))
  })

  it('breaks the same dialogue when the customer opens a new connection: the second step meets a clerk that never heard of it', async () => {
    const first = new Client(cluster.base, { pipelining: 1 })
    const second = new Client(cluster.base, { pipelining: 1 })
    try {
      const ask = await post(first, '/stateful/ask', { product: 'laptop' }, undefined, true)
      const buy = await post(second, '/stateful/buy', { quantity: 1 }, sessionCookie(ask))
      expect(ask.status).toBe(200)
      expect(buy.clerk).not.toBe(ask.clerk) // a new connection is balanced anew: the next clerk's turn
      expect(buy).toMatchObject({ status: 409, json: { error: 'context_lost' } })
    } finally {
      await Promise.all([first.close(), second.close()])
    }
  })
})
