import type { ClusterStatus } from '../services/cluster/launcher.js'
import type { ProxyStatus } from '../proxy/state/status.js'
import type { LedgerOrder } from '../loadtest/analyze/reconcile.js'
import { fetchLedger } from '../loadtest/run/ledger.js'
import type { WorkshopTarget } from './target.js'

/**
 * The real state a self-check reads, each from the cluster's own API: the proxy's status and
 * metrics, the launcher's status, the ledger. Every call has a deadline; a cluster that does not
 * answer is a ClusterUnreachable, which the CLI turns into a FAIL that says how to start one.
 */
const CALL_TIMEOUT_MS = 5_000 // 5 s

export class ClusterUnreachable extends Error {
  override name = 'ClusterUnreachable'
}

export class NeedsAdminToken extends Error {
  override name = 'NeedsAdminToken'
}

async function getJson<T>(target: WorkshopTarget, path: string, withToken: boolean): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {}
  if (withToken && target.adminToken) headers.authorization = `Bearer ${target.adminToken}`
  let res: Response
  try {
    res = await fetch(target.proxyUrl + path, { headers, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) })
  } catch (err) {
    throw new ClusterUnreachable(`no cluster answers on ${target.proxyUrl} (${(err as Error).message}): start one with \`npm start\``)
  }
  const text = await res.text()
  try {
    return { status: res.status, body: JSON.parse(text) as T }
  } catch {
    throw new ClusterUnreachable(`${target.proxyUrl}${path} answered HTTP ${res.status} without JSON: is this clerk-cluster's proxy?`)
  }
}

export async function proxyStatus(target: WorkshopTarget): Promise<ProxyStatus> {
  return (await getJson<ProxyStatus>(target, '/_lb/status', false)).body
}

/** the launcher's status (with the token: ports and slow settings); undefined without a launcher */
export async function launcherStatus(target: WorkshopTarget): Promise<ClusterStatus | undefined> {
  const { status, body } = await getJson<ClusterStatus>(target, '/_cluster/status', true)
  return status === 200 ? body : undefined
}

/** Orders paid in the last `minutes`. A seq is Redis's clock in µs (or one more than the last
 *  seq), so the orders after `now - minutes` in µs are those paid since, without reading the rest. */
export async function recentOrders(target: WorkshopTarget, minutes: number): Promise<LedgerOrder[]> {
  if (!target.adminToken) throw new NeedsAdminToken('reading the ledger needs the admin token: set ADMIN_TOKEN, or run on the machine that runs npm start')
  const after = (Date.now() - minutes * 60_000) * 1000
  return fetchLedger(target.proxyUrl, target.adminToken, after, CALL_TIMEOUT_MS)
}

/** the proxy's answers by HTTP status since its start or the last reset (`proxy_requests_total` of GET /metrics) */
export async function answersByStatus(target: WorkshopTarget): Promise<Map<number, number>> {
  let text: string
  try {
    const res = await fetch(`${target.proxyUrl}/metrics`, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) })
    text = await res.text()
  } catch (err) {
    throw new ClusterUnreachable(`no cluster answers on ${target.proxyUrl} (${(err as Error).message}): start one with \`npm start\``)
  }
  const byStatus = new Map<number, number>()
  for (const line of text.split('\n')) {
    const m = /^proxy_requests_total\{[^}]*status="(\d{3})"[^}]*\}\s+([\d.e+]+)$/.exec(line)
    if (m) byStatus.set(Number(m[1]), (byStatus.get(Number(m[1])) ?? 0) + Number(m[2]))
  }
  return byStatus
}
