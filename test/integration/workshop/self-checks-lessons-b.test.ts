import { mkdtempSync, rmSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkMcpStream, MCP_REPORTS } from '../../../workshop/checks/mcp-stream.js'
import { readTarget } from '../../../workshop/target.js'
import { renderVerdict } from '../../../workshop/verdict.js'
import { expectCheck, loadtest, resetCluster, runBuilt } from './learner-steps.js'
import { allClerksHealthy, startWorkshopCluster, type WorkshopCluster } from './workshop-cluster.js'

// The self-checks of exercises 12 (TCP states), 13 (pipelining) and 17 (MCP streams), both ways,
// on a real cluster (npm start's: real redis-server, clerks, proxy, launcher): FAIL where the
// learner has not done the step, PASS once it is done as the exercise's page says, with the
// page's own commands (the built lesson and load-test CLIs). The tests run in order on one
// cluster; each starts with `npm run reset`.
let cluster: WorkshopCluster
let reports: string

beforeAll(async () => {
  cluster = await startWorkshopCluster('workshop-lessons-b-token')
  reports = mkdtempSync(join(tmpdir(), 'workshop-lessons-b-'))
  await allClerksHealthy(cluster.proxyUrl)
}, 90_000)

afterAll(async () => {
  await cluster?.stop()
  if (reports) rmSync(reports, { recursive: true, force: true })
}, 30_000)

/**
 * Step 4 of exercise 12: a customer asks with `Connection: close` and, once the proxy has answered
 * and closed, keeps its own end open (allowHalfOpen): its socket sits in CLOSE_WAIT.
 */
async function halfOpenCustomer(): Promise<Socket> {
  const port = Number(new URL(cluster.proxyUrl).port)
  const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => {
    socket.write('GET /_lb/status HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n')
  })
  socket.resume()
  await new Promise<void>((resolve, reject) => {
    socket.once('end', resolve) // the proxy's FIN has arrived: this end is in CLOSE_WAIT now
    socket.once('error', reject)
  })
  return socket
}

describe('npm run workshop, exercises 12, 13 and 17', () => {
  it('12 TCP states: FAIL without a snapshot and on a quiet cluster, FAIL with TIME_WAIT but nobody in CLOSE_WAIT, PASS with both', async () => {
    await resetCluster(cluster)
    const snapshot = join(reports, '12.json')
    const tcpStates = () => runBuilt(cluster, 'loadtest/lessons/tcp-states.js', '--once', '--target', cluster.proxyUrl, '--out', snapshot)
    await expectCheck(cluster, 12, 'FAIL', '--json', snapshot)
    await tcpStates()
    await expectCheck(cluster, 12, 'FAIL', '--json', snapshot) // nobody shopped: no TIME_WAIT to speak of
    await loadtest(cluster, '--mode', 'stateless', '--customers', '5', '--duration', '2s', '--keepalive', 'off')
    await tcpStates()
    const without = await expectCheck(cluster, 12, 'FAIL', '--json', snapshot)
    expect(without).toContain('no customer in CLOSE_WAIT')
    const customer = await halfOpenCustomer()
    try {
      await tcpStates()
      const out = await expectCheck(cluster, 12, 'PASS', '--json', snapshot)
      expect(out).toMatch(/CLOSE_WAIT: customer [1-9]/)
    } finally {
      customer.destroy()
    }
  })

  it('13 pipelining: FAIL without the lesson’s result and with another file, PASS after the lesson ran against the cluster', async () => {
    await resetCluster(cluster)
    const result = join(reports, '13.json')
    await expectCheck(cluster, 13, 'FAIL', '--json', result)
    await expectCheck(cluster, 13, 'FAIL', '--json', join(reports, '12.json')) // the previous exercise's snapshot is not it
    // the lesson slows a clerk itself (token from npm start's state file), and un-slows it after
    await runBuilt(cluster, 'loadtest/lessons/pipelining.js', '--target', cluster.proxyUrl, '--batches', '4', '--out', result)
    const out = await expectCheck(cluster, 13, 'PASS', '--json', result)
    expect(out).toContain('pipelined: ')
    expect((await cluster.clusterStatus()).processes.every((p) => !p.slowMs)).toBe(true)
  })

  it('17 MCP streams: FAIL without reports and with a shared run and no kill, PASS once a kill cost stateful sessions and shared none', async () => {
    await resetCluster(cluster)
    const ctx = { target: { ...readTarget(cluster.env), reportsDir: reports }, args: {} }
    const check17 = async (verdict: 'PASS' | 'FAIL') => {
      const result = await checkMcpStream(ctx)
      const out = renderVerdict(17, 'A stream is state: MCP over HTTP', result)
      expect(out.split('\n')[0], out).toMatch(new RegExp(`^${verdict}  exercise 17:`))
      return out
    }
    await check17('FAIL')
    const report = (design: keyof typeof MCP_REPORTS) => join(reports, MCP_REPORTS[design])
    await loadtest(cluster, '--protocol', 'mcp', '--mode', 'shared', '--customers', '4', '--duration', '2s', '--json', report('shared'))
    expect(await check17('FAIL')).toContain('killed no clerk')
    const withKill = ['--customers', '8', '--duration', '6s', '--kill', 'clerk-b@33%', '--revive', 'clerk-b@66%']
    await loadtest(cluster, '--protocol', 'mcp', '--mode', 'stateful', ...withKill, '--json', report('stateful'))
    await loadtest(cluster, '--protocol', 'mcp', '--mode', 'shared', ...withKill, '--json', report('shared'))
    const out = await check17('PASS')
    expect(out).toContain('MCP stateful')
    expect(out).toContain('MCP shared')
  }, 120_000)
})
