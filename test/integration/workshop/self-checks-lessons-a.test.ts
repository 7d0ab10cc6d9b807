import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createChaosClient, type ChaosClient } from '../../../services/cluster/chaos-client.js'
import { expectCheck, loadtest, resetCluster, runBuilt } from './learner-steps.js'
import { allClerksHealthy, startWorkshopCluster, type WorkshopCluster } from './workshop-cluster.js'

// The self-checks of the lessons' exercises (9 carried bytes, 10 a cart per mode, 11 stickiness
// per connection), both ways, on a real cluster (npm start's: real redis-server, clerks, proxy,
// launcher): FAIL from a reset cluster where the learner has not done the step, PASS once the step
// is done as the exercise's page says. Every load is short and bounded (a few customers, 1-2 s or
// a few dozen dialogues). The tests run in order on one cluster; each starts with `npm run reset`.
let cluster: WorkshopCluster
let chaos: ChaosClient
let reports: string

beforeAll(async () => {
  cluster = await startWorkshopCluster('workshop-lessons-a-token')
  chaos = createChaosClient({ proxyUrl: cluster.proxyUrl, adminToken: cluster.adminToken, timeoutMs: 30_000 })
  reports = mkdtempSync(join(tmpdir(), 'workshop-lessons-a-'))
  await allClerksHealthy(cluster.proxyUrl)
}, 90_000)

afterAll(async () => {
  await cluster?.stop()
  if (reports) rmSync(reports, { recursive: true, force: true })
}, 30_000)

describe('the self-checks of the lessons’ exercises', () => {
  it('9 carried bytes: FAIL without a report, with a load-test report, run while Redis was down; PASS with the lesson’s rows', async () => {
    await resetCluster(cluster)
    const report = join(reports, '9.json')
    await expectCheck(cluster, 9, 'FAIL', '--json', report)
    await loadtest(cluster, '--mode', 'stateless', '--customers', '2', '--duration', '1s', '--json', report)
    expect(await expectCheck(cluster, 9, 'FAIL', '--json', report)).toContain('is not the rows of npm run lesson:carried-state')
    // the lesson run while Redis is down: no dialogue completes (every pay writes to the ledger), and the check says so
    expect((await chaos.act('stop', 'redis')).ok).toBe(true)
    await runBuilt(cluster, 'loadtest/lessons/carried-state.js', '--target', cluster.proxyUrl, '--dialogues', '2', '--out', report)
    expect(await expectCheck(cluster, 9, 'FAIL', '--json', report)).toMatch(/no dialogue completed with cookies on in: stateful \(pay 503 /)
    await resetCluster(cluster)
    await runBuilt(cluster, 'loadtest/lessons/carried-state.js', '--target', cluster.proxyUrl, '--dialogues', '2', '--out', report)
    const out = await expectCheck(cluster, 9, 'PASS', '--json', report, '--predicted', '25')
    expect(out).toMatch(/stateless sends \d+% more than stateful per dialogue/)
    expect(out).toContain('you predicted 25%')
    expect(out).toContain('cookies off, completed: stateful 0/2, stateless 2/2, shared 0/2')
  })

  it('10 cart: FAIL before anything, with the sweep but no cart paid, with carts in two modes of three, with a sweep of small carts only; PASS with both', async () => {
    await resetCluster(cluster)
    const sweep = join(reports, '10.json')
    await expectCheck(cluster, 10, 'FAIL', '--json', sweep)
    // bench:clerk runs its own clerks and Redis: the learner's cluster sees none of it
    await runBuilt(cluster, 'loadtest/bench/bench-clerk.js', '--items', '1,20', '--rounds', '1', '--duration', '1', '--warmup', '0', '--connections', '4', '--json', sweep)
    expect(await expectCheck(cluster, 10, 'FAIL', '--json', sweep)).toContain('no cart paid yet in: stateful, stateless, shared')
    for (const mode of ['stateful', 'stateless']) await loadtest(cluster, '--mode', mode, '--items', '5', '--customers', '2', '--duration', '1s')
    expect(await expectCheck(cluster, 10, 'FAIL', '--json', sweep)).toContain('no cart paid yet in: shared')
    await loadtest(cluster, '--mode', 'shared', '--items', '5', '--customers', '2', '--duration', '1s')
    const out = await expectCheck(cluster, 10, 'PASS', '--json', sweep, '--predicted', '20')
    expect(out).toMatch(/20 products: B per dialogue stateful \d+, stateless \d+, shared \d+/)
    expect(out).toContain('you predicted carrying to cost more from 20 products on')
    // the same sweep without its large carts says too little about the crossover
    const small = join(reports, '10-small.json')
    const whole = JSON.parse(readFileSync(sweep, 'utf8')) as { rows: Array<{ items: number }> }
    writeFileSync(small, JSON.stringify({ ...whole, rows: whole.rows.filter((r) => r.items === 1) }))
    expect(await expectCheck(cluster, 10, 'FAIL', '--json', small)).toContain('measure several sizes up to at least 20')
  })

  it('11 per-connection: FAIL without a report, kept alive only, on sticky; PASS kept alive against Connection: close', async () => {
    await resetCluster(cluster)
    const report = join(reports, '11.json')
    const bounded = ['--customers', '3', '--dialogues', '30', '--duration', '8s']
    await expectCheck(cluster, 11, 'FAIL', '--json', report)
    await loadtest(cluster, '--mode', 'stateful', '--policy', 'per-connection', ...bounded, '--json', report)
    await expectCheck(cluster, 11, 'FAIL', '--json', report) // no run with Connection: close
    await loadtest(cluster, '--mode', 'stateful', '--policy', 'sticky', '--compare-keepalive', ...bounded, '--json', report)
    expect(await expectCheck(cluster, 11, 'FAIL', '--json', report)).toContain('it needs stateful on per-connection')
    await loadtest(cluster, '--mode', 'stateful', '--policy', 'per-connection', '--compare-keepalive', ...bounded, '--json', report)
    const out = await expectCheck(cluster, 11, 'PASS', '--json', report, '--predicted', '67')
    expect(out).toContain('you predicted 67% lost with Connection: close')
    // the run put the route's policy back: the learner's cluster is as the reset left it
    const status = (await (await fetch(`${cluster.proxyUrl}/_lb/status`)).json()) as { policies: Record<string, string> }
    expect(status.policies.stateful).toBe('sticky')
  })
})
