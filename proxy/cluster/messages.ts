import type { AdminRequest, AdminResponse } from '../admin-api.js'
import type { ProxyEvent } from '../events.js'
import type { PolicyName, RouteKey } from '../../services/common/vocabulary.js'
import type { ClerkDelta, FrontUsage, ProxyStatus } from '../proxy-state.js'
import type { FailureKind } from '../upstream-failure.js'

/** IPC between the cluster primary (the one truth) and its workers (the HTTP fronts). */
export type WorkerToPrimary =
  | { t: 'delta'; clerks: Record<string, ClerkDelta>; unrouted: { requests: number; errors: number }; usage: FrontUsage }
  | { t: 'retried'; from: string; to: string; reason: FailureKind }
  | { t: 'redispatched'; from: string; to: string }
  | { t: 'passive'; clerk: string; kind: FailureKind; reason: string; code: string }
  | { t: 'failing-answer'; clerk: string; status: number }
  | { t: 'admin'; id: number; request: AdminRequest }
  | { t: 'status'; id: number }

export interface RoutingState {
  upstreams: { id: string; healthy: boolean; drained: boolean }[]
  policies: Record<RouteKey, PolicyName>
}

export type PrimaryToWorker =
  | ({ t: 'routing' } & RoutingState)
  | { t: 'event'; event: ProxyEvent }
  | { t: 'admin-reply'; id: number; response: AdminResponse }
  | { t: 'status-reply'; id: number; status: ProxyStatus }
  | { t: 'shutdown' }
