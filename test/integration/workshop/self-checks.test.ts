import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createChaosClient, type ChaosClient } from '../../../services/cluster/chaos-client.js'
import { waitFor } from '../../../services/common/wait-for.js'
import { Customer } from '../cluster/dialogue-client.js'
import { check, expectCheck, loadtest, resetCluster } from './learner-steps.js'
import { allClerksHealthy, startWorkshopCluster, type WorkshopCluster } from './workshop-cluster.js'

// Every self-check of `npm run workshop -- check N`, both ways, on a real cluster (npm start's:
// real redis-server, clerks, proxy, launcher): FAIL from a reset cluster where the learner has not
// done the step, PASS once the step is done as the exercise's page says. The tests run in order on
// one cluster; each starts with `npm run reset`.
let cluster: WorkshopCluster
let chaos: ChaosClient
let reports: string

beforeAll(async () => {
  cluster = await startWorkshopCluster('workshop-checks-token')
  chaos = createChaosClient({ proxyUrl: cluster.proxyUrl, adminToken: cluster.adminToken, timeoutMs: 30_000 })
  reports = mkdtempSync(join(tmpdir(), 'workshop-reports-'))
  await allClerksHealthy(cluster.proxyUrl)
}, 90_000)

afterAll(async () => {
  await cluster?.stop()
  if (reports) rmSync(reports, { recursive: true, force: true })
}, 30_000)

async function putPolicy(route: string, policy: string): Promise<void> {
  const res = await fetch(`${cluster.proxyUrl}/_lb/policy`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${cluster.adminToken}` },
    body: JSON.stringify({ route, policy }),
  })
  expect(res.status).toBe(200)
}

describe('npm run workshop', () => {
  it('lists every exercise with its page or the issue it waits for, and refuses an unknown one', async () => {
    const listed = await cluster.run('workshop/cli.js', ['list'])
    expect(listed.code).toBe(0)
    expect(listed.output).toContain('docs/workshop/exercises/01-three-modes.md')
    expect(listed.output).toContain('docs/workshop/exercises/17-mcp-stream.md') // the last row, once coming, has its page
    const unknown = await cluster.run('workshop/cli.js', ['check', '99'])
    expect(unknown.code).toBe(2)
  })

  it('1 three modes: FAIL before any dialogue is paid, PASS once each mode has one (the built CLI, token from the state file)', async () => {
    await resetCluster(cluster)
    // the learner's terminal: PROXY_PORT only, the token comes from the state file npm start wrote
    const before = await cluster.run('workshop/cli.js', ['check', '1'], { ADMIN_TOKEN: '' })
    expect(before.code, before.output).toBe(1)
    expect(before.output).toContain('FAIL')
    for (const mode of ['stateful', 'stateless'] as const) expect((await new Customer(cluster.proxyUrl).play(mode)).pay.status).toBe(200)
    await expectCheck(cluster, 1, 'FAIL') // shared not yet
    expect((await new Customer(cluster.proxyUrl).play('shared')).pay.status).toBe(200)
    const after = await cluster.run('workshop/cli.js', ['check', '1'], { ADMIN_TOKEN: '' })
    expect(after.code, after.output).toBe(0)
    expect(after.output).toMatch(/^PASS {2}exercise 1/)
    expect(after.output).toContain('stateful 1, stateless 1, shared 1')
  })

  it('2 round-robin: FAIL without a report and with a sticky one, PASS with stateful on round-robin', async () => {
    await resetCluster(cluster)
    const report = join(reports, '2.json')
    await expectCheck(cluster, 2, 'FAIL', '--json', report)
    await loadtest(cluster, '--mode', 'stateful', '--policy', 'sticky', '--customers', '10', '--duration', '2s', '--json', report)
    await expectCheck(cluster, 2, 'FAIL', '--json', report)
    await loadtest(cluster, '--mode', 'stateful', '--policy', 'round-robin', '--customers', '10', '--duration', '2s', '--json', report)
    const out = await expectCheck(cluster, 2, 'PASS', '--json', report, '--predicted', '67')
    expect(out).toContain('you predicted 67%')
  })

  it('3 pinned clerk: FAIL before the kill, PASS once a pinned customer was redispatched', async () => {
    await resetCluster(cluster)
    await expectCheck(cluster, 3, 'FAIL')
    const customer = new Customer(cluster.proxyUrl)
    const ask = await customer.post('/stateful/ask', { product: 'laptop' })
    expect(ask.status).toBe(200)
    const pinned = ask.clerk as string
    expect((await chaos.act('kill', pinned)).ok).toBe(true)
    const buy = await customer.post('/stateful/buy', { quantity: 2 })
    expect(buy.status).toBe(409) // "2 of what?": the clerk who takes over never met this customer
    await expectCheck(cluster, 3, 'PASS')
  })

  it('4 Redis down: FAIL while Redis runs, PASS once it is stopped', async () => {
    await resetCluster(cluster)
    await expectCheck(cluster, 4, 'FAIL')
    expect((await chaos.act('stop', 'redis')).ok).toBe(true)
    await expectCheck(cluster, 4, 'PASS')
  })

  it('5 pay twice: FAIL before, still FAIL with one paid key, PASS once the key is refused for another dialogue', async () => {
    await resetCluster(cluster)
    await expectCheck(cluster, 5, 'FAIL')
    const key = { 'idempotency-key': 'ws5-test' }
    const first = new Customer(cluster.proxyUrl)
    await first.post('/shared/ask', { product: 'laptop' })
    await first.post('/shared/buy', { quantity: 2 })
    const paid = await first.post('/shared/pay', { method: 'card' }, 10_000, key)
    const again = await first.post('/shared/pay', { method: 'card' }, 10_000, key)
    expect(paid.status).toBe(200)
    expect(again.body.replayed).toBe(true)
    await expectCheck(cluster, 5, 'FAIL')
    const second = new Customer(cluster.proxyUrl)
    await second.post('/shared/ask', { product: 'laptop' })
    await second.post('/shared/buy', { quantity: 3 })
    expect((await second.post('/shared/pay', { method: 'card' }, 10_000, key)).status).toBe(422)
    await expectCheck(cluster, 5, 'PASS')
  })

  it('6 keep-alive: FAIL without the comparison, PASS with it', async () => {
    await resetCluster(cluster)
    const report = join(reports, '6.json')
    await loadtest(cluster, '--mode', 'stateless', '--customers', '10', '--duration', '2s', '--json', report)
    await expectCheck(cluster, 6, 'FAIL', '--json', report) // a report, but no comparison
    await loadtest(cluster, '--mode', 'stateless', '--customers', '10', '--duration', '2s', '--compare-keepalive', '--json', report)
    const out = await expectCheck(cluster, 6, 'PASS', '--json', report)
    expect(out).toContain('Connection: close')
  })

  it('7 slow clerk: FAIL with the clerk slowed but round-robin, PASS on least-connections', async () => {
    await resetCluster(cluster)
    await expectCheck(cluster, 7, 'FAIL')
    expect((await chaos.act('slow', 'clerk-b', 300)).ok).toBe(true)
    await loadtest(cluster, '--mode', 'stateless', '--policy', 'round-robin', '--customers', '12', '--duration', '3s')
    await expectCheck(cluster, 7, 'FAIL')
    await resetCluster(cluster)
    expect((await chaos.act('slow', 'clerk-b', 300)).ok).toBe(true)
    await putPolicy('stateless', 'least-connections')
    await loadtest(cluster, '--mode', 'stateless', '--policy', 'least-connections', '--customers', '12', '--duration', '3s')
    await expectCheck(cluster, 7, 'PASS')
  })

  it('8 hung clerk: FAIL before the pause, PASS once the proxy has taken the paused clerk out', async () => {
    await resetCluster(cluster)
    await expectCheck(cluster, 8, 'FAIL')
    expect((await chaos.act('pause', 'clerk-b')).ok).toBe(true)
    await waitFor(async () => (await check(cluster, 8)).code === 0, { what: 'check 8 to pass', timeoutMs: 30_000, intervalMs: 250 })
    await expectCheck(cluster, 8, 'PASS')
    await resetCluster(cluster)
  })

  it('14 retry policy: FAIL with no clerk slowed, FAIL on the default per-try timeout, PASS once /stateless abandons the slow clerk', async () => {
    await resetCluster(cluster)
    await expectCheck(cluster, 14, 'FAIL')
    expect((await chaos.act('slow', 'clerk-b', 800)).ok).toBe(true)
    const asks = async () => {
      for (let i = 0; i < 6; i++) expect((await new Customer(cluster.proxyUrl).post('/stateless/ask', { product: 'laptop' })).status).toBe(200)
    }
    await asks()
    await expectCheck(cluster, 14, 'FAIL') // 800 ms is within the default 1 s: nothing retried
    const changed = await fetch(`${cluster.proxyUrl}/_lb/routes`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${cluster.adminToken}` },
      body: JSON.stringify({ prefix: '/stateless', perTryTimeoutMs: 300 }),
    })
    expect(changed.status).toBe(200)
    await asks()
    await expectCheck(cluster, 14, 'PASS')
    await resetCluster(cluster)
  })

  it('15 handoff: FAIL with no clerk stopped, FAIL when the stopped clerk held none of the dialogue, PASS once a terminated clerk’s dialogue was taken over', async () => {
    await resetCluster(cluster)
    const customer = new Customer(cluster.proxyUrl)
    const ask = await customer.post('/stateful/ask', { product: 'laptop' })
    expect(ask.status).toBe(200)
    expect((await customer.post('/stateful/buy', { quantity: 2 })).status).toBe(200)
    const pinned = ask.clerk as string
    await expectCheck(cluster, 15, 'FAIL')
    // terminating another clerk hands nothing of this dialogue over
    const other = ['clerk-a', 'clerk-b', 'clerk-c'].find((id) => id !== pinned) as string
    expect((await chaos.act('terminate', other)).ok).toBe(true)
    expect((await customer.post('/stateful/ask', { product: 'mouse' })).status).toBe(200)
    expect((await customer.post('/stateful/buy', { quantity: 1 })).status).toBe(200)
    await expectCheck(cluster, 15, 'FAIL')
    expect((await chaos.act('revive', other)).ok).toBe(true)
    await allClerksHealthy(cluster.proxyUrl)
    // the exercise's steps: terminate the pinned clerk, then pay
    expect((await chaos.act('terminate', pinned)).ok).toBe(true)
    const pay = await customer.post('/stateful/pay', { method: 'card' })
    expect(pay.status).toBe(200)
    expect(pay.clerk).not.toBe(pinned)
    // the proxy reads the claim on the taker's next health check
    await waitFor(async () => (await check(cluster, 15)).code === 0, { what: 'check 15 to pass', timeoutMs: 30_000, intervalMs: 250 })
    await expectCheck(cluster, 15, 'PASS')
    await resetCluster(cluster)
  })

  it('16 scale-out: FAIL with the clerks npm start began with, FAIL while the new clerk answered nobody, PASS once it took customers', async () => {
    await resetCluster(cluster)
    await expectCheck(cluster, 16, 'FAIL')
    // npm start's launcher adds clerks (the chaos client has add() only where one exists)
    const added = await chaos.add?.()
    expect(added?.ok).toBe(true)
    await allClerksHealthy(cluster.proxyUrl)
    const out = await expectCheck(cluster, 16, 'FAIL')
    expect(out).toContain('has answered nobody')
    // stateless round-robin: a dozen asks reach every clerk, the newcomer included
    for (let i = 0; i < 12; i++) expect((await new Customer(cluster.proxyUrl).post('/stateless/ask', { product: 'laptop' })).status).toBe(200)
    await waitFor(async () => (await check(cluster, 16)).code === 0, { what: 'check 16 to pass', timeoutMs: 30_000, intervalMs: 250 })
    await expectCheck(cluster, 16, 'PASS')
    expect((await chaos.act('remove', 'clerk-d')).ok).toBe(true)
    await resetCluster(cluster)
  })
})
