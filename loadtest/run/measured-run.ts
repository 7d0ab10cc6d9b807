/**
 * The steps every load-test command takes around one run, in one place: set the route's policy,
 * wait for healthy clerks, note the ledger head and the sockets in TIME_WAIT, run with live
 * progress (stderr and the dashboard's /_lb/loadtest), then reconcile with the ledger, summarize,
 * and put the cluster back as it was (run/open-cluster.ts) so the next run starts from the same
 * state.
 *
 * @example
 *   const cluster = await openCluster({ clerks: 3 })
 *   try {
 *     const { summary } = await measuredRun(cluster, { mode: 'stateful', policy: 'sticky', customers: 20,
 *       durationMs: 9000, chaos: [parseChaosFlag('kill', 'clerk-b@33%')] })
 *   } finally { await cluster.close() }
 */
import type { PolicyName } from '../../services/common/vocabulary.js'
import { resolveSchedule, type ChaosStep } from '../args/chaos-flags.js'
import { ownCpuSeconds, readCpuSeconds } from '../analyze/proc-cpu.js'
import { reconcile, type ReconcileResult } from '../analyze/reconcile.js'
import { summarize, type Summary } from '../analyze/summarize.js'
import { readTimeWait, type TimeWaitCount } from '../analyze/tcp-states.js'
import { runMcpLoad, type McpRunCounts } from '../mcp/mcp-load.js'
import { mcpPolicy } from '../mcp/mcp-policy.js'
import { createProgressBar } from '../report/progress-bar.js'
import { runVerdict } from '../report/verdict.js'
import { fetchLedger, ledgerHead } from './ledger.js'
import { assertChaosTargetsExist, restoreCluster, waitForClerks, type ClusterHandle } from './open-cluster.js'
import type { LoadtestBeat } from './cluster-api.js'
import { runLoad, type RunLoadOptions, type RunResult } from './run-load.js'

/** the load's own options mean what they mean for runLoad (documented there) */
export interface MeasuredRunOptions extends Pick<
  RunLoadOptions,
  'mode' | 'customers' | 'dialogues' | 'durationMs' | 'keepAlive' | 'pipelining' | 'timeoutSeconds' | 'keys' | 'cookies' | 'items'
> {
  policy: PolicyName
  /** chaos as written on the command line; resolved against the cluster's clerks here */
  chaos?: readonly ChaosStep[]
  /** e.g. `stateful + sticky`; default from mode and policy */
  label?: string
  /** live progress line on stderr (default true) */
  progress?: boolean
  /** `mcp`: MCP customers (loadtest/mcp/mcp-load.ts) instead of HTTP ones; default http */
  protocol?: 'http' | 'mcp'
}

export interface MeasuredRun {
  summary: Summary
  run: RunResult
  timeWaitBefore: TimeWaitCount | undefined
  timeWaitAfter: TimeWaitCount | undefined
}

/** our proxy's count of dialogues handed over (`/_lb/status` counters.handoffs); undefined for another balancer */
async function proxyHandoffs(cluster: ClusterHandle): Promise<number | undefined> {
  if (!cluster.api.ours) return undefined
  try {
    return (await cluster.api.status()).counters?.handoffs
  } catch {
    return undefined
  }
}

export async function measuredRun(cluster: ClusterHandle, options: MeasuredRunOptions): Promise<MeasuredRun> {
  const mcp = options.protocol === 'mcp'
  // the proxy checks the name (an MCP run's mcp-session+… is one of its own)
  const wanted = (mcp ? mcpPolicy(options.policy) : options.policy) as PolicyName
  let policy: string = wanted
  // the route's policy before the run: put back after it (even when the run fails), so a run
  // leaves the cluster as it found it
  let policyBefore: string | undefined
  if (!cluster.api.ours) {
    policy = 'its own'
    process.stderr.write(`  policy: not set (${cluster.proxyUrl} is not our proxy; its own configuration balances the ${options.mode} route)\n`)
  } else if (cluster.adminToken) {
    policyBefore = (await cluster.api.status()).policies[options.mode]
    await cluster.api.setPolicy(options.mode, wanted)
  } else {
    policy = (await cluster.api.status()).policies[options.mode] ?? 'unknown'
  }
  try {
    return await runAndSummarize(cluster, options, policy)
  } finally {
    // the proxy checks the name; it is one the proxy itself reported
    if (policyBefore !== undefined && policyBefore !== wanted) await cluster.api.setPolicy(options.mode, policyBefore as PolicyName)
  }
}

async function runAndSummarize(cluster: ClusterHandle, options: MeasuredRunOptions, policy: string): Promise<MeasuredRun> {
  const mcp = options.protocol === 'mcp'
  const handoffsBefore = await proxyHandoffs(cluster)
  await waitForClerks(cluster)
  const label = (mcp ? 'MCP ' : '') + (options.label ?? (options.mode === 'stateful' ? `stateful + ${policy}` : options.mode))
  let head: number | undefined
  let reconcileError: string | undefined
  try {
    head = await ledgerHead(cluster.proxyUrl, cluster.adminToken)
  } catch (err) {
    reconcileError = `the ledger could not be read before the run: ${(err as Error).message}`
  }
  const chaos = resolveSchedule(options.chaos ?? [], options.durationMs)
  await assertChaosTargetsExist(cluster, chaos)
  const printer = options.progress === false ? undefined : createProgressBar({ label, durationMs: options.durationMs, dialogues: options.dialogues })
  const timeWaitBefore = readTimeWait(cluster.proxyPort)
  const cpuBefore = readClusterCpu(cluster)
  let run: RunResult & { mcp?: McpRunCounts }
  try {
    run = await (mcp ? runMcpLoad : runLoad)({
      target: cluster.proxyUrl,
      mode: options.mode,
      customers: options.customers,
      dialogues: options.dialogues,
      durationMs: options.durationMs,
      keepAlive: options.keepAlive ?? true,
      keys: options.keys ?? true,
      cookies: options.cookies ?? true,
      items: options.items ?? 1,
      pipelining: options.pipelining ?? 1,
      timeoutSeconds: options.timeoutSeconds ?? 10,
      chaos,
      chaosClient: cluster.chaos,
      adminToken: cluster.adminToken,
      onProgress(p) {
        printer?.update(p)
        void cluster.api.beat({
          running: true,
          mode: options.mode,
          policy,
          label,
          counts: { completed: p.counts.completed, context_lost: p.counts.context_lost, failed: p.counts.failed },
          dialoguesPerSec: p.dialoguesPerSec,
          elapsedMs: p.elapsedMs,
          ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}),
        })
      },
      onChaos(event) {
        const line = `  chaos ${event.text}: ${event.ok ? 'done' : `FAILED (${event.error ?? event.status})`}`
        if (printer) printer.log(line)
        else process.stderr.write(`${line}\n`)
      },
    })
  } finally {
    printer?.done()
  }
  const timeWaitAfter = readTimeWait(cluster.proxyPort)
  const cpuSeconds = cpuUsed(cpuBefore, readClusterCpu(cluster))
  await restoreCluster(cluster, options.chaos ?? [])
  let reconciled: ReconcileResult | undefined
  if (head !== undefined) {
    try {
      reconciled = reconcile(run.records, await fetchLedger(cluster.proxyUrl, cluster.adminToken, head), run.keys ? run.keyPrefix : undefined)
    } catch (err) {
      reconcileError = (err as Error).message
    }
  }
  const handoffsAfter = await proxyHandoffs(cluster)
  const proxyHandoffCount = handoffsBefore === undefined || handoffsAfter === undefined ? undefined : handoffsAfter - handoffsBefore
  const summary: MeasuredRun['summary'] = summarize(run, { label, policy, reconcile: reconciled, reconcileError, cpuSeconds, proxyHandoffs: proxyHandoffCount })
  if (run.mcp) summary.mcp = run.mcp
  // awaited: the process may exit right after, and a dropped last beat left the panel "running" forever
  await cluster.api.beat(finalBeat(summary))
  return { summary, run, timeWaitBefore, timeWaitAfter }
}

/** CPU seconds so far of the cluster's processes (only a cluster this process started has pids) and the load generator */
function readClusterCpu(cluster: ClusterHandle): Record<string, number> | undefined {
  if (!cluster.local) return undefined
  return { ...readCpuSeconds(cluster.local.pids()), loadgen: ownCpuSeconds() }
}

/** per process, what it spent between two readings (a process killed or revived meanwhile has none) */
function cpuUsed(before: Record<string, number> | undefined, after: Record<string, number> | undefined): Record<string, number> | undefined {
  if (!before || !after) return undefined
  const used: Record<string, number> = {}
  for (const [name, end] of Object.entries(after)) {
    const start = before[name]
    if (start !== undefined && end >= start) used[name] = end - start
  }
  return used
}

/** the dashboard's last word on a run: its counts and verdict, and where its report is when known */
export function finalBeat(summary: Summary, report?: string): LoadtestBeat {
  const { completed, context_lost, failed } = summary.dialogues
  const verdict = runVerdict(summary)
  return {
    running: false,
    mode: summary.mode,
    policy: summary.policy ?? 'unknown',
    label: summary.label,
    counts: { completed, context_lost, failed },
    dialoguesPerSec: summary.dialoguesPerSec,
    verdict: { headline: verdict.headline, tone: verdict.tone, lossRate: verdict.lossRate },
    ...(report !== undefined ? { report } : {}),
  }
}
