import type { ClerkTarget, EngineName, FrontLimits, ProxyOptions } from './options.js'
import type { PolicyName, RouteKey } from '../services/common/vocabulary.js'
import type { Recorder } from './recorder.js'
import { EventBus } from './events.js'
import { isFailingAnswer } from './failing-answer.js'
import { Upstream, addCount } from './upstream.js'
import type { FailureKind, UpstreamFailure } from './upstream-failure.js'

/** Failures that prove the clerk is not there: eject at once, without waiting for `fall`. */
const EJECT_AT_ONCE: ReadonlySet<FailureKind> = new Set(['refused', 'connect_timeout', 'reset_before_send', 'closing'])
/** Failures that count towards `fall`, like a failed check. */
const COUNT_TOWARDS_FALL: ReadonlySet<FailureKind> = new Set(['timeout', 'reset', 'bad_response'])

export interface ClerkStatus {
  id: string
  url: string
  healthy: boolean
  drained: boolean
  inFlight: number
  requests: number
  errors: number
  retries: number
  redispatches: number
  pinned: number
  info: unknown
}

export interface ProxyStatus {
  engine: EngineName
  workers: number
  policies: Record<RouteKey, PolicyName>
  clerks: ClerkStatus[]
  counters: { requests: number; errors: number; retries: number; redispatches: number }
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

const NO_USAGE: FrontUsage = Object.freeze({ connections: 0, bufferedBytes: 0, eventStreams: 0 })

/** The delta of counters one cluster worker reports for one clerk. */
export interface ClerkDelta {
  requests: number
  errors: number
  pinned: number
  inFlight: number
  byStatus: [number, number][]
  errorsByReason: [string, number][]
  latency: { counts: number[]; sum: number; count: number }
}

/**
 * The one truth about the clerks: health, drain, policies, counters and the event stream. It lives
 * in the single proxy process, or in the cluster primary. Health checking and passive failures
 * change it; the forwarder reads it (directly, or through a worker's replica).
 */
export class ProxyState implements Recorder {
  readonly upstreams: Upstream[]
  readonly byId: Map<string, Upstream>
  readonly policies: Record<RouteKey, PolicyName>
  readonly events = new EventBus()
  unroutedRequests = 0
  unroutedErrors = 0
  /** called after health, drain or policy changed (the cluster primary tells the workers) */
  onRoutingChange: () => void = () => {}
  private readonly workerInFlight = new Map<number, Map<string, number>>()
  private readonly workerUsage = new Map<number, FrontUsage>()
  /** the front's usage: a single process reads its own front (build-proxy.ts); the primary sums its workers' reports */
  readFrontUsage: () => FrontUsage = () => {
    const sum = { ...NO_USAGE }
    for (const u of this.workerUsage.values()) {
      sum.connections += u.connections
      sum.bufferedBytes += u.bufferedBytes
      sum.eventStreams += u.eventStreams
    }
    return sum
  }
  private statsTimer: NodeJS.Timeout | undefined

  constructor(
    clerks: readonly ClerkTarget[],
    policies: Readonly<Record<RouteKey, PolicyName>>,
    private readonly meta: { engine: EngineName; workers: number; launcher: boolean; healthRise: number; healthFall: number; limits: FrontLimits },
  ) {
    this.upstreams = clerks.map((c) => new Upstream(c.id, c.url))
    this.byId = new Map(this.upstreams.map((u) => [u.id, u]))
    this.policies = { ...policies }
  }

  static fromOptions(options: ProxyOptions): ProxyState {
    return new ProxyState(options.clerks, options.policies, {
      engine: options.engine,
      workers: options.workers,
      launcher: options.launcherUrl !== undefined,
      healthRise: options.healthRise,
      healthFall: options.healthFall,
      limits: {
        requestTimeoutMs: options.requestTimeoutMs,
        clientConnections: options.clientConnections,
        requestBufferBytes: options.requestBufferBytes,
        eventSubscribers: options.eventSubscribers,
      },
    })
  }

  // ---- changes of routing state ---------------------------------------------------------------

  /** `code`: the engine's error code behind a passive ejection, for the log and the event */
  setHealthy(upstream: Upstream, healthy: boolean, reason: string, code?: string): void {
    if (upstream.healthy === healthy) return
    upstream.healthy = healthy
    this.events.emit('health', code === undefined ? { clerk: upstream.id, healthy, reason } : { clerk: upstream.id, healthy, reason, code })
    this.onRoutingChange()
  }

  setDrained(upstream: Upstream, drained: boolean): void {
    if (upstream.drained !== drained) {
      upstream.drained = drained
      this.onRoutingChange()
    }
    this.events.emit('drain', { clerk: upstream.id, drained })
  }

  setPolicy(route: RouteKey, policy: PolicyName): void {
    this.policies[route] = policy
    this.events.emit('policy', { route, policy })
    this.onRoutingChange()
  }

  /** the result of one active check of GET /readyz */
  checkResult(upstream: Upstream, ok: boolean, info: unknown, reason: string, code?: string): void {
    if (info !== undefined) upstream.info = info
    if (ok) {
      upstream.okStreak++
      upstream.failStreak = 0
      if (!upstream.healthy && upstream.okStreak >= this.meta.healthRise) this.setHealthy(upstream, true, reason)
    } else {
      upstream.failStreak++
      upstream.okStreak = 0
      if (upstream.healthy && upstream.failStreak >= this.meta.healthFall) this.setHealthy(upstream, false, reason, code)
    }
  }

  /** a forwarded request failed on this clerk: passive health */
  passiveFailure(upstream: Upstream, kind: FailureKind, reason: string, code?: string): void {
    if (EJECT_AT_ONCE.has(kind)) {
      upstream.okStreak = 0
      upstream.failStreak = Math.max(upstream.failStreak, this.meta.healthFall)
      this.setHealthy(upstream, false, `passive: ${reason}`, code)
    } else if (COUNT_TOWARDS_FALL.has(kind)) {
      this.checkResult(upstream, false, undefined, `passive: ${reason}`, code)
    }
  }

  // ---- Recorder: counters and events from the forwarder ---------------------------------------

  answered(upstream: Upstream, status: number, seconds: number): void {
    upstream.requests++
    addCount(upstream.byStatus, status)
    upstream.latency.observe(seconds)
    if (status >= 500) {
      upstream.errors++
      addCount(upstream.errorsByReason, 'http_5xx')
    }
    if (isFailingAnswer(status)) this.failingAnswer(upstream, status)
  }

  /** the clerk answered a status that says it is broken (failing-answer.ts): towards HEALTH_FALL */
  failingAnswer(upstream: Upstream, status: number): void {
    this.checkResult(upstream, false, undefined, `passive: ${upstream.id} answered ${status}`)
  }

  attemptFailed(upstream: Upstream, failure: UpstreamFailure, status: number): void {
    upstream.requests++
    upstream.errors++
    addCount(upstream.byStatus, status)
    addCount(upstream.errorsByReason, failure.kind)
    this.passiveFailure(upstream, failure.kind, failure.reason, failure.code)
  }

  retried(from: Upstream, to: Upstream, reason: FailureKind): void {
    from.retries++
    this.events.emit('retry', { from: from.id, to: to.id, reason })
  }

  redispatched(from: Upstream, to: Upstream): void {
    from.redispatches++
    this.events.emit('redispatch', { from: from.id, to: to.id })
  }

  pinned(upstream: Upstream): void {
    upstream.pinned++
  }

  unrouted(status: number): void {
    this.unroutedRequests++
    if (status >= 500) this.unroutedErrors++
  }

  // ---- cluster workers' reports -----------------------------------------------------------------

  mergeDelta(workerId: number, clerks: Record<string, ClerkDelta>, unrouted: { requests: number; errors: number }, usage: FrontUsage = NO_USAGE): void {
    this.workerUsage.set(workerId, usage)
    const inFlight = new Map<string, number>()
    for (const [id, d] of Object.entries(clerks)) {
      const u = this.byId.get(id)
      if (!u) continue
      u.requests += d.requests
      u.errors += d.errors
      u.pinned += d.pinned
      for (const [status, n] of d.byStatus) addCount(u.byStatus, status, n)
      for (const [reason, n] of d.errorsByReason) addCount(u.errorsByReason, reason, n)
      u.latency.add(d.latency)
      inFlight.set(id, d.inFlight)
    }
    this.unroutedRequests += unrouted.requests
    this.unroutedErrors += unrouted.errors
    this.workerInFlight.set(workerId, inFlight)
    this.sumInFlight()
  }

  forgetWorker(workerId: number): void {
    this.workerInFlight.delete(workerId)
    this.workerUsage.delete(workerId)
    this.sumInFlight()
  }

  private sumInFlight(): void {
    for (const u of this.upstreams) {
      let n = 0
      for (const m of this.workerInFlight.values()) n += m.get(u.id) ?? 0
      u.inFlight = n
    }
  }

  // ---- what admin and the dashboard see ---------------------------------------------------------

  status(): ProxyStatus {
    const counters = { requests: this.unroutedRequests, errors: this.unroutedErrors, retries: 0, redispatches: 0 }
    const clerks = this.upstreams.map((u) => {
      counters.requests += u.requests
      counters.errors += u.errors
      counters.retries += u.retries
      counters.redispatches += u.redispatches
      return {
        id: u.id,
        url: u.url.origin,
        healthy: u.healthy,
        drained: u.drained,
        inFlight: u.inFlight,
        requests: u.requests,
        errors: u.errors,
        retries: u.retries,
        redispatches: u.redispatches,
        pinned: u.pinned,
        info: u.info,
      }
    })
    const usage = this.readFrontUsage()
    const limits = this.meta.limits
    return {
      engine: this.meta.engine,
      workers: this.meta.workers,
      policies: { ...this.policies },
      clerks,
      counters,
      launcher: this.meta.launcher,
      limits: {
        requestTimeoutMs: limits.requestTimeoutMs,
        clientConnections: { open: usage.connections, max: limits.clientConnections },
        requestBufferBytes: { held: usage.bufferedBytes, max: limits.requestBufferBytes },
        eventSubscribers: { open: usage.eventStreams, max: limits.eventSubscribers },
      },
    }
  }

  /** every `intervalMs`, a `stats` event with per-clerk requests/s, errors/s and in-flight */
  startStats(intervalMs: number): void {
    let last = new Map(this.upstreams.map((u) => [u.id, { requests: u.requests, errors: u.errors }]))
    let lastAt = Date.now()
    this.statsTimer = setInterval(() => {
      const now = Date.now()
      const seconds = Math.max(0.001, (now - lastAt) / 1000)
      const next = new Map<string, { requests: number; errors: number }>()
      let requestsPerSec = 0
      let errorsPerSec = 0
      let inFlight = 0
      const clerks = this.upstreams.map((u) => {
        const before = last.get(u.id) ?? { requests: 0, errors: 0 }
        next.set(u.id, { requests: u.requests, errors: u.errors })
        const r = round((u.requests - before.requests) / seconds)
        const e = round((u.errors - before.errors) / seconds)
        requestsPerSec += r
        errorsPerSec += e
        inFlight += u.inFlight
        return { id: u.id, clerk: u.id, requestsPerSec: r, errorsPerSec: e, inFlight: u.inFlight, healthy: u.healthy, drained: u.drained }
      })
      last = next
      lastAt = now
      this.events.emit('stats', { clerks, totals: { requestsPerSec: round(requestsPerSec), errorsPerSec: round(errorsPerSec), inFlight } })
    }, intervalMs)
    this.statsTimer.unref()
  }

  stop(): void {
    if (this.statsTimer) clearInterval(this.statsTimer)
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10
}
