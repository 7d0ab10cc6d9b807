/**
 * The few proxy admin calls the load test makes, over plain HTTP (docs/contract.md): read
 * `/_lb/status`, set a route's policy, and post running counts to `/_lb/loadtest` for the
 * dashboard. Everything else it knows about the cluster it learns from the dialogue's answers.
 *
 * @example
 *   const api = createClusterApi({ proxyUrl: 'http://127.0.0.1:8080', adminToken })
 *   await api.setPolicy('stateful', 'sticky')
 *   await api.waitHealthy(3)
 */
import { createAdminCall } from '../../services/common/admin-call.js'
import type { PolicyName, RouteKey } from '../../services/common/vocabulary.js'
import { waitFor } from '../../services/common/wait-for.js'
import { LoadtestErrors } from '../errors.js'

export interface LbClerkStatus {
  id: string
  url: string
  healthy: boolean
  drained?: boolean
  inFlight?: number
  requests?: number
  pinned?: number
}

export interface LbStatus {
  engine?: string
  workers?: number
  policies: Record<string, string>
  clerks: LbClerkStatus[]
  counters?: Record<string, number>
  launcher?: boolean
}

export interface LoadtestBeat {
  running: boolean
  mode: string
  policy: string
  counts: { completed: number; context_lost: number; failed: number }
  dialoguesPerSec: number
  /** e.g. `stateful + round-robin` */
  label?: string
  /** while running: time since the start and the run's time bound, ms (the panel's progress) */
  elapsedMs?: number
  durationMs?: number
  /** the final beat: the run's verdict (report/verdict.ts) */
  verdict?: { headline: string; tone: 'good' | 'warn' | 'bad'; lossRate: number }
  /** the final beat: the HTML report's address on the proxy (/dashboard/reports/…), when it serves it */
  report?: string
}

export interface ClusterApi {
  readonly proxyUrl: string
  /** true for our proxy (`/_lb/*`); false for any other balancer (foreign-cluster-api.ts) */
  readonly ours: boolean
  status(): Promise<LbStatus>
  setPolicy(route: RouteKey, policy: PolicyName): Promise<void>
  /** waits until at least `count` clerks (default: all listed) are healthy */
  waitHealthy(count?: number, timeoutMs?: number): Promise<LbStatus>
  /** best effort: a dashboard that misses a beat is no reason to disturb the run */
  beat(body: LoadtestBeat): Promise<void>
}

export function createClusterApi({
  proxyUrl,
  adminToken,
  timeoutMs = 5_000, // 5 s per call
}: {
  proxyUrl: string
  adminToken?: string | undefined
  timeoutMs?: number
}): ClusterApi {
  const { base, call } = createAdminCall({ proxyUrl, adminToken, timeoutMs })

  async function status(): Promise<LbStatus> {
    const res = await call('GET', '/_lb/status')
    if (res.status !== 200) {
      throw new LoadtestErrors.LOADTEST_ERR_CLUSTER(`GET ${base}/_lb/status answered ${res.status}: ${JSON.stringify(res.body)}`)
    }
    return res.body as LbStatus
  }

  return {
    proxyUrl: base,
    ours: true,
    status,
    async setPolicy(route, policy) {
      const res = await call('PUT', '/_lb/policy', { route, policy })
      if (res.status !== 200) {
        const hint = res.status === 401 || res.status === 404 ? " (is ADMIN_TOKEN set to the cluster's token?)" : ''
        throw new LoadtestErrors.LOADTEST_ERR_CLUSTER(`could not set the ${route} policy to ${policy}: ${res.status} ${JSON.stringify(res.body)}${hint}`)
      }
    },
    async waitHealthy(count, deadlineMs = 30_000) {
      return waitFor(
        async () => {
          const s = await status()
          const healthy = s.clerks.filter((c) => c.healthy).length
          return healthy >= (count ?? s.clerks.length) && healthy > 0 ? s : undefined
        },
        { what: `healthy clerks behind ${base}`, timeoutMs: deadlineMs, intervalMs: 100 },
      )
    },
    async beat(body) {
      try {
        await call('POST', '/_lb/loadtest', body)
      } catch {
        // the dashboard is a viewer; the run goes on without it
      }
    },
  }
}

/**
 * true when `url` is our proxy: `GET /_lb/status` answers 200 with a list of clerks. HAProxy,
 * nginx or an ingress answer 404 (or forward it to a clerk, which answers 404): not ours.
 */
export async function isOurProxy(url: string, timeoutMs = 5_000): Promise<boolean> {
  const res = await fetch(`${url.replace(/\/+$/, '')}/_lb/status`, { signal: AbortSignal.timeout(timeoutMs) })
  const text = await res.text()
  if (res.status !== 200) return false
  try {
    return Array.isArray((JSON.parse(text) as { clerks?: unknown }).clerks)
  } catch {
    return false
  }
}
