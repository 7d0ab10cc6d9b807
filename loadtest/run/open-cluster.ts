/**
 * A cluster to run load against, the same way for every command: a local one started for the run
 * (run/local-cluster.ts) or an already running one (--target, with ADMIN_TOKEN from the
 * environment), ready once every clerk is healthy; and, after a run with chaos, put back as it was
 * (revive, resume, unslow, Redis up) so the next run starts from the same state.
 *
 * A --target that is not our proxy (no `GET /_lb/status`: HAProxy, nginx, an ingress) is fine:
 * its clerks' status and the chaos then go where --cluster, --clerk or --orchestrator say
 * (services/cluster/chaos-backends.ts, run/foreign-cluster-api.ts), and nothing of `/_lb/*` is asked.
 *
 * @example
 *   const cluster = await openCluster({ clerks: 3 })
 *   try { … measuredRun(cluster, …) … } finally { await cluster.close() }
 */
import { localClusterToken } from '../../services/cluster/cluster-target.js'
import { chooseChaosBackend, type ChaosBackendName } from '../../services/cluster/chaos-backends.js'
import type { ChaosClient } from '../../services/cluster/chaos-client.js'
import { answersOk } from '../../services/common/answers-ok.js'
import type { ChaosStep, ResolvedChaosStep } from '../args/chaos-flags.js'
import { readLoadtestEnvironment } from '../args/environment.js'
import { isLoadtestError, LoadtestErrors } from '../errors.js'
import { createClusterApi, isOurProxy, type ClusterApi } from './cluster-api.js'
import { createForeignClusterApi } from './foreign-cluster-api.js'
import { startLocalCluster, type LocalCluster } from './local-cluster.js'

export interface ClusterHandle {
  readonly proxyUrl: string
  readonly proxyPort: number
  readonly adminToken: string | undefined
  readonly api: ClusterApi
  readonly chaos: ChaosClient
  /** which backend carries the chaos out (services/cluster/chaos-backends.ts) */
  readonly chaosBackend: ChaosBackendName
  /** npm start's launcher API, when there is one to put the cluster back after chaos */
  readonly launcherUrl: string | undefined
  /** set when this process started the cluster */
  readonly local: LocalCluster | undefined
  close(): Promise<void>
}

export interface OpenClusterOptions {
  /** an already running cluster's proxy; else a local one is started */
  target?: string | undefined
  /** --cluster: npm start's launcher API (its own URL, or our proxy's /_cluster/*) */
  clusterUrl?: string | undefined
  /** --clerk: clerk id → the clerk's own URL */
  clerkUrls?: Readonly<Record<string, string>> | undefined
  orchestrator?: 'kubernetes' | undefined
  /** --namespace for kubectl */
  namespace?: string | undefined
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
    adminToken = readLoadtestEnvironment().adminToken ?? localClusterToken(proxyUrl)
    if (!adminToken) log('ADMIN_TOKEN is not set: the policy stays as the cluster has it and chaos cannot run')
  } else {
    log(`starting a local cluster (${options.clerks ?? 3} clerks) …`)
    local = await startLocalCluster({ clerkCount: options.clerks ?? 3, ...(options.env ? { env: options.env } : {}) })
    proxyUrl = local.proxyUrl
    adminToken = local.adminToken
    log(`local cluster ready at ${proxyUrl}`)
  }
  const ours = local !== undefined || (await askIsOurProxy(proxyUrl))
  const api = ours
    ? createClusterApi({ proxyUrl, adminToken })
    : createForeignClusterApi({ targetUrl: proxyUrl, clusterUrl: options.clusterUrl, clerkUrls: options.clerkUrls, adminToken })
  if (options.clusterUrl !== undefined) await assertLauncher(options.clusterUrl, adminToken)
  const { name: chaosBackend, client: chaos } = chooseChaosBackend({
    proxyUrl,
    adminToken,
    clusterUrl: options.clusterUrl,
    clerkUrls: options.clerkUrls,
    orchestrator: options.orchestrator,
    kubectl: options.namespace === undefined ? {} : { namespace: options.namespace },
  })
  if (!ours) {
    log(
      `${proxyUrl} is not our proxy (no /_lb/status): its own balancing decides, and chaos goes through ${chaosBackend === 'proxy' ? 'nothing (give --cluster, --clerk or --orchestrator)' : chaosBackend}`,
    )
  }
  const handle: ClusterHandle = {
    proxyUrl,
    proxyPort: Number(new URL(proxyUrl).port || 80),
    adminToken,
    api,
    chaos,
    chaosBackend,
    launcherUrl: options.clusterUrl ?? (ours ? proxyUrl : undefined),
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

async function askIsOurProxy(url: string): Promise<boolean> {
  try {
    return await isOurProxy(url)
  } catch (err) {
    throw new LoadtestErrors.LOADTEST_ERR_CLUSTER(`no proxy answers at ${url} (${(err as Error).message}): start a cluster with \`npm start\` or check --target`)
  }
}

/** --cluster must be npm start's launcher (or our proxy in front of it): asked once, before the run */
async function assertLauncher(clusterUrl: string, adminToken: string | undefined): Promise<void> {
  const headers: Record<string, string> = adminToken ? { authorization: `Bearer ${adminToken}` } : {}
  const found = await answersOk(`${clusterUrl}/_cluster/status`, { headers, timeoutMs: 5_000 }).catch(() => false)
  if (!found) {
    throw new LoadtestErrors.LOADTEST_ERR_CLUSTER(
      `--cluster ${clusterUrl}: no launcher answers GET /_cluster/status there (give npm start's proxy URL, or the launcherUrl in $TMPDIR/clerk-cluster-$PROXY_PORT.json, and its ADMIN_TOKEN)`,
    )
  }
}

/**
 * Undoes what the chaos schedule did, so the next run (a matrix row, a test) starts with every
 * clerk alive, awake, fast, and Redis up. Needs the launcher (`/_cluster/status`); against a
 * cluster without one it only waits for health.
 */
export async function restoreCluster(cluster: ClusterHandle, chaos: readonly ChaosStep[]): Promise<void> {
  if (chaos.length === 0 || !cluster.adminToken) return
  if (cluster.chaosBackend === 'clerk-admin') {
    // a killed clerk cannot be revived through its own endpoints (whatever runs it may restart it); a slowed one can be unslowed
    const slowed = new Set(chaos.filter((s) => s.verb === 'slow').map((s) => s.target))
    await Promise.all([...slowed].map((id) => cluster.chaos.act('slow', id, 0).catch(() => undefined)))
    return
  }
  if (cluster.launcherUrl === undefined) return // Kubernetes replaces deleted pods itself
  const headers = { authorization: `Bearer ${cluster.adminToken}` }
  let status: { processes?: { id: string; kind: string; state: string; slowMs?: number }[]; redis?: { state: string } }
  try {
    const res = await fetch(`${cluster.launcherUrl}/_cluster/status`, { headers, signal: AbortSignal.timeout(5_000) })
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

/**
 * A chaos step the backend can never carry out, or naming a clerk the cluster does not have, stops
 * the run before it starts. A step after an --add-clerk may name the clerk the add will start
 * (the launcher picks the next free id); with no clerk list (Kubernetes) kubectl picks the pod
 * when the step fires.
 */
export async function assertChaosTargetsExist(cluster: ClusterHandle, chaos: readonly ResolvedChaosStep[]): Promise<void> {
  if (chaos.length === 0) return
  if (!cluster.api.ours && cluster.chaosBackend === 'proxy') {
    throw new LoadtestErrors.LOADTEST_ERR_BAD_CHAOS(
      `${chaos[0]?.text ?? 'chaos'}: ${cluster.proxyUrl} is not our proxy, so chaos needs to be told where to go: --cluster URL (npm start's launcher), --clerk ID=URL (each clerk) or --orchestrator kubernetes`,
    )
  }
  for (const step of chaos) {
    const refused = cluster.chaos.refusal?.(step.verb, step.target)
    if (refused !== undefined) throw new LoadtestErrors.LOADTEST_ERR_BAD_CHAOS(`${step.text}: ${refused}`)
  }
  const clerks = (await cluster.api.status()).clerks
  if (clerks.length === 0 && cluster.chaosBackend === 'kubectl') return
  const ids = new Set(clerks.map((c) => c.id))
  const firstAddMs = chaos.find((step) => step.verb === 'add')?.atMs ?? Infinity
  const unknown = chaos.find((step) => step.target !== 'redis' && step.target !== 'clerks' && !ids.has(step.target) && step.atMs <= firstAddMs)
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
