import type { AcceptedPolicyName } from '../balance/policy.js'
import type { RouteKey } from '../../services/common/vocabulary.js'
import type { EngineName, FrontLimits } from '../options.js'
import type { RouteTable } from '../forward/route-table.js'
import type { Counters, RouteCounts } from './counters.js'
import type { Upstream } from './upstream.js'

export interface ClerkStatus {
  id: string
  url: string
  healthy: boolean
  drained: boolean
  inFlight: number
  /** of inFlight, event streams flowing to customers now (an MCP pay's progress); a drained clerk keeps them */
  openStreams: number
  requests: number
  errors: number
  retries: number
  redispatches: number
  pinned: number
  /** dialogues this clerk took over from clerks that left (its /readyz handoff.claimed) */
  handoffs: number
  info: unknown
}

/** GET /_lb/status (docs/contract.md), also the `hello` event of GET /_lb/events */
export interface ProxyStatus {
  engine: EngineName
  workers: number
  policies: Record<RouteKey, AcceptedPolicyName>
  /** the route table (forward/route-table.ts): retry policy, timeouts, idempotent by design, why */
  routes: RouteTable
  /** per route of the table (by prefix, every prefix): retries and per-try timeouts since start */
  routeCounters: Record<string, RouteCounts>
  clerks: ClerkStatus[]
  counters: { requests: number; errors: number; retries: number; redispatches: number; handoffs: number }
  launcher: boolean
  /** the proxy's own limits and how much of each is in use now (over every worker) */
  limits: {
    requestTimeoutMs: number
    clientConnections: { open: number; max: number }
    requestBufferBytes: { held: number; max: number }
    eventSubscribers: { open: number; max: number }
  }
}

/** What one HTTP front (the single process, or one worker) holds now, against its limits. */
export interface FrontUsage {
  connections: number
  bufferedBytes: number
  eventStreams: number
}

export const NO_USAGE: FrontUsage = Object.freeze({ connections: 0, bufferedBytes: 0, eventStreams: 0 })

/** What a status says about the proxy itself, fixed at start. */
export interface StatusMeta {
  engine: EngineName
  workers: number
  launcher: boolean
  limits: FrontLimits
}

export interface StatusSources {
  upstreams: readonly Upstream[]
  /** dialogues each clerk took over (ProxyState.handoffsSeen), by id; also of clerks since removed */
  handoffs: ReadonlyMap<string, number>
  policies: Readonly<Record<RouteKey, AcceptedPolicyName>>
  routes: RouteTable
  counters: Pick<Counters, 'unroutedRequests' | 'unroutedErrors' | 'routes'>
  usage: FrontUsage
  meta: StatusMeta
}

/** Builds the status from the truth's parts; reads only. */
export function buildStatus({ upstreams, handoffs, policies, routes, counters: unrouted, usage, meta }: StatusSources): ProxyStatus {
  let handedOver = 0
  for (const n of handoffs.values()) handedOver += n
  const counters = { requests: unrouted.unroutedRequests, errors: unrouted.unroutedErrors, retries: 0, redispatches: 0, handoffs: handedOver }
  const clerks = upstreams.map((u): ClerkStatus => {
    const c = u.counters
    counters.requests += c.requests
    counters.errors += c.errors
    counters.retries += c.retries
    counters.redispatches += c.redispatches
    return {
      id: u.id,
      url: u.url.origin,
      healthy: u.healthy,
      drained: u.drained,
      inFlight: u.inFlight,
      openStreams: u.openStreams,
      requests: c.requests,
      errors: c.errors,
      retries: c.retries,
      redispatches: c.redispatches,
      pinned: c.pinned,
      handoffs: handoffs.get(u.id) ?? 0,
      info: u.info,
    }
  })
  const limits = meta.limits
  return {
    engine: meta.engine,
    workers: meta.workers,
    policies: { ...policies },
    routes,
    routeCounters: Object.fromEntries(routes.map((r) => [r.prefix, { retries: 0, perTryTimeouts: 0, ...unrouted.routes[r.prefix] }])),
    clerks,
    counters,
    launcher: meta.launcher,
    limits: {
      requestTimeoutMs: limits.requestTimeoutMs,
      clientConnections: { open: usage.connections, max: limits.clientConnections },
      requestBufferBytes: { held: usage.bufferedBytes, max: limits.requestBufferBytes },
      eventSubscribers: { open: usage.eventStreams, max: limits.eventSubscribers },
    },
  }
}
