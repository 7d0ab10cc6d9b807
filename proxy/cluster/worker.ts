import type { AdminRequest, AdminResponse } from '../admin-api.js'
import { dashboardDir } from '../dashboard-files.js'
import { createEngine } from '../engines/create-engine.js'
import { EventBus, type ProxyEvent } from '../events.js'
import { isFailingAnswer } from '../failing-answer.js'
import { createHttpFront } from '../http-front.js'
import { listenFailure } from '../listen-error.js'
import { frontLimits, type ProxyOptions } from '../options.js'
import type { PolicyName, RouteKey } from '../../services/common/vocabulary.js'
import type { ClerkDelta, FrontUsage, ProxyStatus } from '../proxy-state.js'
import type { Recorder } from '../recorder.js'
import { Upstream, addCount } from '../upstream.js'
import type { FailureKind, UpstreamFailure } from '../upstream-failure.js'
import { reportListenFailure } from './listen-report.js'
import type { PrimaryToWorker, WorkerToPrimary } from './messages.js'

const FLUSH_MS = 250 // counters reach the primary at most this late
const EJECT_AT_ONCE: ReadonlySet<FailureKind> = new Set(['refused', 'connect_timeout', 'reset_before_send', 'closing'])

function send(message: WorkerToPrimary): void {
  if (process.connected) process.send?.(message)
}

/**
 * A worker's Recorder: counts into its replica Upstreams (deltas, flushed to the primary every
 * FLUSH_MS) and sends what must be seen at once (retries, redispatches, passive failures).
 */
class WorkerRecorder implements Recorder {
  unroutedRequests = 0
  unroutedErrors = 0

  constructor(private readonly upstreams: readonly Upstream[]) {}

  answered(u: Upstream, status: number, seconds: number): void {
    u.requests++
    addCount(u.byStatus, status)
    u.latency.observe(seconds)
    if (status >= 500) {
      u.errors++
      addCount(u.errorsByReason, 'http_5xx')
    }
    if (isFailingAnswer(status)) send({ t: 'failing-answer', clerk: u.id, status })
  }

  attemptFailed(u: Upstream, failure: UpstreamFailure, status: number): void {
    u.requests++
    u.errors++
    addCount(u.byStatus, status)
    addCount(u.errorsByReason, failure.kind)
    // stop sending to a clerk that refused until the primary says it is back
    if (EJECT_AT_ONCE.has(failure.kind)) u.healthy = false
    send({ t: 'passive', clerk: u.id, kind: failure.kind, reason: failure.reason, code: failure.code })
  }

  retried(from: Upstream, to: Upstream, reason: FailureKind): void {
    send({ t: 'retried', from: from.id, to: to.id, reason })
  }

  redispatched(from: Upstream, to: Upstream): void {
    send({ t: 'redispatched', from: from.id, to: to.id })
  }

  pinned(u: Upstream): void {
    u.pinned++
  }

  unrouted(status: number): void {
    this.unroutedRequests++
    if (status >= 500) this.unroutedErrors++
  }

  /** `usage`: what this worker's front holds now against its limits */
  flush(usage: FrontUsage): void {
    const clerks: Record<string, ClerkDelta> = {}
    for (const u of this.upstreams) {
      clerks[u.id] = {
        requests: u.requests,
        errors: u.errors,
        pinned: u.pinned,
        inFlight: u.inFlight,
        byStatus: [...u.byStatus],
        errorsByReason: [...u.errorsByReason],
        latency: { counts: [...u.latency.counts], sum: u.latency.sum, count: u.latency.count },
      }
      u.resetCounters()
    }
    send({ t: 'delta', clerks, unrouted: { requests: this.unroutedRequests, errors: this.unroutedErrors }, usage })
    this.unroutedRequests = 0
    this.unroutedErrors = 0
  }
}

/** A cluster worker: the HTTP front over replicas of the primary's state. */
export async function runWorker(options: ProxyOptions): Promise<void> {
  const upstreams = options.clerks.map((c) => new Upstream(c.id, c.url))
  const byId = new Map(upstreams.map((u) => [u.id, u]))
  const policies: Record<RouteKey, PolicyName> = { ...options.policies }
  const recorder = new WorkerRecorder(upstreams)
  const events = new EventBus()
  let nextId = 1
  const waiting = new Map<number, (value: never) => void>()

  function ask<T>(message: WorkerToPrimary & { id: number }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(message.id)
        reject(new Error('the proxy primary did not answer'))
      }, 15_000)
      waiting.set(message.id, ((value: T) => {
        clearTimeout(timer)
        resolve(value)
      }) as (value: never) => void)
      send(message)
    })
  }

  const front = createHttpFront(
    {
      view: { upstreams, policies },
      recorder,
      admin: (request: AdminRequest) => ask<AdminResponse>({ t: 'admin', id: nextId++, request }),
      events: {
        subscribe: (listener: (event: ProxyEvent) => void) => events.subscribe(listener),
        status: () => ask<ProxyStatus>({ t: 'status', id: nextId++ }),
      },
    },
    createEngine(options.engine, options),
    { bodyCapBytes: options.bodyCapBytes, upstreamTimeoutMs: options.upstreamTimeoutMs, dashboardDir: dashboardDir(), limits: frontLimits(options) },
  )

  process.on('message', (message: PrimaryToWorker) => {
    switch (message.t) {
      case 'routing':
        for (const r of message.upstreams) {
          const u = byId.get(r.id)
          if (u) {
            u.healthy = r.healthy
            u.drained = r.drained
          }
        }
        Object.assign(policies, message.policies)
        return
      case 'event':
        events.publish(message.event)
        return
      case 'admin-reply':
      case 'status-reply': {
        const resolve = waiting.get(message.id)
        waiting.delete(message.id)
        resolve?.((message.t === 'admin-reply' ? message.response : message.status) as never)
        return
      }
      case 'shutdown':
        void stop()
        return
    }
  })

  const flushTimer = setInterval(() => recorder.flush(front.usage()), FLUSH_MS)
  let stopping = false
  async function stop(): Promise<void> {
    if (stopping) return
    stopping = true
    await front.shutdown(options.upstreamTimeoutMs + 1_000)
    clearInterval(flushTimer)
    recorder.flush(front.usage())
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop())
  // the primary is gone (killed): a worker alone has no truth to serve from, and must not linger
  // holding the port
  process.once('disconnect', () => void stop())
  process.on('SIGINT', () => {}) // the primary decides; Ctrl-C reaches the whole group

  try {
    await new Promise<void>((resolve, reject) => {
      front.server.once('error', reject)
      front.server.listen(options.port, options.host, () => {
        front.server.removeListener('error', reject)
        resolve()
      })
    })
  } catch (err) {
    // the primary stops every worker and exits 1; restarting this one would only fail again
    clearInterval(flushTimer)
    reportListenFailure(listenFailure(err, options.host, options.port))
  }
}
