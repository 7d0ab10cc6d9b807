import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createChaosClient, type ChaosClient } from '../../../services/cluster/chaos-client.js'
import { DEFAULT_POLICIES } from '../../../services/common/vocabulary.js'
import type { ProxyStatus } from '../../../proxy/state/status.js'
import { waitFor } from '../../../services/common/wait-for.js'
import { Customer } from '../cluster/dialogue-client.js'
import { allClerksHealthy, startWorkshopCluster, type WorkshopCluster } from './workshop-cluster.js'

// `npm run reset` (node dist/workshop/reset.js, as a process) on a real cluster broken every way
// the exercises break it: afterwards every clerk runs un-slowed, Redis runs, the policies are the
// start-up ones, nothing is drained, the counters are zero and the event stream said `reset`;
// the ledger is kept unless --ledger says otherwise.
let cluster: WorkshopCluster
let chaos: ChaosClient

beforeAll(async () => {
  cluster = await startWorkshopCluster('workshop-reset-token')
  chaos = createChaosClient({ proxyUrl: cluster.proxyUrl, adminToken: cluster.adminToken, timeoutMs: 30_000 })
  await allClerksHealthy(cluster.proxyUrl)
}, 90_000)

afterAll(async () => {
  await cluster?.stop()
}, 30_000)

const auth = () => ({ authorization: `Bearer ${cluster.adminToken}`, 'content-type': 'application/json' })

async function proxyStatus(): Promise<ProxyStatus> {
  return (await (await fetch(`${cluster.proxyUrl}/_lb/status`)).json()) as ProxyStatus
}

async function ordersInLedger(): Promise<number> {
  const res = await fetch(`${cluster.proxyUrl}/orders?after=0&limit=1000`, { headers: auth() })
  return ((await res.json()) as { orders: unknown[] }).orders.length
}

/** collects the proxy's event stream until stop() */
function listen(): { text: () => string; stop: () => void } {
  const abort = new AbortController()
  let text = ''
  void fetch(`${cluster.proxyUrl}/_lb/events`, { signal: abort.signal })
    .then(async (res) => {
      const decoder = new TextDecoder()
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true })
    })
    .catch(() => {})
  return { text: () => text, stop: () => abort.abort() }
}

async function breakEverything(): Promise<void> {
  expect((await new Customer(cluster.proxyUrl).play('shared')).pay.status).toBe(200)
  for (const [route, policy] of [
    ['stateful', 'round-robin'],
    ['shared', 'least-connections'],
  ]) {
    expect((await fetch(`${cluster.proxyUrl}/_lb/policy`, { method: 'PUT', headers: auth(), body: JSON.stringify({ route, policy }) })).status).toBe(200)
  }
  expect((await fetch(`${cluster.proxyUrl}/_lb/clerks/clerk-a/drain`, { method: 'POST', headers: auth() })).status).toBe(200)
  expect((await chaos.act('slow', 'clerk-a', 500)).ok).toBe(true)
  expect((await chaos.act('pause', 'clerk-b')).ok).toBe(true)
  expect((await chaos.act('kill', 'clerk-c')).ok).toBe(true)
  expect((await chaos.act('stop', 'redis')).ok).toBe(true)
}

describe('npm run reset', () => {
  it('puts a cluster broken every way back to its start and says so on the event stream, keeping the ledger', async () => {
    await breakEverything()
    const broken = await proxyStatus()
    expect(broken.counters.requests).toBeGreaterThan(0)
    expect(broken.policies.stateful).toBe('round-robin')

    const events = listen()
    try {
      await waitFor(() => events.text().includes('event: hello'), { what: 'the event stream to open' })
      const { code, output } = await cluster.run('workshop/reset.js', [])
      expect(code, output).toBe(0)
      await waitFor(() => events.text().includes('event: reset'), { what: 'the reset event', timeoutMs: 10_000 })
    } finally {
      events.stop()
    }

    const launcher = await cluster.clusterStatus()
    expect(launcher.redis.state).toBe('running')
    for (const p of launcher.processes) {
      expect(p.state, p.id).toBe('running')
      expect(p.slowMs, p.id).toBe(0)
    }
    const status = await proxyStatus()
    expect(status.policies).toEqual(DEFAULT_POLICIES)
    expect(status.clerks.every((c) => c.healthy && !c.drained)).toBe(true)
    expect(status.counters).toEqual({ requests: 0, errors: 0, retries: 0, redispatches: 0, handoffs: 0 })
    expect(await ordersInLedger()).toBe(1) // orders are facts: a plain reset keeps them
    // and the cluster works as at the start
    expect((await new Customer(cluster.proxyUrl).play('stateful')).pay.status).toBe(200)
  })

  it('empties the ledger only with --ledger', async () => {
    expect(await ordersInLedger()).toBeGreaterThan(0)
    const { code, output } = await cluster.run('workshop/reset.js', ['--ledger'])
    expect(code, output).toBe(0)
    expect(output).toMatch(/ledger cleared: \d+ orders removed/)
    expect(await ordersInLedger()).toBe(0)
    expect((await new Customer(cluster.proxyUrl).play('shared')).pay.status).toBe(200)
    expect(await ordersInLedger()).toBe(1)
  })

  it('refuses POST /_lb/reset without the admin token, changing nothing', async () => {
    await putPolicyRoundRobin()
    const res = await fetch(`${cluster.proxyUrl}/_lb/reset`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(res.status).toBe(401)
    expect((await proxyStatus()).policies.stateful).toBe('round-robin')
    const cleared = await fetch(`${cluster.proxyUrl}/_cluster/ledger/clear`, { method: 'POST' })
    expect(cleared.status).toBe(401)
    expect(await ordersInLedger()).toBe(1)
  })
})

async function putPolicyRoundRobin(): Promise<void> {
  const res = await fetch(`${cluster.proxyUrl}/_lb/policy`, { method: 'PUT', headers: auth(), body: JSON.stringify({ route: 'stateful', policy: 'round-robin' }) })
  expect(res.status).toBe(200)
}
