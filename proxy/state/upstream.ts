import type { UpstreamView } from '../balance/policy.js'
import { stickyCookieId } from '../balance/affinity.js'
import { LatencyHistogram } from './latency-histogram.js'

/**
 * Everything the proxy knows about one clerk: where it is, whether it may take traffic, and what
 * happened to the traffic it took. In a worker (PROXY_WORKERS > 1) the counters are the deltas
 * not yet reported to the primary; in the primary, or a single process, they are totals.
 */
export class Upstream implements UpstreamView {
  readonly cookieId: string
  healthy = true // optimistic until the first check says otherwise, like HAProxy
  drained = false
  inFlight = 0
  /** the last /readyz body */
  info: unknown = null

  requests = 0
  errors = 0
  retries = 0
  redispatches = 0
  /** sticky cookies issued naming this clerk */
  pinned = 0
  /** requests by HTTP status the customer got from this clerk (or from us, for a failed attempt) */
  readonly byStatus = new Map<number, number>()
  /** failed attempts and 5xx answers by reason */
  readonly errorsByReason = new Map<string, number>()
  readonly latency = new LatencyHistogram()

  /** consecutive successful / failed checks (active or passive), for rise and fall */
  okStreak = 0
  failStreak = 0

  constructor(
    readonly id: string,
    readonly url: URL,
  ) {
    this.cookieId = stickyCookieId(id)
  }

  resetCounters(): void {
    this.requests = 0
    this.errors = 0
    this.retries = 0
    this.redispatches = 0
    this.pinned = 0
    this.byStatus.clear()
    this.errorsByReason.clear()
    this.latency.reset()
  }
}

export function addCount<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by)
}
