import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { reconcile } from '../../../loadtest/analyze/reconcile.js'
import { fetchLedger, ledgerHead } from '../../../loadtest/run/ledger.js'
import { runLoad } from '../../../loadtest/run/run-load.js'
import type { ClusterStatus } from '../../../services/cluster/launcher.js'
import { stateFilePath } from '../../../services/cluster/state-file.js'
import { freePortRange } from '../../../services/common/free-port.js'
import { waitFor } from '../../../services/common/wait-for.js'
import { spawnService, type SpawnedService } from '../../helpers/spawn-service.js'

// Issue 10, item 2: a SIGKILL of `npm start`'s private Redis under load used to lose thousands of
// confirmed orders (no persistence; the supervisor restarted it empty) and then reissue their ids.
// Here the real launcher runs with its own data directory, the load test's customers play whole
// shared dialogues through the real proxy, redis-server is SIGKILLed from outside in the middle,
// the supervisor restarts it, and the ledger is reconciled with what the customers were told.
const adminToken = 'redis-crash-test-token'
const dataDir = mkdtempSync(join(tmpdir(), 'clerk-cluster-redis-crash-'))
let proxyPort: number
let proxyUrl: string
let launcher: SpawnedService
const seenPids = new Set<number>()
let confirmedBeforeStop: { id: string; seq: number } | undefined

async function startLauncher(): Promise<SpawnedService> {
  const started = await spawnService(
    'services/cluster/main.js',
    { PROXY_PORT: String(proxyPort), CLERK_COUNT: '2', ADMIN_TOKEN: adminToken, LOG_LEVEL: 'warn', CLUSTER_REDIS_DATA_DIR: dataDir },
    undefined,
  )
  await waitFor(() => existsSync(stateFilePath(proxyPort)) || started.exited(), {
    what: 'npm start to write its state file',
    timeoutMs: 60_000,
    intervalMs: 100,
  })
  if (started.exited()) throw new Error(`the launcher exited:\n${started.output()}`)
  return started
}

async function status(): Promise<ClusterStatus> {
  const res = await fetch(`${proxyUrl}/_cluster/status`, { headers: { authorization: `Bearer ${adminToken}` }, signal: AbortSignal.timeout(5_000) })
  const body = (await res.json()) as ClusterStatus
  for (const p of body.processes) if (p.pid) seenPids.add(p.pid)
  if (body.redis.pid) seenPids.add(body.redis.pid)
  return body
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

beforeAll(async () => {
  proxyPort = await freePortRange(3)
  proxyUrl = `http://127.0.0.1:${proxyPort}`
  launcher = await startLauncher()
}, 90_000)

afterAll(async () => {
  if (launcher && !launcher.exited()) await launcher.signal('SIGTERM')
  for (const pid of seenPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL')
  rmSync(dataDir, { recursive: true, force: true })
}, 30_000)

describe("npm start's private Redis", () => {
  it('keeps an append-only file fsynced before every answer, under a memory cap that never evicts the ledger', async () => {
    const { url } = (await status()).redis
    const direct = new Redis(url as string, { maxRetriesPerRequest: 1 })
    try {
      const config = async (name: string) => ((await direct.config('GET', name)) as string[])[1]
      expect(await config('appendonly')).toBe('yes')
      expect(await config('appendfsync')).toBe('always')
      expect(await config('maxmemory-policy')).toBe('volatile-lru')
      expect(await config('maxmemory')).toBe(String(1024 ** 3))
      expect(await config('dir')).toBe(dataDir)
    } finally {
      direct.disconnect()
    }
  })

  it('loses no acknowledged order when redis-server is SIGKILLed under load, doubles none and reissues no id', async () => {
    const before = await status()
    const redisPid = before.redis.pid as number
    expect(before.redis.state).toBe('running')
    const head = await ledgerHead(proxyUrl, adminToken)
    // phase A: whole shared dialogues through the proxy; redis-server is SIGKILLed from outside
    // once 50 have completed, while the customers carry on (they meet 503s until it is back)
    let killedAt: number | undefined
    const crashRun = await runLoad({
      target: proxyUrl,
      mode: 'shared',
      customers: 8,
      durationMs: 8_000, // ms
      keyPrefix: `crash-${Date.now()}`,
      adminToken,
      onProgress(progress) {
        if (killedAt === undefined && progress.counts.completed >= 50) {
          killedAt = Date.now()
          process.kill(redisPid, 'SIGKILL')
        }
      },
    })
    expect(killedAt, 'the run never got to 50 dialogues').toBeDefined()

    // the supervisor, not the test, brings it back: another pid, with the data
    const after = await waitFor(
      async () => {
        const s = await status()
        return s.redis.state === 'running' && s.redis.pid !== redisPid ? s : undefined
      },
      { what: 'the supervisor to restart redis-server', timeoutMs: 30_000 },
    )
    expect(isAlive(redisPid)).toBe(false)
    expect(after.redis.pid).not.toBe(redisPid)

    // phase B: the same customers' dialogues after the restart
    const laterRun = await runLoad({ target: proxyUrl, mode: 'shared', customers: 8, dialogues: 200, keyPrefix: `after-${Date.now()}`, adminToken })

    const orders = await fetchLedger(proxyUrl, adminToken, head)
    const whole = await fetchLedger(proxyUrl, adminToken, 0)
    const byId = new Map(whole.map((o) => [o.id, o]))
    for (const run of [crashRun, laterRun]) {
      const completed = run.records.filter((r) => r.outcome === 'completed')
      const result = reconcile(run.records, orders, run.keyPrefix)
      expect(result.confirmed).toBe(completed.length)
      expect({ lost: result.lost, doubled: result.doubled, mismatched: result.mismatched }).toEqual({ lost: 0, doubled: 0, mismatched: 0 })
      // every confirmed id names exactly its customer's order
      for (const r of completed) expect(byId.get(r.orderId as string)?.idempotencyKey).toBe(r.idempotencyKey)
    }
    const confirmedBeforeCrash = crashRun.records.filter((r) => r.outcome === 'completed' && (r.endedAt ?? Infinity) < (killedAt as number))
    expect(confirmedBeforeCrash.length).toBeGreaterThanOrEqual(50)
    expect(laterRun.records.filter((r) => r.outcome === 'completed')).toHaveLength(200)
    // no id and no seq issued twice in the whole ledger
    expect(new Set(whole.map((o) => o.id)).size).toBe(whole.length)
    expect(new Set(whole.map((o) => o.seq)).size).toBe(whole.length)
    const lastOrder = byId.get(confirmedBeforeCrash.at(-1)?.orderId as string)
    if (lastOrder) confirmedBeforeStop = { id: lastOrder.id, seq: lastOrder.seq }
  }, 120_000)

  it('keeps the ledger in its data directory across a stop and a new npm start', async () => {
    expect(confirmedBeforeStop).toBeDefined()
    const kept = confirmedBeforeStop as { id: string; seq: number }
    const headBefore = await ledgerHead(proxyUrl, adminToken)
    expect(await launcher.signal('SIGTERM')).toBe(0)
    expect(readdirSync(dataDir)).toContain('appendonlydir') // the cluster is gone, its data is not
    launcher = await startLauncher()
    await status()
    const read = await fetch(`${proxyUrl}/orders/${kept.id}`, { signal: AbortSignal.timeout(5_000) })
    expect(read.status).toBe(200)
    expect(((await read.json()) as { order: { id: string } }).order.id).toBe(kept.id)
    expect(await ledgerHead(proxyUrl, adminToken)).toBe(headBefore)
  }, 90_000)
})
