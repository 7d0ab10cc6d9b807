import '../common/supported-node.js'
import { isMain } from '../common/is-main.js'
import { ConfigError } from '../common/options.js'
import {
  CHAOS_VERBS,
  CLERK_VERBS,
  isClerkVerb,
  isRedisVerb,
  isRouteKey,
  MAX_SLOW_MS,
  REDIS_CHAOS,
  REDIS_VERBS,
  ROUTES,
  type ChaosVerb,
  type RouteKey,
} from '../common/vocabulary.js'
import { ChaosError, createChaosClient } from './chaos-client.js'
import { clusterTarget, clusterTargetOptions, type ClusterTargetSettings } from './cluster-target.js'
import type { ClusterStatus } from './launcher.js'
import type { PublicClusterStatus } from './public-status.js'
import { formatStatus } from './status-text.js'

/**
 * `npm run chaos -- kill clerk-b`: one chaos action against `npm start`'s cluster, through the
 * proxy (chaos-client.ts). parseArguments is pure and tested without spawning.
 */
export type ChaosCommand =
  { kind: 'help' } | { kind: 'status' } | { kind: 'add' } | { kind: 'act'; verb: ChaosVerb; target: string; arg?: number } | { kind: 'policy'; route: RouteKey; policy: string }

/** what `npm run chaos` reads from the environment (cluster-target.ts) */
export const chaosOptions = clusterTargetOptions('npm run chaos', { port: 'the port of the cluster to break', token: 'the admin token' })

/** the command lines of the usage text: each verb with what it does (services/common/vocabulary.ts) */
function row(command: string, meaning: string): string {
  return `  ${command.padEnd(20)}  ${meaning}`
}
const clerkLines = CLERK_VERBS.map((verb) => {
  const { signal, does } = CHAOS_VERBS[verb]
  return row(`${verb} <clerk>${verb === 'slow' ? ' <ms>' : ''}`, `${signal === null ? '' : `${signal}: `}${does}`)
})
const redisLines = REDIS_VERBS.map((verb) => row(`redis ${verb}`, REDIS_CHAOS[verb]))
const environment = chaosOptions.options.map((o) => `${o.env ?? ''} (${o.docDefault ?? String(o.default)})`).join(', ')
const withoutLauncher = CLERK_VERBS.filter((verb) => CHAOS_VERBS[verb].withoutLauncher).join(' and ')

/** The chaos command's usage text, in one place (printed by --help and after a usage error). */
export const CHAOS_USAGE = `Usage: npm run chaos -- <command>

Break the cluster that \`npm start\` runs (found on PROXY_PORT, default 8080):

${clerkLines.join('\n')}
${row('add', 'a new clerk (next free id and port), started and put behind the proxy')}
${row('policy <route> <name>', `the proxy's balancing for a route (${ROUTES.join(', ')}), as the dashboard's switch: sticky, round-robin, least-connections, per-connection…`)}
${row('status', 'what runs, with pids, states and restarts')}

The cluster's private Redis (redis stop|start|kill):
${redisLines.join('\n')}

Examples:
  npm run chaos -- kill clerk-b
  npm run chaos -- slow clerk-b 300
  npm run chaos -- add                 (then: npm run chaos -- remove clerk-d)
  npm run chaos -- policy stateful round-robin
  PROXY_PORT=9000 npm run chaos -- redis stop

Environment: ${environment}.
Against a compose cluster only ${withoutLauncher} work (through the clerks' admin routes).`

export class UsageError extends Error {
  override name = 'UsageError'
}

export function parseArguments(argv: readonly string[]): ChaosCommand {
  const [verb, target, extra, ...rest] = argv
  if (verb === undefined || verb === 'help' || verb === '-h' || verb === '--help') return { kind: 'help' }
  if (verb === 'status') {
    if (target !== undefined) throw new UsageError(`status takes no argument, got "${target}"`)
    return { kind: 'status' }
  }
  if (verb === 'add') {
    if (target !== undefined) throw new UsageError(`add takes no argument (the launcher picks the next free id and port), got "${target}"`)
    return { kind: 'add' }
  }
  if (verb === 'policy') {
    if (!isRouteKey(target))
      throw new UsageError(`policy needs a route, one of ${ROUTES.join(', ')}${target === undefined ? '' : `, got "${target}"`}, e.g. policy stateful round-robin`)
    // the proxy knows its policy names and answers a wrong one with the list (PUT /_lb/policy)
    if (extra === undefined || !/^[a-z][a-z+-]{0,63}$/.test(extra)) throw new UsageError(`policy ${target} needs a policy name, e.g. policy ${target} round-robin`)
    if (rest.length > 0) throw new UsageError(`policy takes a route and a name, got more: "${rest.join(' ')}"`)
    return { kind: 'policy', route: target, policy: extra }
  }
  if (verb === 'redis') {
    if (target === undefined || !isRedisVerb(target)) {
      throw new UsageError(`redis takes ${REDIS_VERBS.map((a) => `"${a}"`).join(', ')}${target === undefined ? '' : `, got "${target}"`}`)
    }
    if (extra !== undefined) throw new UsageError(`redis ${target} takes nothing more, got "${extra}"`)
    return { kind: 'act', verb: target, target: 'redis' }
  }
  if (!isClerkVerb(verb)) {
    throw new UsageError(`unknown command "${verb}": use one of ${[...CLERK_VERBS, 'add', 'policy', 'redis', 'status'].join(', ')}`)
  }
  if (target === undefined) throw new UsageError(`${verb} needs a clerk id, e.g. ${verb} clerk-b${verb === 'slow' ? ' 300' : ''}`)
  if (!/^[a-z0-9][a-z0-9_-]{0,62}$/i.test(target)) {
    throw new UsageError(`"${target}" is not a clerk id (letters, digits, "-" or "_", e.g. clerk-b)`)
  }
  if (verb === 'slow') {
    if (extra === undefined || !/^\d+$/.test(extra) || Number(extra) > MAX_SLOW_MS) {
      throw new UsageError(`slow needs a delay in milliseconds from 0 to ${MAX_SLOW_MS}, e.g. slow ${target} 300`)
    }
    if (rest.length > 0) throw new UsageError(`slow takes a clerk and a delay, got more: "${rest.join(' ')}"`)
    return { kind: 'act', verb: 'slow', target, arg: Number(extra) }
  }
  if (extra !== undefined) throw new UsageError(`${verb} takes one clerk id, got more: "${[extra, ...rest].join(' ')}"`)
  return { kind: 'act', verb, target }
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let command: ChaosCommand
  let settings: Readonly<ClusterTargetSettings>
  try {
    command = parseArguments(argv)
    settings = chaosOptions.read(env)
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      console.error(`chaos: ${err.message}\n\n${CHAOS_USAGE}`)
      return 2
    }
    throw err
  }
  if (command.kind === 'help') {
    console.log(CHAOS_USAGE)
    return 0
  }
  const { proxyUrl, adminToken } = clusterTarget(settings)
  const noCluster = `no cluster answers on ${proxyUrl}: start one with \`npm start\` (or set PROXY_PORT to the port it uses)`

  try {
    const probe = await fetch(`${proxyUrl}/_lb/status`, { signal: AbortSignal.timeout(5_000) })
    await probe.arrayBuffer()
  } catch {
    console.error(`chaos: ${noCluster}`)
    return 1
  }

  if (command.kind === 'status') {
    // pids, ports and the Redis URL need the token; without one the launcher shows states only
    const headers: Record<string, string> = adminToken ? { authorization: `Bearer ${adminToken}` } : {}
    const res = await fetch(`${proxyUrl}/_cluster/status`, { headers, signal: AbortSignal.timeout(5_000) })
    if (!res.ok) {
      await res.arrayBuffer()
      console.error(`chaos: ${proxyUrl} answers, but not with npm start's launcher (HTTP ${res.status} on /_cluster/status); see ${proxyUrl}/_lb/status`)
      return 1
    }
    console.log(formatStatus((await res.json()) as ClusterStatus | PublicClusterStatus))
    return 0
  }

  if (command.kind === 'policy') return setPolicy(proxyUrl, adminToken, command.route, command.policy)

  const client = createChaosClient({ proxyUrl, adminToken, timeoutMs: 30_000 })
  const what = command.kind === 'add' ? 'add' : `${command.verb} ${command.target}`
  try {
    const result = command.kind === 'add' ? await client.add!() : await client.act(command.verb, command.target, command.arg)
    const body = (result.body ?? {}) as { detail?: string; message?: string; error?: string }
    if (result.ok) {
      console.log(`${command.kind === 'add' ? `add ${(result.body as { target?: string }).target ?? ''}` : what}: ${body.detail ?? 'done'} (via ${result.via})`)
      return 0
    }
    const hint = result.status === 401 && !adminToken ? ' (no admin token: set ADMIN_TOKEN)' : ''
    console.error(`chaos: ${what} failed (HTTP ${result.status}${body.error ? ` ${body.error}` : ''}): ${body.message ?? JSON.stringify(result.body)}${hint}`)
    return 1
  } catch (err) {
    if (err instanceof ChaosError) {
      console.error(`chaos: ${err.message}`)
      return 1
    }
    console.error(`chaos: ${noCluster} (${(err as Error).message})`)
    return 1
  }
}

/** PUT /_lb/policy (docs/contract.md), as the dashboard's switch does; prints every route's policy */
async function setPolicy(proxyUrl: string, adminToken: string | undefined, route: RouteKey, policy: string): Promise<number> {
  const res = await fetch(`${proxyUrl}/_lb/policy`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...(adminToken ? { authorization: `Bearer ${adminToken}` } : {}) },
    body: JSON.stringify({ route, policy }),
    signal: AbortSignal.timeout(10_000), // 10 s
  })
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>
  if (!res.ok) {
    const hint = res.status === 401 && !adminToken ? ' (no admin token: set ADMIN_TOKEN)' : ''
    console.error(`chaos: policy ${route} ${policy} failed (HTTP ${res.status}): ${typeof body.message === 'string' ? body.message : JSON.stringify(body)}${hint}`)
    return 1
  }
  console.log(
    `policy ${route}: ${policy} (now ${Object.entries(body)
      .map(([r, p]) => `${r} ${String(p)}`)
      .join(', ')})`,
  )
  return 0
}

if (isMain(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2), process.env)
}
