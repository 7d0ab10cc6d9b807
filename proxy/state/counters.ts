import { isFailingAnswer, type FailureKind, type RetryReason, type UpstreamFailure } from '../forward/failures.js'
import type { RouteKey } from '../../services/common/vocabulary.js'
import { LatencyHistogram, type LatencyCounts } from './latency-histogram.js'
import { addOutcomes, noOutcomes, outcomeOf, type ModeOutcomes } from './outcomes.js'
import type { Upstream } from './upstream.js'

/**
 * What happened to the traffic one clerk took. Plain numbers, so the hot path only adds and a
 * cluster worker can ship them to the primary as a delta; /_lb/status and /metrics read them.
 */
export class ClerkCounters {
  /** attempts: answers, and failed attempts (by the status that failure would give the customer) */
  requests = 0
  errors = 0
  retries = 0
  /** sticky customers moved away from this clerk because it was down */
  redispatches = 0
  /** sticky cookies issued naming this clerk */
  pinned = 0
  /** attempts by the HTTP status the customer got from this clerk (or from us, for a failed attempt) */
  readonly byStatus = new Map<number, number>()
  /** failed attempts (by failure kind) and 5xx answers (http_5xx) */
  readonly errorsByReason = new Map<string, number>()
  readonly latency = new LatencyHistogram()

  answered(status: number, seconds: number): void {
    this.requests++
    addCount(this.byStatus, status)
    this.latency.observe(seconds)
    if (status >= 500) {
      this.errors++
      addCount(this.errorsByReason, 'http_5xx')
    }
  }

  attemptFailed(kind: FailureKind, status: number): void {
    this.requests++
    this.errors++
    addCount(this.byStatus, status)
    addCount(this.errorsByReason, kind)
  }

  /** the counts as plain data (for IPC), leaving zero behind */
  take(): ClerkDelta {
    const delta: ClerkDelta = {
      requests: this.requests,
      errors: this.errors,
      retries: this.retries,
      redispatches: this.redispatches,
      pinned: this.pinned,
      byStatus: [...this.byStatus],
      errorsByReason: [...this.errorsByReason],
      latency: this.latency.take(),
    }
    this.requests = 0
    this.errors = 0
    this.retries = 0
    this.redispatches = 0
    this.pinned = 0
    this.byStatus.clear()
    this.errorsByReason.clear()
    return delta
  }

  /** adds what another process counted */
  add(delta: ClerkDelta): void {
    this.requests += delta.requests
    this.errors += delta.errors
    this.retries += delta.retries
    this.redispatches += delta.redispatches
    this.pinned += delta.pinned
    for (const [status, n] of delta.byStatus) addCount(this.byStatus, status, n)
    for (const [reason, n] of delta.errorsByReason) addCount(this.errorsByReason, reason, n)
    this.latency.add(delta.latency)
  }
}

/** One clerk's counters as plain data: what a worker sends the primary. */
export interface ClerkDelta {
  requests: number
  errors: number
  retries: number
  redispatches: number
  pinned: number
  byStatus: [number, number][]
  errorsByReason: [string, number][]
  latency: LatencyCounts
}

/**
 * What one route of the route table (by its prefix) did about failures: retries (any reason) and,
 * among them, retries after a per-try timeout (an attempt abandoned on a slow or hung clerk).
 */
export interface RouteCounts {
  retries: number
  perTryTimeouts: number
}

/** Everything one process counted: per clerk (by id), and what the proxy answered itself. */
export interface CountersDelta {
  clerks: Record<string, ClerkDelta>
  unrouted: { requests: number; errors: number }
  /** per route prefix (RouteCounts) */
  routes?: Record<string, RouteCounts>
  /** per mode, the customers' final answers by dialogue outcome (outcomes.ts) */
  outcomes?: ModeOutcomes
}

/**
 * What must be known at once, beyond the counts: the evidence about a clerk's health, and the
 * events the dashboard shows. The process that holds the truth applies it (state/proxy-state.ts);
 * a cluster worker sends it to the primary (cluster/worker.ts).
 */
export interface Evidence {
  /** an attempt on this clerk failed (passive health reads the failure table) */
  attemptFailed(upstream: Upstream, failure: UpstreamFailure): void
  /** the clerk answered a status that says it is broken (isFailingAnswer) */
  failingAnswer(upstream: Upstream, status: number): void
  /** `route`: the route table's prefix whose policy allowed it */
  retried(from: Upstream, to: Upstream, reason: RetryReason, route?: string): void
  redispatched(from: Upstream, to: Upstream): void
}

/**
 * The one counting code. The forwarder and the HTTP front report each request here, in a single
 * process and in a cluster worker alike: the counts go into each Upstream's ClerkCounters (and the
 * proxy's own answers into `unrouted*`), and what must be known at once goes to `evidence`. A
 * worker `take()`s its counts every 250 ms and the primary `add()`s them to its own.
 */
export class Counters {
  /** answered by the proxy itself, without any clerk (no healthy clerk, body too large, not found, ...) */
  unroutedRequests = 0
  unroutedErrors = 0
  /** per mode, the customers' final answers by dialogue outcome: completed, context_lost, failed */
  outcomes: ModeOutcomes = noOutcomes()
  /** per route prefix: its retries and per-try timeouts (only prefixes that had any) */
  routes: Record<string, RouteCounts> = {}

  /** `upstreams` may change (clerks added and removed at run time): it is read, never copied */
  constructor(
    private readonly upstreams: readonly Upstream[],
    private readonly evidence: Evidence,
  ) {}

  /** a clerk answered (any status) after `seconds` */
  answered(upstream: Upstream, status: number, seconds: number): void {
    upstream.counters.answered(status, seconds)
    if (isFailingAnswer(status)) this.evidence.failingAnswer(upstream, status)
  }

  /** an attempt on this clerk failed; `status` is what that failure would give the customer */
  attemptFailed(upstream: Upstream, failure: UpstreamFailure, status: number): void {
    upstream.counters.attemptFailed(failure.kind, status)
    this.evidence.attemptFailed(upstream, failure)
  }

  retried(from: Upstream, to: Upstream, reason: RetryReason, route?: string): void {
    from.counters.retries++
    if (route !== undefined) addRouteCounts(this.routes, route, { retries: 1, perTryTimeouts: reason === 'per_try_timeout' ? 1 : 0 })
    this.evidence.retried(from, to, reason, route)
  }

  /** a sticky customer moved from a clerk that is down to another */
  redispatched(from: Upstream, to: Upstream): void {
    from.counters.redispatches++
    this.evidence.redispatched(from, to)
  }

  /** a sticky cookie naming this clerk was issued */
  pinned(upstream: Upstream): void {
    upstream.counters.pinned++
  }

  /**
   * the final answer a customer got on `route` (from a clerk, or the proxy's own error), counted
   * by what it means for the dialogue: the `stats` event's per-mode outcomes and /metrics
   */
  outcome(route: RouteKey, path: string, status: number, body?: Buffer): void {
    const outcome = outcomeOf(route, path, status, body)
    if (outcome !== undefined && route in this.outcomes) this.outcomes[route as keyof ModeOutcomes][outcome]++
  }

  /** the proxy answered without any clerk */
  unrouted(status: number): void {
    this.unroutedRequests++
    if (status >= 500) this.unroutedErrors++
  }

  /** everything counted since the last take(), as plain data, leaving zero behind (a worker's report) */
  take(): CountersDelta {
    const clerks: Record<string, ClerkDelta> = {}
    for (const u of this.upstreams) clerks[u.id] = u.counters.take()
    const unrouted = { requests: this.unroutedRequests, errors: this.unroutedErrors }
    this.unroutedRequests = 0
    this.unroutedErrors = 0
    const outcomes = this.outcomes
    this.outcomes = noOutcomes()
    const routes = this.routes
    this.routes = {}
    return { clerks, unrouted, outcomes, routes }
  }

  /** adds what another process counted (the primary, a worker's report); unknown clerks are skipped */
  add(delta: CountersDelta): void {
    for (const [id, d] of Object.entries(delta.clerks)) this.upstreams.find((u) => u.id === id)?.counters.add(d)
    this.unroutedRequests += delta.unrouted.requests
    this.unroutedErrors += delta.unrouted.errors
    if (delta.outcomes !== undefined) addOutcomes(this.outcomes, delta.outcomes)
    for (const [prefix, counts] of Object.entries(delta.routes ?? {})) addRouteCounts(this.routes, prefix, counts)
  }
}

function addRouteCounts(into: Record<string, RouteCounts>, prefix: string, by: RouteCounts): void {
  const counts = (into[prefix] ??= { retries: 0, perTryTimeouts: 0 })
  counts.retries += by.retries
  counts.perTryTimeouts += by.perTryTimeouts
}

function addCount<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by)
}
