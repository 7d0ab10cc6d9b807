/**
 * Chaos through the clerks' own admin endpoints (`--clerk clerk-b=URL`, repeated), for a cluster
 * behind a balancer that is not ours (HAProxy, nginx, an ingress) and without `npm start`'s
 * launcher: `kill` is `POST /_admin/crash` (the clerk answers 202, then SIGKILLs itself) and
 * `slow` is `POST /_admin/slow {"ms":N}`. Both need the clerks' ADMIN_TOKEN.
 *
 * What a clerk cannot do to itself is said, not attempted (CLERK_ADMIN_CANNOT): it cannot start
 * itself again once dead, and a paused process answers nothing, not even a resume.
 *
 * @example
 *   const chaos = createClerkAdminChaos({ clerks: { 'clerk-b': 'http://127.0.0.1:3002' }, adminToken })
 *   await chaos.act('kill', 'clerk-b')
 */
import { createAdminCall } from '../common/admin-call.js'
import type { ChaosVerb } from '../common/vocabulary.js'
import { ChaosError, type ChaosAction, type ChaosClient, type ChaosResult } from './chaos-client.js'

export interface ClerkAdminChaosOptions {
  /** clerk id → the clerk's own URL (not the balancer's) */
  clerks: Readonly<Record<string, string>>
  adminToken?: string | undefined
  /** per call deadline, ms */
  timeoutMs?: number
}

/** the actions a clerk's admin API does not have, and why (the sentence a run stops with) */
export const CLERK_ADMIN_CANNOT: Readonly<Partial<Record<ChaosAction, string>>> = Object.freeze({
  terminate: "a clerk's admin API has no terminate: SIGTERM comes from whatever runs the clerk (kill -TERM, docker stop, kubectl delete pod, or --cluster for npm start)",
  pause: 'a clerk cannot pause itself through its admin API (SIGSTOP comes from outside: kill -STOP, docker pause, or --cluster for npm start)',
  resume: 'a paused clerk answers nothing, not even the request that would resume it: SIGCONT comes from outside (kill -CONT, docker unpause, or --cluster)',
  revive: 'a dead clerk cannot start itself again: revive needs whatever runs it (--cluster for npm start; docker compose and Kubernetes restart it on their own)',
  remove: "removing a clerk is the balancer's membership, not the clerk's: change the balancer's configuration (our proxy: DELETE /_lb/clerks/ID, or --cluster)",
  add: 'a new clerk needs something that starts processes: --cluster (npm start), or --orchestrator kubernetes --scale N@TIME',
  scale: '--scale sets the replicas of an orchestrator: it needs --orchestrator kubernetes',
  stop: "Redis is not a clerk's to stop: use --cluster (npm start's launcher) or stop it where it runs",
  start: "Redis is not a clerk's to start: use --cluster (npm start's launcher) or start it where it runs",
  kill: undefined,
  slow: undefined,
})

export function createClerkAdminChaos({ clerks, adminToken, timeoutMs = 10_000 }: ClerkAdminChaosOptions): ChaosClient {
  const ids = Object.keys(clerks)

  function refusal(action: ChaosAction, target: string): string | undefined {
    const cannot = CLERK_ADMIN_CANNOT[action]
    if (cannot !== undefined) return cannot
    if (!(target in clerks)) return `no --clerk ${target}=URL was given (given: ${ids.join(', ')}): the load test reaches a clerk's admin endpoints only at the URL given for it`
    return undefined
  }

  async function act(verb: ChaosVerb, target: string, arg?: number): Promise<ChaosResult> {
    const refused = refusal(verb, target)
    if (refused !== undefined) throw new ChaosError(`${verb} ${target}: ${refused}`)
    const { call } = createAdminCall({ proxyUrl: clerks[target] as string, adminToken, timeoutMs })
    const r = verb === 'kill' ? await call('POST', '/_admin/crash', {}) : await call('POST', '/_admin/slow', { ms: arg ?? 0 })
    return { ok: r.status < 300, via: 'clerk-admin', ...r }
  }

  return { act, refusal, hasLauncher: () => Promise.resolve(false) }
}
