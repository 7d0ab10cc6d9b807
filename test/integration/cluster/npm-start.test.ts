import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createChaosClient, type ChaosClient } from '../../../services/cluster/chaos-client.js'
import type { ClusterStatus } from '../../../services/cluster/launcher.js'
import { readStateFile, stateFilePath } from '../../../services/cluster/state-file.js'
import { freePort } from '../../../services/common/free-port.js'
import { waitFor } from '../../../services/common/wait-for.js'
import { spawnService, type SpawnedService } from '../../helpers/spawn-service.js'
import { Customer } from './dialogue-client.js'
import { freePortRange } from '../../../services/common/free-port.js'

// `npm start` as a user runs it: `node dist/services/cluster/main.js` as a real process with a
// real redis-server, three real clerks and the real proxy; everything observed from outside
// (HTTP through the proxy port, pids, /proc). The tests run in order on one cluster.
const adminToken = 'npm-start-test-token'
let launcher: SpawnedService
let proxyPort: number
let proxyUrl: string
let chaos: ChaosClient
const seenPids = new Set<number>()

const root = fileURLToPath(new URL('../../../', import.meta.url))

/** runs a built script the way `npm run chaos` does; resolves with its exit code and output */
function runNode(args: string[], env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
      resolve({ code, output: stdout + stderr })
    })
  })
}

async function status(): Promise<ClusterStatus> {
  // pids and ports need the token (without it the launcher shows states only)
  const res = await fetch(`${proxyUrl}/_cluster/status`, {
    headers: { authorization: `Bearer ${adminToken}` },
    signal: AbortSignal.timeout(5_000),
  })
  expect(res.status).toBe(200)
  const body = (await res.json()) as ClusterStatus
  for (const p of body.processes) if (p.pid) seenPids.add(p.pid)
  if (body.redis.pid) seenPids.add(body.redis.pid)
  return body
}

async function clerk(id: string) {
  const found = (await status()).processes.find((p) => p.id === id)
  if (!found) throw new Error(`no ${id} in the status`)
  return found
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** the state letter of /proc/<pid>/stat: R running, S sleeping, T stopped (SIGSTOP) */
function procState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
}

async function readyz(port: number, timeoutMs = 2_000): Promise<Record<string, unknown>> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(timeoutMs) })
  return (await res.json()) as Record<string, unknown>
}

/** the proxy sees every clerk healthy (after a chaos action, before the next test relies on it) */
async function allClerksHealthy(): Promise<void> {
  await waitFor(
    async () => {
      const res = await fetch(`${proxyUrl}/_lb/status`, { signal: AbortSignal.timeout(2_000) })
      const body = (await res.json()) as { clerks: Array<{ healthy: boolean }> }
      return body.clerks.length === 3 && body.clerks.every((c) => c.healthy)
    },
    { what: 'every clerk healthy at the proxy', timeoutMs: 30_000, intervalMs: 100 },
  )
}

beforeAll(async () => {
  proxyPort = await freePortRange(4)
  proxyUrl = `http://127.0.0.1:${proxyPort}`
  launcher = await spawnService(
    'services/cluster/main.js',
    { PROXY_PORT: String(proxyPort), CLERK_COUNT: '3', ADMIN_TOKEN: adminToken, LOG_LEVEL: 'warn', CLUSTER_REDIS_THROWAWAY: '1' },
    undefined,
  )
  await waitFor(() => existsSync(stateFilePath(proxyPort)) || launcher.exited(), {
    what: 'npm start to write its state file',
    timeoutMs: 60_000,
    intervalMs: 100,
  }).catch((err: Error) => {
    throw new Error(`${err.message}\n--- launcher output ---\n${launcher.output()}`)
  })
  if (launcher.exited()) throw new Error(`the launcher exited:\n${launcher.output()}`)
  chaos = createChaosClient({ proxyUrl, adminToken, timeoutMs: 30_000 })
  await allClerksHealthy()
}, 90_000)

afterAll(async () => {
  if (launcher && !launcher.exited()) await launcher.signal('SIGTERM')
  // a failed test must not leave a clerk behind: anything this cluster ever ran goes
  for (const pid of seenPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL')
}, 30_000)

describe('npm start', () => {
  it('prints one banner with the dashboard link, the curl dialogue and the chaos commands', async () => {
    await waitFor(() => launcher.output().includes('Stop: Ctrl-C'), { what: 'the banner' })
    const out = launcher.output()
    expect(out).toContain(`http://localhost:${proxyPort}/#token=${adminToken}`)
    expect(out).toContain(`/stateful/ask`)
    expect(out).toContain(`PROXY_PORT=${proxyPort} npm run chaos -- kill clerk-b`)
  })

  it('writes the admin token, the launcher URL and the pids for the chaos command', async () => {
    const state = readStateFile(stateFilePath(proxyPort))
    expect(state?.adminToken).toBe(adminToken)
    expect(state?.launcherUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(state?.pids.launcher).toBe(launcher.pid)
    expect(Object.keys(state?.pids ?? {}).sort()).toEqual(['clerk-a', 'clerk-b', 'clerk-c', 'launcher', 'proxy', 'redis'])
  })

  it('runs three clerks on the ports after the proxy, a private Redis and the proxy', async () => {
    const s = await status()
    expect(s.processes.map((p) => [p.id, p.kind, p.port, p.state])).toEqual([
      ['clerk-a', 'clerk', proxyPort + 1, 'running'],
      ['clerk-b', 'clerk', proxyPort + 2, 'running'],
      ['clerk-c', 'clerk', proxyPort + 3, 'running'],
      ['proxy', 'proxy', proxyPort, 'running'],
    ])
    expect(s.redis).toMatchObject({ state: 'running', managed: true })
    for (const p of s.processes) expect(isAlive(p.pid as number)).toBe(true)
  })

  it.each(['stateful', 'stateless', 'shared'] as const)('plays the whole %s dialogue through the proxy port', async (mode) => {
    const { ask, buy, pay } = await new Customer(proxyUrl).play(mode)
    expect([ask.status, buy.status, pay.status]).toEqual([200, 200, 200])
    expect(ask.body.say).toBe('1,000,000 won.')
    expect(buy.body.say).toBe('2,000,000 won. Credit card or cash?')
    expect(pay.body.say).toBe('Payment of 2,000,000 won completed.')
    expect(pay.clerk).toMatch(/^clerk-[abc]$/)
  })

  it('kill: SIGKILLs the clerk, whose pid is gone, and leaves it down', async () => {
    const before = await clerk('clerk-b')
    const result = await chaos.act('kill', 'clerk-b')
    expect(result).toMatchObject({ ok: true, status: 200, via: 'launcher' })
    expect(isAlive(before.pid as number)).toBe(false)
    expect(await clerk('clerk-b')).toMatchObject({ state: 'dead', pid: null, restarts: 0 })
    await expect(readyz(before.port)).rejects.toThrow()
  })

  it('restarts a clerk that dies unexpectedly, while the one killed on purpose stays down', async () => {
    const victim = await clerk('clerk-c')
    process.kill(victim.pid as number, 'SIGKILL') // not through chaos: a crash
    const back = await waitFor(
      async () => {
        const c = await clerk('clerk-c')
        return c.state === 'running' && c.pid !== victim.pid ? c : undefined
      },
      { what: 'clerk-c restarted', timeoutMs: 30_000, intervalMs: 100 },
    )
    expect(back.restarts).toBe(1)
    expect((await readyz(back.port)).clerk).toBe('clerk-c')
    // the supervisor has been through a whole restart meanwhile: clerk-b was not brought back
    expect(await clerk('clerk-b')).toMatchObject({ state: 'dead', pid: null, restarts: 0 })
    expect(launcher.output()).toContain('clerk-c')
    expect(launcher.output()).toContain('died unexpectedly')
  })

  it('revive: starts the killed clerk again with the same id and port', async () => {
    const result = await chaos.act('revive', 'clerk-b')
    expect(result.ok).toBe(true)
    const revived = await clerk('clerk-b')
    expect(revived).toMatchObject({ state: 'running', port: proxyPort + 2 })
    expect(isAlive(revived.pid as number)).toBe(true)
    expect((await readyz(revived.port)).clerk).toBe('clerk-b')
    await allClerksHealthy()
  })

  it('refuses to revive a clerk that runs, with 409 and a sentence', async () => {
    const result = await chaos.act('revive', 'clerk-b')
    expect(result).toMatchObject({ ok: false, status: 409, body: { error: 'wrong_state' } })
  })

  it('pause: the clerk stops (state T) and its port hangs; resume: it answers again', async () => {
    const target = await clerk('clerk-a')
    expect((await chaos.act('pause', 'clerk-a')).ok).toBe(true)
    expect(procState(target.pid as number)).toBe('T')
    expect((await clerk('clerk-a')).state).toBe('paused')
    await expect(readyz(target.port, 500)).rejects.toThrow(/timeout|aborted/i)

    expect((await chaos.act('resume', 'clerk-a')).ok).toBe(true)
    expect(procState(target.pid as number)).not.toBe('T')
    expect((await readyz(target.port, 5_000)).clerk).toBe('clerk-a')
    expect((await clerk('clerk-a')).state).toBe('running')
    await allClerksHealthy()
  })

  it('slow: the clerk delays its answers by the given ms, and 0 undoes it', async () => {
    const target = await clerk('clerk-b')
    expect((await chaos.act('slow', 'clerk-b', 300)).ok).toBe(true)
    expect((await readyz(target.port)).slowMs).toBe(300)
    expect((await clerk('clerk-b')).slowMs).toBe(300)
    expect((await chaos.act('slow', 'clerk-b', 0)).ok).toBe(true)
    expect((await readyz(target.port)).slowMs).toBe(0)
  })

  it('terminate: SIGTERM, the clerk drains and exits cleanly, and stays down until revive', async () => {
    const target = await clerk('clerk-b')
    const result = await chaos.act('terminate', 'clerk-b')
    expect(result).toMatchObject({ ok: true, body: { exit: { code: 0, signal: null } } })
    expect(isAlive(target.pid as number)).toBe(false)
    expect(await clerk('clerk-b')).toMatchObject({ state: 'stopped', pid: null })
    expect((await chaos.act('revive', 'clerk-b')).ok).toBe(true)
    await allClerksHealthy()
  })

  it('redis stop: shared mode answers 503; redis start: it plays again', async () => {
    expect((await chaos.act('stop', 'redis')).ok).toBe(true)
    expect((await status()).redis.state).toBe('stopped')
    const during = await new Customer(proxyUrl).post('/shared/ask', { product: 'laptop' })
    expect(during.status).toBe(503)
    // stateful does not need Redis to answer
    expect((await new Customer(proxyUrl).post('/stateful/ask', { product: 'laptop' })).status).toBe(200)

    expect((await chaos.act('start', 'redis')).ok).toBe(true)
    expect((await status()).redis.state).toBe('running')
    await allClerksHealthy()
    const after = await waitFor(
      async () => {
        const r = await new Customer(proxyUrl).play('shared')
        return r.pay.status === 200 ? r : undefined
      },
      { what: 'a shared dialogue after Redis is back', timeoutMs: 30_000, intervalMs: 200 },
    )
    expect(after.pay.body.say).toBe('Payment of 2,000,000 won completed.')
  })

  it('redis kill: a crash the supervisor restarts, with the orders it had and shared dialogues carrying on', async () => {
    const customer = new Customer(proxyUrl)
    const { pay } = await customer.play('shared')
    const orderId = (pay.body.order as { id: string }).id
    const next = await new Customer(proxyUrl).post('/shared/ask', { product: 'mouse' })
    const before = (await status()).redis.pid as number
    const killed = await chaos.act('kill', 'redis')
    expect(killed).toMatchObject({ ok: true, status: 200 })
    expect(isAlive(before)).toBe(false)
    const back = await waitFor(
      async () => {
        const s = await status()
        return s.redis.state === 'running' && s.redis.pid !== before ? s : undefined
      },
      { what: 'the supervisor to restart redis-server', timeoutMs: 20_000 },
    )
    expect(back.redis.pid).not.toBe(before)
    const read = await waitFor(
      async () => {
        const res = await fetch(`${proxyUrl}/orders/${orderId}`, { signal: AbortSignal.timeout(5_000) })
        return res.status === 200 ? ((await res.json()) as { order: { id: string } }) : undefined
      },
      { what: 'the order after the restart', timeoutMs: 20_000, intervalMs: 200 },
    )
    expect(read.order.id).toBe(orderId)
    expect(next.status).toBe(200)
    expect(await (await fetch(`${proxyUrl}/_cluster/redis/kill`, { method: 'POST' })).json()).toMatchObject({ error: 'unauthorized' })
  })

  it('npm run chaos finds the cluster by PROXY_PORT and the token in the state file', async () => {
    const cli = (args: string[], port = proxyPort) => runNode(['dist/services/cluster/chaos-cli.js', ...args], { PROXY_PORT: String(port), ADMIN_TOKEN: '' })
    const slow = await cli(['slow', 'clerk-c', '25'])
    expect(slow.code, slow.output).toBe(0)
    expect(slow.output).toContain('slow clerk-c: every answer now waits 25 ms (via launcher)')
    expect((await clerk('clerk-c')).slowMs).toBe(25)
    const table = await cli(['status'])
    expect(table.code).toBe(0)
    expect(table.output).toMatch(/clerk-c\s+clerk\s+\d+\s+\d+\s+running\s+\d+\s+25/)
    const refused = await cli(['resume', 'clerk-c'])
    expect(refused.code).toBe(1)
    expect(refused.output).toContain('failed (HTTP 409 wrong_state): clerk-c is not paused')
    const nobody = await cli(['kill', 'clerk-b'], await freePort())
    expect(nobody.code).toBe(1)
    expect(nobody.output).toContain('no cluster answers on')
    const usage = await cli(['explode'])
    expect(usage.code).toBe(2)
    expect(usage.output).toContain('Usage: npm run chaos -- <command>')
    // the dashboard's policy switch, from a terminal (the workshop's pages use it)
    const roundRobin = await cli(['policy', 'stateful', 'round-robin'])
    expect(roundRobin.code, roundRobin.output).toBe(0)
    expect(roundRobin.output).toContain('policy stateful: round-robin (now stateful round-robin,')
    const proxyStatus = (await (await fetch(`${proxyUrl}/_lb/status`)).json()) as { policies: Record<string, string> }
    expect(proxyStatus.policies.stateful).toBe('round-robin')
    const unknown = await cli(['policy', 'stateful', 'random'])
    expect(unknown.code).toBe(1)
    expect(unknown.output).toMatch(/policy stateful random failed \(HTTP 400\): "policy" must be one of .*sticky/)
    expect((await cli(['policy', 'stateful', 'sticky'])).code).toBe(0)
  })

  it('answers chaos without the token with 401', async () => {
    const anonymous = createChaosClient({ proxyUrl })
    const result = await anonymous.act('kill', 'clerk-a')
    expect(result).toMatchObject({ ok: false, status: 401 })
    expect((await clerk('clerk-a')).state).toBe('running')
  })

  it('stops everything on SIGTERM, in order, leaving no process and no state file', async () => {
    const s = await status()
    const pids = [...s.processes.map((p) => p.pid as number), s.redis.pid as number]
    for (const pid of pids) expect(isAlive(pid)).toBe(true)
    const code = await launcher.signal('SIGTERM')
    expect(code).toBe(0)
    for (const pid of [...pids, ...seenPids]) expect(isAlive(pid), `pid ${pid}`).toBe(false)
    expect(existsSync(stateFilePath(proxyPort))).toBe(false)
    const out = launcher.output()
    expect(out.indexOf('proxy (pid')).toBeLessThan(out.lastIndexOf('clerk-a (pid'))
    expect(out).toContain('cluster stopped')
  })
})
