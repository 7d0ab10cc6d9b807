import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../../../services/common/wait-for.js'
import { Customer, admin, lbStatus, startRealCluster, type RealCluster } from './real-cluster.js'

// The sticky cookie combined with least-connections (issue 12): the affinity step comes first, so
// a customer stays with their clerk even when it is the busiest, and only customers who belong to
// no clerk are balanced by the requests in flight. Real clerks, a real Redis, the real proxy
// process; the policy is set from the environment at start, and changed with PUT /_lb/policy.

const SLOW_MS = 3_000 // clerk-a's answers, long enough for a few fast requests elsewhere meanwhile

describe('cookie+least-connections in front of real clerks', () => {
  let cluster: RealCluster
  let base: string

  beforeAll(async () => {
    cluster = await startRealCluster(3, { PROXY_POLICY_STATEFUL: 'cookie+least-connections', PROXY_UPSTREAM_TIMEOUT_MS: '10000', PROXY_HEALTH_TIMEOUT_MS: '500' })
    base = cluster.base
  })
  afterAll(async () => {
    await cluster?.stop()
  })

  it('is read from the environment and shown by its name', async () => {
    expect((await lbStatus(base)).policies.stateful).toBe('cookie+least-connections')
  })

  it('pins every new customer with a cookie and keeps them with their clerk through the dialogue', async () => {
    const customers = [new Customer(base), new Customer(base), new Customer(base)]
    const asks = []
    for (const c of customers) asks.push(await c.post('/stateful/ask', { product: 'laptop' }))
    // idle clerks tie, and ties take turns
    expect(new Set(asks.map((a) => a.clerk))).toEqual(new Set(['clerk-a', 'clerk-b', 'clerk-c']))
    for (const [i, c] of customers.entries()) {
      const ask = asks[i]!
      expect(ask.headers.getSetCookie().some((s) => s.startsWith('lb_clerk='))).toBe(true)
      const buy = await c.post('/stateful/buy', { quantity: 2 })
      const pay = await c.post('/stateful/pay', { method: 'card' })
      expect([ask.status, buy.status, pay.status]).toEqual([200, 200, 200])
      expect([buy.clerk, pay.clerk]).toEqual([ask.clerk, ask.clerk])
    }
  })

  it('sends new customers to the least busy clerks, and pinned customers to theirs even when it is the busiest', async () => {
    // two customers pinned to clerk-a, while every clerk is idle
    const pinnedToA: Customer[] = []
    for (let i = 0; i < 9 && pinnedToA.length < 2; i++) {
      const c = new Customer(base)
      if ((await c.post('/stateful/ask', { product: 'laptop' })).clerk === 'clerk-a') pinnedToA.push(c)
    }
    expect(pinnedToA).toHaveLength(2)
    expect((await admin(base, 'POST', '/_lb/clerks/clerk-a/slow', { ms: SLOW_MS })).status).toBe(200)
    try {
      // the first keeps clerk-a busy
      const first = pinnedToA[0]!.post('/stateful/buy', { quantity: 1 })
      await waitFor(async () => ((await lbStatus(base)).clerks.find((c) => c.id === 'clerk-a')?.inFlight ?? 0) >= 1, { what: 'a request in flight at clerk-a' })
      // new customers meanwhile: never the busy clerk
      const fresh: (string | null)[] = []
      for (let i = 0; i < 4; i++) fresh.push((await new Customer(base).post('/stateful/ask', { product: 'mouse' })).clerk)
      expect(new Set(fresh)).toEqual(new Set(['clerk-b', 'clerk-c']))
      // the second pinned customer: to clerk-a all the same, which knows them
      const second = await pinnedToA[1]!.post('/stateful/buy', { quantity: 3 })
      expect(second).toMatchObject({ status: 200, clerk: 'clerk-a' })
      expect(await first).toMatchObject({ status: 200, clerk: 'clerk-a' })
    } finally {
      await admin(base, 'POST', '/_lb/clerks/clerk-a/slow', { ms: 0 })
    }
  })

  it('is set with PUT /_lb/policy like any other, and cookie+round-robin is sticky', async () => {
    const put = await admin(base, 'PUT', '/_lb/policy', { route: 'stateful', policy: 'cookie+round-robin' })
    expect(put).toMatchObject({ status: 200, json: { stateful: 'sticky' } })
    const back = await admin(base, 'PUT', '/_lb/policy', { route: 'stateful', policy: 'cookie+least-connections' })
    expect(back).toMatchObject({ status: 200, json: { stateful: 'cookie+least-connections' } })
    const wrong = await admin(base, 'PUT', '/_lb/policy', { route: 'stateful', policy: 'sticky+least-connections' })
    expect(wrong.status).toBe(400)
    expect(String(wrong.json.message)).toContain('cookie+least-connections')
  })
})
