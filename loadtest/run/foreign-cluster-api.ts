/**
 * The cluster API of a `--target` that is not our proxy (HAProxy, nginx, an ingress, or a clerk
 * itself): it has no `/_lb/*`, so the clerks' status comes from where the chaos goes instead:
 * npm start's launcher (`--cluster URL`: `GET /_cluster/status`, a clerk is healthy when its
 * process runs) or the clerks' own `/readyz` (`--clerk ID=URL`). With neither (Kubernetes), the
 * list is empty and "ready" means the target forwards `GET /readyz` to a clerk that answers 200.
 * There is no policy to set and no dashboard to beat: both are skipped, and said once.
 *
 * @example
 *   const api = createForeignClusterApi({ targetUrl: haproxyUrl, clerkUrls: { 'clerk-b': 'http://127.0.0.1:3002' } })
 *   await api.waitHealthy()
 */
import { answersOk } from '../../services/common/answers-ok.js'
import { waitFor } from '../../services/common/wait-for.js'
import { LoadtestErrors } from '../errors.js'
import type { ClusterApi, LbClerkStatus, LbStatus } from './cluster-api.js'

export interface ForeignClusterOptions {
  targetUrl: string
  /** npm start's launcher API (the launcher's own URL, or our proxy's /_cluster/*) */
  clusterUrl?: string | undefined
  clerkUrls?: Readonly<Record<string, string>> | undefined
  adminToken?: string | undefined
  timeoutMs?: number
}

interface LauncherStatus {
  processes?: { id: string; kind: string; state: string; port?: number }[]
}

export function createForeignClusterApi({ targetUrl, clusterUrl, clerkUrls, adminToken, timeoutMs = 5_000 }: ForeignClusterOptions): ClusterApi {
  const base = targetUrl.replace(/\/+$/, '')
  const headers: Record<string, string> = adminToken ? { authorization: `Bearer ${adminToken}` } : {}

  async function clerks(): Promise<LbClerkStatus[]> {
    if (clusterUrl !== undefined) {
      const res = await fetch(`${clusterUrl}/_cluster/status`, { headers, signal: AbortSignal.timeout(timeoutMs) })
      if (!res.ok) {
        await res.arrayBuffer()
        throw new LoadtestErrors.LOADTEST_ERR_CLUSTER(`GET ${clusterUrl}/_cluster/status answered ${res.status}: is --cluster npm start's launcher (or our proxy in front of it)?`)
      }
      const status = (await res.json()) as LauncherStatus
      return (status.processes ?? [])
        .filter((p) => p.kind === 'clerk')
        .map((p) => ({ id: p.id, url: p.port === undefined ? '' : `port ${p.port}`, healthy: p.state === 'running' }))
    }
    if (clerkUrls !== undefined) {
      return Promise.all(Object.entries(clerkUrls).map(async ([id, url]) => ({ id, url, healthy: await answersOk(`${url}/readyz`, { timeoutMs }).catch(() => false) })))
    }
    return []
  }

  async function status(): Promise<LbStatus> {
    return { policies: {}, clerks: await clerks() }
  }

  return {
    proxyUrl: base,
    ours: false,
    status,
    async setPolicy() {
      // not ours: the balancer's own configuration decides (measured-run.ts says so once)
    },
    async waitHealthy(count, deadlineMs = 30_000) {
      return waitFor(
        async () => {
          const s = await status()
          if (s.clerks.length === 0) return (await answersOk(`${base}/readyz`, { timeoutMs }).catch(() => false)) ? s : undefined
          const healthy = s.clerks.filter((c) => c.healthy).length
          return healthy >= (count ?? s.clerks.length) && healthy > 0 ? s : undefined
        },
        { what: `healthy clerks behind ${base}`, timeoutMs: deadlineMs, intervalMs: 100 },
      )
    },
    async beat() {
      // no dashboard behind a balancer that is not ours
    },
  }
}
