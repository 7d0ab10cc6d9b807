import '../services/common/supported-node.js'
import { existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { createAdminCall } from '../services/common/admin-call.js'
import { isMain } from '../services/common/is-main.js'
import { ConfigError, type Env } from '../services/common/options.js'
import { waitFor } from '../services/common/wait-for.js'
import { createChaosClient } from '../services/cluster/chaos-client.js'
import { ClusterUnreachable, launcherStatus, proxyStatus } from './cluster-reads.js'
import { readTarget, type WorkshopTarget } from './target.js'

/**
 * `npm run reset [-- --ledger]`: the cluster back to where every exercise starts. Every clerk
 * revived, resumed and un-slowed, Redis started (through npm start's launcher); then the proxy's
 * start-up policies back, every clerk undrained, every counter zero and one `reset` event on the
 * event stream (POST /_lb/reset), once every clerk is healthy again. The ledger is cleared only
 * when asked by name (--ledger): orders are facts, not exercise state. The exercises' reports
 * (reports/workshop/*.json) are moved aside, so that a self-check reads only what was measured
 * after this reset (a report left from a rehearsal would pass it before the step).
 */
export const RESET_USAGE = `Usage: npm run reset [-- --ledger]

Puts npm start's cluster (PROXY_PORT, default 8080) back to its start: clerks revived, resumed and
un-slowed, Redis started, routing policies back to the start-up ones, clerks undrained, the proxy's
counters zero (the dashboard logs the reset), and the exercises' reports in reports/workshop/
moved to reports/workshop/before-reset/<time>/. --ledger also empties the ledger (every order).`

const HEALTHY_TIMEOUT_MS = 30_000 // 30 s: a revived clerk needs two passed checks (about 2 s)

/** does the clerk on this loopback port say it reaches Redis? (its own /readyz, not the proxy's copy) */
async function clerkOnRedis(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) })
    return ((await res.json()) as { redis?: unknown }).redis === 'up'
  } catch {
    return false
  }
}

export async function resetCluster(target: WorkshopTarget, { ledger }: { ledger: boolean }, say: (line: string) => void): Promise<void> {
  if (!target.adminToken) throw new ConfigError('the reset needs the admin token: set ADMIN_TOKEN, or run it on the machine that runs npm start')
  const chaos = createChaosClient({ proxyUrl: target.proxyUrl, adminToken: target.adminToken, timeoutMs: 30_000 })
  const act = async (verb: Parameters<typeof chaos.act>[0], id: string, arg?: number) => {
    const result = await chaos.act(verb, id, arg)
    if (!result.ok) throw new Error(`${verb} ${id} failed (HTTP ${result.status}): ${JSON.stringify(result.body).slice(0, 300)}`)
    say(`${verb} ${id}`)
  }

  const launcher = await launcherStatus(target)
  if (launcher) {
    if (launcher.redis.managed && launcher.redis.state === 'stopped') await act('start', 'redis')
    for (const p of launcher.processes.filter((q) => q.kind === 'clerk')) {
      if (p.state === 'dead' || p.state === 'stopped') await act('revive', p.id)
      else if (p.state === 'paused') await act('resume', p.id)
      if (p.slowMs > 0 && p.state !== 'dead' && p.state !== 'stopped') await act('slow', p.id, 0) // a revived clerk starts at 0
    }
  } else {
    say('no launcher (not npm start): clerks and Redis are left as they are')
  }

  await waitFor(async () => (await proxyStatus(target)).clerks.every((c) => c.healthy), {
    what: 'every clerk healthy at the proxy',
    timeoutMs: HEALTHY_TIMEOUT_MS,
    intervalMs: 200,
  })
  // A clerk is ready (healthy) while Redis is down: stateful and stateless still work. When npm
  // start runs Redis, also wait until every clerk says it is connected again, asked directly (the
  // proxy's copy of /readyz may predate a Redis stop), or the next exercise's first shared step or
  // ledger read meets a 503
  if (launcher?.redis.managed === true) {
    const revived = (await launcherStatus(target)) ?? launcher
    const ports = revived.processes.filter((p) => p.kind === 'clerk' && p.state === 'running').map((p) => p.port)
    await waitFor(async () => (await Promise.all(ports.map(clerkOnRedis))).every(Boolean), {
      what: 'every clerk connected to Redis again',
      timeoutMs: HEALTHY_TIMEOUT_MS,
      intervalMs: 200,
    })
  }

  const admin = createAdminCall({ proxyUrl: target.proxyUrl, adminToken: target.adminToken, timeoutMs: 10_000 })
  if (ledger) {
    const cleared = await admin.call('POST', '/_cluster/ledger/clear', {})
    if (cleared.status !== 200) throw new Error(`the ledger was not cleared (HTTP ${cleared.status}): ${JSON.stringify(cleared.body).slice(0, 300)}`)
    say(`ledger cleared: ${(cleared.body as { orders: number }).orders} orders removed`)
  }
  const reset = await admin.call('POST', '/_lb/reset', { by: 'npm run reset' })
  if (reset.status !== 200) throw new Error(`the proxy did not reset (HTTP ${reset.status}): ${JSON.stringify(reset.body).slice(0, 300)}`)
  const { policies, undrained } = reset.body as { policies: Record<string, string>; undrained: string[] }
  if (undrained.length > 0) say(`undrained ${undrained.join(', ')}`)
  say(
    `policies: ${Object.entries(policies)
      .map(([route, name]) => `${route} ${name}`)
      .join(', ')}`,
  )
  say('counters zero; the dashboard logs the reset')
  const moved = moveReportsAside(target.reportsDir)
  if (moved) say(`${moved.count} exercise report(s) moved to ${moved.to}: the self-checks read only what you measure from now on`)
}

/** reports/workshop/*.json into reports/workshop/before-reset/<time>/; undefined when there were none */
export function moveReportsAside(reportsDir: string, now = new Date()): { count: number; to: string } | undefined {
  if (!existsSync(reportsDir)) return undefined
  const reports = readdirSync(reportsDir, { withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.json'))
  if (reports.length === 0) return undefined
  const to = join(reportsDir, 'before-reset', now.toISOString().replace(/[:.]/g, '-'))
  mkdirSync(to, { recursive: true })
  for (const report of reports) renameSync(join(reportsDir, report.name), join(to, report.name))
  return { count: reports.length, to }
}

export async function main(argv: readonly string[], env: Env, print = console.log): Promise<number> {
  if (argv.includes('--help')) {
    print(RESET_USAGE)
    return 0
  }
  const unknown = argv.filter((a) => a !== '--ledger')
  if (unknown.length > 0) {
    print(`reset: unknown option ${unknown.join(' ')}\n\n${RESET_USAGE}`)
    return 2
  }
  try {
    const target = readTarget(env)
    await resetCluster(target, { ledger: argv.includes('--ledger') }, (line) => print(`reset: ${line}`))
    print('reset: done, the cluster is as it started')
    return 0
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ClusterUnreachable) {
      print(`reset: ${err.message}`)
      return 2
    }
    print(`reset: ${(err as Error).message}`)
    return 1
  }
}

if (isMain(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2), process.env)
}
