/**
 * The one client for chaos actions, used by `npm run chaos` and the load test. It talks to the
 * proxy only: `/_cluster/*` reaches `npm start`'s launcher (signals, revive, Redis); where there is
 * no launcher (a compose cluster), kill and slow fall back to the proxy's `/_lb/clerks/:id/crash`
 * and `/slow`, which call the clerk's own admin endpoints. Given the launcher's own URL (the
 * `launcherUrl` of npm start's state file) instead of the proxy's, it works the same: the launcher
 * serves `/_cluster/*` under the same paths.
 *
 * Other backends implement the same interface beside it, one file each (chaos-backends.ts lists
 * them): the clerks' admin endpoints (chaos-clerk-admin.ts) and kubectl (chaos-kubectl.ts).
 *
 * @example
 *   const chaos = createChaosClient({ proxyUrl: 'http://127.0.0.1:8080', adminToken })
 *   await chaos.act('kill', 'clerk-b')
 *   await chaos.act('slow', 'clerk-b', 300)
 *   await chaos.act('stop', 'redis')
 */
import { createAdminCall } from '../common/admin-call.js'
import { answersOk } from '../common/answers-ok.js'
import { CHAOS_VERBS, CLERK_VERBS, isClerkVerb, isRedisVerb, REDIS_VERBS, type ChaosVerb } from '../common/vocabulary.js'

export interface ChaosClientOptions {
  proxyUrl: string
  adminToken?: string | undefined
  /** per call deadline, ms */
  timeoutMs?: number
}

/** what a chaos step can ask of a backend: a verb on a clerk or Redis, a new clerk, N clerks */
export type ChaosAction = ChaosVerb | 'add' | 'scale'

/** which API carried an action out */
export type ChaosVia = 'launcher' | 'clerk-admin' | 'kubectl'

export interface ChaosResult {
  ok: boolean
  /** the HTTP status, or for kubectl its exit code */
  status: number
  via: ChaosVia
  body: unknown
}

export interface ChaosClient {
  act(verb: ChaosVerb, target: string, arg?: number): Promise<ChaosResult>
  /** a new clerk (next free id and port), started and put behind the proxy: needs the launcher */
  add?(): Promise<ChaosResult>
  /** sets the number of clerks (the orchestrator's replicas) */
  scale?(replicas: number): Promise<ChaosResult>
  /** true when `npm start`'s launcher API answers through the proxy */
  hasLauncher(): Promise<boolean>
  /**
   * why this backend can never carry out `action` (one sentence), else undefined; asked before a
   * run so that a schedule it cannot do stops the run before the load starts
   */
  refusal?(action: ChaosAction, target: string): string | undefined
}

export class ChaosError extends Error {
  override name = 'ChaosError'
}

export function createChaosClient({ proxyUrl, adminToken, timeoutMs = 10_000 }: ChaosClientOptions): ChaosClient {
  const { base, headers, call } = createAdminCall({ proxyUrl, adminToken, timeoutMs })
  const post = (path: string, body: unknown) => call('POST', path, body ?? {})
  let launcher: Promise<boolean> | undefined

  // A yes is kept; a no is asked again next time: a proxy that was restarting, or a launcher
  // slow to answer under load, must not switch the client to the compose fallback for good.
  function hasLauncher(): Promise<boolean> {
    launcher ??= answersOk(`${base}/_cluster/status`, { headers, timeoutMs })
      .catch(() => false)
      .then((found) => {
        if (!found) launcher = undefined
        return found
      })
    return launcher
  }

  async function act(verb: ChaosVerb, target: string, arg?: number): Promise<ChaosResult> {
    const id = encodeURIComponent(target)
    if (target === 'redis') {
      if (!isRedisVerb(verb)) {
        throw new ChaosError(`redis takes ${REDIS_VERBS.map((v) => `"${v}"`).join(', ')}, got "${verb}"`)
      }
      if (!(await hasLauncher())) {
        throw new ChaosError('stopping Redis needs the launcher of `npm start` (in compose: docker compose stop redis)')
      }
      const r = await post(`/_cluster/redis/${verb}`, {})
      return { ok: r.status < 300, via: 'launcher', ...r }
    }
    if (!isClerkVerb(verb)) {
      throw new ChaosError(`unknown chaos verb "${verb}": use one of ${CLERK_VERBS.join(', ')}`)
    }
    const body = verb === 'slow' ? { ms: arg ?? 0 } : {}
    if (await hasLauncher()) {
      const r = await post(`/_cluster/clerks/${id}/${verb}`, body)
      return { ok: r.status < 300, via: 'launcher', ...r }
    }
    if (CHAOS_VERBS[verb].withoutLauncher) {
      const r = await post(`/_lb/clerks/${id}/${verb === 'kill' ? 'crash' : 'slow'}`, body)
      return { ok: r.status < 300, via: 'clerk-admin', ...r }
    }
    const anywhere = CLERK_VERBS.filter((v) => CHAOS_VERBS[v].withoutLauncher).join(' and ')
    throw new ChaosError(
      `"${verb}" needs the launcher of \`npm start\`; without it only ${anywhere} work (compose: docker compose ${verb === 'revive' ? 'start' : verb} ${target})`,
    )
  }

  async function add(): Promise<ChaosResult> {
    if (!(await hasLauncher())) {
      throw new ChaosError('adding a clerk needs the launcher of `npm start` (in compose: docker compose up --scale clerk=N, docs/scaling.md)')
    }
    const r = await post('/_cluster/clerks', {})
    return { ok: r.status < 300, via: 'launcher', ...r }
  }

  function refusal(action: ChaosAction): string | undefined {
    if (action === 'scale') return '--scale sets the replicas of an orchestrator: it needs --orchestrator kubernetes (with npm start: --add-clerk and --remove)'
    return undefined
  }

  return { act, add, hasLauncher, refusal }
}
