/**
 * The steps every load-test command takes around one run, in one place: get a cluster (a local
 * one, or --target), set the route's policy, wait for healthy clerks, note the ledger head and the
 * sockets in TIME_WAIT, run with live progress (stderr and the dashboard's /_lb/loadtest), then
 * reconcile with the ledger, summarize, and put the cluster back as it was (revive, resume,
 * unslow, Redis up) so the next run starts from the same state.
 *
 * @example
 *   const cluster = await openCluster({ clerks: 3 })
 *   try {
 *     const { summary } = await measuredRun(cluster, { mode: 'stateful', policy: 'sticky', customers: 20,
 *       durationMs: 9000, chaos: [parseChaosFlag('kill', 'clerk-b@33%')] })
 *   } finally { await cluster.close() }
 */
import { createChaosClient, type ChaosClient } from '../services/cluster/chaos-client.js'
import { resolveSchedule, type ChaosStep } from './chaos-schedule.js'
import type { PolicyName } from '../services/common/vocabulary.js'
import { createClusterApi, type ClusterApi } from './cluster-api.js'
import { readLoadtestEnvironment } from './environment.js'
import { isLoadtestError, LoadtestErrors } from './errors.js'
import { startLocalCluster, type LocalCluster } from './local-cluster.js'
import { fetchLedger, ledgerHead, reconcile, type ReconcileResult } from './reconcile.js'
import { createProgressPrinter } from './report-text.js'
import { runLoad, type RunLoadOptions, type RunResult } from './run-load.js'
import { summarize, type Summary } from './summarize.js'
import { readTimeWait, type TimeWaitCount } from './tcp-states.js'

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

/** the load's own options mean what they mean for runLoad (documented there) */
export interface MeasuredRunOptions
  extends Pick<RunLoadOptions, 'mode' | 'customers' | 'dialogues' | 'durationMs' | 'keepAlive' | 'pipelining' | 'timeoutSeconds'> {
  policy: PolicyName
  /** chaos as written on the command line; resolved against the cluster's clerks here */
  chaos?: readonly ChaosStep[]
  /** e.g. `stateful + sticky`; default from mode and policy */
  label?: string
  /** live progress line on stderr (default true) */
  progress?: boolean
}

export interface MeasuredRun {
  summary: Summary
  run: RunResult
  timeWaitBefore: TimeWaitCount | undefined
  timeWaitAfter: TimeWaitCount | undefined
}

export async function measuredRun(cluster: ClusterHandle, options: MeasuredRunOptions): Promise<MeasuredRun> {
  let policy: string = options.policy
  if (cluster.adminToken) {
    await cluster.api.setPolicy(options.mode, options.policy)
  } else {
    policy = (await cluster.api.status()).policies[options.mode] ?? 'unknown'
  }
  await waitForClerks(cluster)
  const label = options.label ?? (options.mode === 'stateful' ? `stateful + ${policy}` : options.mode)
  let head: number | undefined
  let reconcileError: string | undefined
  try {
    head = await ledgerHead(cluster.proxyUrl, cluster.adminToken)
  } catch (err) {
    reconcileError = `the ledger could not be read before the run: ${(err as Error).message}`
  }
  const chaos = resolveSchedule(options.chaos ?? [], options.durationMs)
  await assertChaosTargetsExist(cluster, chaos)
  const printer = options.progress === false ? undefined : createProgressPrinter()
  const timeWaitBefore = readTimeWait(cluster.proxyPort)
  let run: RunResult
  try {
    run = await runLoad({
      target: cluster.proxyUrl,
      mode: options.mode,
      customers: options.customers,
      dialogues: options.dialogues,
      durationMs: options.durationMs,
      keepAlive: options.keepAlive ?? true,
      pipelining: options.pipelining ?? 1,
      timeoutSeconds: options.timeoutSeconds ?? 10,
      chaos,
      chaosClient: cluster.chaos,
      adminToken: cluster.adminToken,
      onProgress(p) {
        printer?.update(label, p)
        void cluster.api.beat({
          running: true,
          mode: options.mode,
          policy,
          counts: { completed: p.counts.completed, context_lost: p.counts.context_lost, failed: p.counts.failed },
          dialoguesPerSec: p.dialoguesPerSec,
        })
      },
      onChaos(event) {
        printer?.done()
        process.stderr.write(`  chaos ${event.text}: ${event.ok ? 'done' : `FAILED (${event.error ?? event.status})`}\n`)
      },
    })
  } finally {
    printer?.done()
  }
  const timeWaitAfter = readTimeWait(cluster.proxyPort)
  await restoreCluster(cluster, options.chaos ?? [])
  let reconciled: ReconcileResult | undefined
  if (head !== undefined) {
    try {
      reconciled = reconcile(run.records, await fetchLedger(cluster.proxyUrl, cluster.adminToken, head), run.keyPrefix)
    } catch (err) {
      reconcileError = (err as Error).message
    }
  }
  const counts = run.records.reduce(
    (acc, r) => {
      if (r.outcome === 'completed' || r.outcome === 'context_lost' || r.outcome === 'failed') acc[r.outcome]++
      return acc
    },
    { completed: 0, context_lost: 0, failed: 0 },
  )
  void cluster.api.beat({ running: false, mode: options.mode, policy, counts, dialoguesPerSec: 0 })
  const summary = summarize(run, { label, policy, reconcile: reconciled, reconcileError })
  return { summary, run, timeWaitBefore, timeWaitAfter }
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
async function assertChaosTargetsExist(cluster: ClusterHandle, chaos: readonly ChaosStep[]): Promise<void> {
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
async function waitForClerks(cluster: ClusterHandle): Promise<void> {
  // a proxy that does not answer at all is said at once, not after the health deadlines
  try {
    await cluster.api.status()
  } catch (err) {
    if (isLoadtestError(err)) throw err
    throw new LoadtestErrors.LOADTEST_ERR_CLUSTER(
      `no proxy answers at ${cluster.proxyUrl} (${(err as Error).message}): start a cluster with \`npm start\` or check --target`,
    )
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
