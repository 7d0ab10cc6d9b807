import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Customer, startRealCluster, waitForHealth, type RealCluster } from './real-cluster.js'

// The balancer's turn belongs to the requests the balancer places. A request the affinity pins
// (the sticky cookie names its clerk) takes no turn: otherwise three-step sticky dialogues, one
// after the other over three clerks, take three turns each and all start on the same clerk.

describe('the round-robin turn advances only when the balancer picks', () => {
  let cluster: RealCluster

  beforeAll(async () => {
    // checks that tolerate a busy machine: a clerk ejected mid-test would move the turns
    cluster = await startRealCluster(3, { PROXY_POLICY_STATEFUL: 'sticky', PROXY_HEALTH_INTERVAL_MS: '500', PROXY_HEALTH_TIMEOUT_MS: '2000', PROXY_HEALTH_FALL: '5' })
    for (const clerk of cluster.clerks) await waitForHealth(cluster.base, clerk.id, true)
  })
  afterAll(async () => {
    await cluster?.stop()
  })

  it('spreads sequential three-step sticky dialogues over the three clerks', async () => {
    const clerks: (string | null)[] = []
    for (let i = 0; i < 3; i++) {
      const customer = new Customer(cluster.base)
      const ask = await customer.post('/stateful/ask', { product: 'laptop' })
      const buy = await customer.post('/stateful/buy', { quantity: 1 })
      const pay = await customer.post('/stateful/pay', { method: 'card' })
      expect([ask.status, buy.status, pay.status]).toEqual([200, 200, 200])
      expect([buy.clerk, pay.clerk]).toEqual([ask.clerk, ask.clerk])
      clerks.push(ask.clerk)
    }
    expect(new Set(clerks)).toEqual(new Set(['clerk-a', 'clerk-b', 'clerk-c']))
  })
})
