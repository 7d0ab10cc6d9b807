import type { AdminRequest, AdminResponse } from '../admin/admin-api.js'
import { policiesNamed } from '../balance/policy.js'
import { createEngine } from '../forward/engines/create-engine.js'
import { FAILURES } from '../forward/failures.js'
import { routeLookup } from '../forward/route-table.js'
import { dashboardDir } from '../front/dashboard-files.js'
import { createFront } from '../front/create-front.js'
import { listenFailure } from '../front/listen-failure.js'
import { frontLimits, type ProxyOptions } from '../options.js'
import { Counters, type Evidence } from '../state/counters.js'
import { EventBus, type ProxyEvent } from '../state/events.js'
import type { ProxyStatus } from '../state/status.js'
import { Upstream } from '../state/upstream.js'
import { inFlightOf, openStreamsOf } from '../state/worker-reports.js'
import type { ListenFailed, PrimaryToWorker, RoutingState, WorkerToPrimary } from './messages.js'

const REPORT_MS = 250 // counters reach the primary at most this late

function send(message: WorkerToPrimary): void {
  if (process.connected) process.send?.(message)
}

/**
 * A worker's evidence goes to the primary, which holds the truth (cluster/primary.ts hands each
 * message to the truth's own Evidence). One thing is decided here too, on the worker's replica: a
 * failure whose row in the failure table ejects at once stops this worker sending to that clerk
 * until the primary says it is back.
 */
export function workerEvidence(tell: (message: WorkerToPrimary) => void): Evidence {
  return {
    attemptFailed(upstream, failure) {
      if (FAILURES[failure.kind].ejectAtOnce) upstream.healthy = false
      tell({ t: 'passive', clerk: upstream.id, failure })
    },
    failingAnswer: (upstream, status) => tell({ t: 'failing-answer', clerk: upstream.id, status }),
    retried: (from, to, reason, route) => tell({ t: 'retried', from: from.id, to: to.id, reason, ...(route === undefined ? {} : { route }) }),
    redispatched: (from, to) => tell({ t: 'redispatched', from: from.id, to: to.id }),
  }
}

/** A cluster worker: the HTTP front over replicas of the primary's state. */
export async function runWorker(options: ProxyOptions): Promise<void> {
  const upstreams = options.clerks.map((c) => new Upstream(c.id, c.url))
  const byId = new Map(upstreams.map((u) => [u.id, u]))
  const policies = policiesNamed(options.policies)
  // the forwarder reads view.routes on each request; the primary's routing messages replace it
  const view = { upstreams, policies, routes: routeLookup(options.routes) }
  // the same counting code as a single process; what it counted goes to the primary every REPORT_MS
  const counters = new Counters(upstreams, workerEvidence(send))
  const events = new EventBus()
  let nextId = 1
  const waiting = new Map<number, (value: never) => void>()

  function ask<T>(message: WorkerToPrimary & { id: number }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(message.id)
        reject(new Error('the proxy primary did not answer'))
      }, 15_000)
      waiting.set(message.id, (value: T) => {
        clearTimeout(timer)
        resolve(value)
      })
      send(message)
    })
  }

  const front = createFront(
    options.engine,
    {
      view,
      counters,
      admin: (request: AdminRequest) => ask<AdminResponse>({ t: 'admin', id: nextId++, request }),
      events: {
        subscribe: (listener: (event: ProxyEvent) => void) => events.subscribe(listener),
        status: () => ask<ProxyStatus>({ t: 'status', id: nextId++ }),
        history: () => events.history(),
      },
    },
    createEngine(options.engine, options),
    { bodyCapBytes: options.bodyCapBytes, upstreamTimeoutMs: options.upstreamTimeoutMs, dashboardDir: dashboardDir(), limits: frontLimits(options) },
  )

  process.on('message', (message: PrimaryToWorker) => {
    switch (message.t) {
      case 'routing':
        syncReplica(upstreams, byId, message.upstreams)
        Object.assign(policies, policiesNamed(message.policies))
        view.routes = routeLookup(message.routes)
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

  const report = () => send({ t: 'report', report: { counters: counters.take(), inFlight: inFlightOf(upstreams), openStreams: openStreamsOf(upstreams), usage: front.usage() } })
  const reportTimer = setInterval(report, REPORT_MS)
  let stopping = false
  async function stop(): Promise<void> {
    if (stopping) return
    stopping = true
    await front.shutdown(options.upstreamTimeoutMs + 1_000)
    clearInterval(reportTimer)
    report()
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
    clearInterval(reportTimer)
    reportListenFailure(listenFailure(err, options.host, options.port))
  }
}

/**
 * The worker's replica follows the primary's list: health and drain of each clerk, and the set
 * itself (clerks added or removed at run time), changed in place so the forwarder and the
 * counters, which hold the same array, see it. A removed clerk's counts not yet reported are lost
 * with it (at most 250 ms of them).
 */
export function syncReplica(upstreams: Upstream[], byId: Map<string, Upstream>, truth: RoutingState['upstreams']): void {
  const wanted = new Set(truth.map((r) => r.id))
  for (let i = upstreams.length - 1; i >= 0; i--) {
    const u = upstreams[i] as Upstream
    if (!wanted.has(u.id)) {
      upstreams.splice(i, 1)
      byId.delete(u.id)
    }
  }
  for (const r of truth) {
    let u = byId.get(r.id)
    if (u === undefined) {
      u = new Upstream(r.id, new URL(r.url))
      upstreams.push(u)
      byId.set(r.id, u)
    }
    u.healthy = r.healthy
    u.drained = r.drained
  }
}

/**
 * Tells the primary this worker cannot listen. The worker then waits to be stopped by the primary
 * rather than exiting: an exit could reach the primary before the message does, and it would
 * read as a crash.
 */
function reportListenFailure(message: string): void {
  const report: ListenFailed = { t: 'listen-failed', message }
  if (process.connected && process.send) {
    process.send(report)
    return
  }
  // no primary to tell (it died meanwhile): say it ourselves
  process.stderr.write(`proxy: ${message}\n`)
  process.exit(1)
}
