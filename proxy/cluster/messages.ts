import type { RouteKey } from '../../services/common/vocabulary.js'
import type { AdminRequest, AdminResponse } from '../admin/admin-api.js'
import type { AcceptedPolicyName } from '../balance/policy.js'
import type { RetryReason, UpstreamFailure } from '../forward/failures.js'
import type { RouteTable } from '../forward/route-table.js'
import type { ProxyEvent } from '../state/events.js'
import type { ProxyStatus } from '../state/status.js'
import type { WorkerReport } from '../state/worker-reports.js'

/**
 * IPC between the cluster primary (the one truth) and its workers (the HTTP fronts). A worker
 * sends its counts as a `report` every 250 ms, and the evidence the truth must have at once
 * (state/counters.ts Evidence) as it happens: `passive`, `failing-answer`, `retried`,
 * `redispatched`.
 */
export type WorkerToPrimary =
  | { t: 'report'; report: WorkerReport }
  | { t: 'passive'; clerk: string; failure: UpstreamFailure }
  | { t: 'failing-answer'; clerk: string; status: number }
  | { t: 'retried'; from: string; to: string; reason: RetryReason; route?: string }
  | { t: 'redispatched'; from: string; to: string }
  | { t: 'admin'; id: number; request: AdminRequest }
  | { t: 'status'; id: number }

export interface RoutingState {
  /** the whole set, in order: a clerk added or removed at run time reaches every worker with it */
  upstreams: { id: string; url: string; healthy: boolean; drained: boolean }[]
  policies: Record<RouteKey, AcceptedPolicyName>
  routes: RouteTable
}

export type PrimaryToWorker =
  | ({ t: 'routing' } & RoutingState)
  | { t: 'event'; event: ProxyEvent }
  | { t: 'admin-reply'; id: number; response: AdminResponse }
  | { t: 'status-reply'; id: number; status: ProxyStatus }
  | { t: 'shutdown' }

/**
 * A worker that cannot listen (port taken, HOST that does not resolve) tells the primary, which
 * prints the sentence once and stops the proxy with exit code 1. Without it the worker died with
 * a stack trace, the primary started another, and so on forever (100 restarts in 8 s).
 */
export interface ListenFailed {
  t: 'listen-failed'
  /** the whole sentence from listenFailure(), without the "proxy: " prefix */
  message: string
}

export function isListenFailed(message: unknown): message is ListenFailed {
  return typeof message === 'object' && message !== null && (message as { t?: unknown }).t === 'listen-failed'
}
