/**
 * A cluster to run load against, the same way for every command: a local one started for the run
 * (run/local-cluster.ts) or an already running one (--target, with ADMIN_TOKEN from the
 * environment), ready once every clerk is healthy; and, after a run with chaos, put back as it was
 * (revive, resume, unslow, Redis up) so the next run starts from the same state.
 *
 * @example
 *   const cluster = await openCluster({ clerks: 3 })
 *   try { … measuredRun(cluster, …) … } finally { await cluster.close() }
 */
import { createChaosClient, type ChaosClient } from '../../services/cluster/chaos-client.js'
import type { ChaosStep } from '../args/chaos-flags.js'
import { readLoadtestEnvironment } from '../args/environment.js'
import { isLoadtestError, LoadtestErrors } from '../errors.js'
import { createClusterApi, type ClusterApi } from './cluster-api.js'
import { startLocalCluster, type LocalCluster } from './local-cluster.js'

export interface ClusterHandle {
  readonly proxyUrl: string
  readonly proxyPort: number
  readonly adminToken: string | undefined
  readonly api: ClusterApi
  readonly chaos: ChaosClient
  /** set when this process started the cluster */
  readonly local: LocalCluster | undefined
  close(): Promise<void>
}

export interface OpenClusterOptions {
  /** an already running cluster's proxy; else a local one is started */
  target?: string | undefined
  clerks?: number
  env?: Record<string, string>
  log?: (line: string) => void
}

export async function openCluster(options: OpenClusterOptions): Promise<ClusterHandle> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  let local: LocalCluster | undefined
  let proxyUrl: string
  let adminToken: string | undefined
  if (options.target) {
    proxyUrl = options.target
    adminToken = readLoadtestEnvironment().adminToken
    if (!adminToken) log('ADMIN_TOKEN is not set: the policy stays as the cluster has it and chaos cannot run')
  } else {
    log(`starting a local cluster (${options.clerks ?? 3} clerks) …`)
    local = await startLocalCluster({ clerkCount: options.clerks ?? 3, ...(options.env ? { env: options.env } : {}) })
    proxyUrl = local.proxyUrl
    adminToken = local.adminToken
    log(`local cluster ready at ${proxyUrl}`)
  }
  const api = createClusterApi({ proxyUrl, adminToken })
  const handle: ClusterHandle = {
    proxyUrl,
    proxyPort: Number(new URL(proxyUrl).port || 80),
    adminToken,
    api,
    chaos: createChaosClient({ proxyUrl, adminToken }),
    local,
    async close() {
      await local?.stop()
    },
  }
  try {
    await waitForClerks(handle)
  } catch (err) {
    await handle.close()
    throw err
  }
  return handle
}

/**
 * Undoes what the chaos schedule did, so the next run (a matrix row, a test) starts with every
 * clerk alive, awake, fast, and Redis up. Needs the launcher (`/_cluster/status`); against a
 * cluster without one it only waits for health.
 */
export async function restoreCluster(cluster: ClusterHandle, chaos: readonly ChaosStep[]): Promise<void> {
  if (chaos.length === 0 || !cluster.adminToken) return
  const headers = { authorization: `Bearer ${cluster.adminToken}` }
  let status: { processes?: { id: string; kind: string; state: string; slowMs?: number }[]; redis?: { state: string } }
  try {
    const res = await fetch(`${cluster.proxyUrl}/_cluster/status`, { headers, signal: AbortSignal.timeout(5_000) })
    if (!res.ok) {
      await res.arrayBuffer()
      await waitForClerks(cluster).catch(() => undefined)
      return
    }
    status = (await res.json()) as typeof status
  } catch {
    return
  }
  const actions: Promise<unknown>[] = []
  if (status.redis?.state === 'stopped') actions.push(cluster.chaos.act('start', 'redis').catch(() => undefined))
  for (const p of status.processes ?? []) {
    if (p.kind !== 'clerk') continue
    if (p.state === 'dead' || p.state === 'stopped') actions.push(cluster.chaos.act('revive', p.id).catch(() => undefined))
    else if (p.state === 'paused') actions.push(cluster.chaos.act('resume', p.id).catch(() => undefined))
    if ((p.slowMs ?? 0) > 0) actions.push(cluster.chaos.act('slow', p.id, 0).catch(() => undefined))
  }
  await Promise.all(actions)
  await waitForClerks(cluster)
}

/** a chaos step naming a clerk the cluster does not have stops the run before it starts */
export async function assertChaosTargetsExist(cluster: ClusterHandle, chaos: readonly ChaosStep[]): Promise<void> {
  if (chaos.length === 0) return
  const ids = new Set((await cluster.api.status()).clerks.map((c) => c.id))
  const unknown = chaos.find((step) => step.target !== 'redis' && !ids.has(step.target))
  if (unknown !== undefined) {
    throw new LoadtestErrors.LOADTEST_ERR_BAD_CHAOS(`${unknown.text}: the cluster has no clerk "${unknown.target}" (it has ${[...ids].join(', ')})`)
  }
}

/**
 * Every clerk healthy before a run, so runs compare fairly. A cluster this process does not own
 * (--target) may have a clerk down for good: after the deadline the run goes on with those that
 * are healthy, and says so.
 */
export async function waitForClerks(cluster: ClusterHandle): Promise<void> {
  // a proxy that does not answer at all is said at once, not after the health deadlines
  try {
    await cluster.api.status()
  } catch (err) {
    if (isLoadtestError(err)) throw err
    throw new LoadtestErrors.LOADTEST_ERR_CLUSTER(`no proxy answers at ${cluster.proxyUrl} (${(err as Error).message}): start a cluster with \`npm start\` or check --target`)
  }
  try {
    await cluster.api.waitHealthy(undefined, 30_000)
  } catch (err) {
    if (cluster.local) throw err
    let status
    try {
      status = await cluster.api.waitHealthy(1, 10_000)
    } catch {
      throw new LoadtestErrors.LOADTEST_ERR_CLUSTER(`no clerk behind ${cluster.proxyUrl} became healthy within 40 s: see ${cluster.proxyUrl}/_lb/status`)
    }
    const down = status.clerks.filter((c) => !c.healthy).map((c) => c.id)
    process.stderr.write(`not every clerk is healthy (${down.join(', ')} down): running with the others\n`)
  }
}
