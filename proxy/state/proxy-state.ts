import { namesOf, policiesNamed, policyNamed, type AcceptedPolicyName, type Policy } from '../balance/policy.js'
import type { RouteKey } from '../../services/common/vocabulary.js'
import type { ClerkTarget, ProxyOptions } from '../options.js'
import { applyRouteChanges, routeLookup, type RouteChange, type RouteLookup, type RouteTable } from '../forward/route-table.js'
import { Counters, type Evidence } from './counters.js'
import { EventBus } from './events.js'
import { Health } from './health.js'
import { startStats } from './stats.js'
import { buildStatus, type FrontUsage, type ProxyStatus, type StatusMeta } from './status.js'
import { Upstream } from './upstream.js'
import { WorkerReports } from './worker-reports.js'

/**
 * The one truth about the clerks, in the single proxy process or in the cluster primary: the
 * upstreams and the policy per route (what the forwarder reads, directly or through a worker's
 * replica), and the parts that change or read them, each in its own module:
 *
 * - `health` (health.ts): the state machine, fed by the active checks and passive evidence;
 * - `counters` (counters.ts): the one counting code; a single process's forwarder counts into it,
 *   the primary adds its workers' reports (`workers`, worker-reports.ts);
 * - `evidence`: what the truth does with a failed attempt, a failing answer, a retry or a
 *   redispatch, wherever it was seen (here, or in a worker: cluster/primary.ts passes it on);
 * - status() (status.ts) and the stats timer (stats.ts) read.
 */
export class ProxyState {
  /** changed in place by addClerk/removeClerk, so every reader holding it (health checks, stats, counters) sees the new set */
  readonly upstreams: Upstream[]
  readonly byId: Map<string, Upstream>
  /** the policy per route (a change is a new Policy, so a reader holding the old one is not surprised) */
  readonly policies: Record<RouteKey, Policy>
  /** the route table, ready for the hot path (a change is a new lookup) */
  routes: RouteLookup
  /** the policies the proxy started with (PROXY_POLICY_*): what a reset puts back */
  private readonly startPolicies: Readonly<Record<RouteKey, AcceptedPolicyName>>
  /** the route table the proxy started with (defaults and PROXY_ROUTES): what a reset puts back */
  private readonly startRoutes: RouteTable
  readonly events = new EventBus()
  readonly health: Health
  readonly counters: Counters
  readonly evidence: Evidence
  readonly workers: WorkerReports
  /** called after health, drain or policy changed (the cluster primary tells the workers) */
  onRoutingChange: () => void = () => {}
  /** the front's usage: a single process reads its own front (build-proxy.ts); the primary sums its workers' reports */
  readFrontUsage: () => FrontUsage
  private stopStats: (() => void) | undefined

  constructor(
    clerks: readonly ClerkTarget[],
    policies: Readonly<Record<RouteKey, AcceptedPolicyName>>,
    private readonly meta: StatusMeta & { healthRise: number; healthFall: number; upstreamTimeoutMs: number },
    routes: RouteTable,
  ) {
    this.routes = routeLookup(routes)
    this.startRoutes = this.routes.table
    this.upstreams = clerks.map((c) => new Upstream(c.id, c.url))
    this.byId = new Map(this.upstreams.map((u) => [u.id, u]))
    this.policies = policiesNamed(policies)
    this.startPolicies = Object.freeze({ ...policies })
    this.health = new Health({ rise: meta.healthRise, fall: meta.healthFall }, this.events, () => this.onRoutingChange())
    this.evidence = {
      attemptFailed: (upstream, failure) => this.health.passiveFailure(upstream, failure.kind, failure.reason, failure.code),
      failingAnswer: (upstream, status) => this.health.failingAnswer(upstream, status),
      retried: (from, to, reason, route) => this.events.emit('retry', { from: from.id, to: to.id, reason, ...(route === undefined ? {} : { route }) }),
      redispatched: (from, to) => this.events.emit('redispatch', { from: from.id, to: to.id }),
    }
    this.counters = new Counters(this.upstreams, this.evidence)
    this.workers = new WorkerReports(this.upstreams, this.counters)
    this.readFrontUsage = () => this.workers.usage()
  }

  static fromOptions(options: ProxyOptions): ProxyState {
    return new ProxyState(
      options.clerks,
      options.policies,
      {
        engine: options.engine,
        workers: options.workers,
        launcher: options.launcherUrl !== undefined,
        healthRise: options.healthRise,
        // (the clerks are the start's; admin and discovery add and remove them at run time)
        healthFall: options.healthFall,
        upstreamTimeoutMs: options.upstreamTimeoutMs,
        limits: {
          requestTimeoutMs: options.requestTimeoutMs,
          clientConnections: options.clientConnections,
          requestBufferBytes: options.requestBufferBytes,
          eventSubscribers: options.eventSubscribers,
        },
      },
      options.routes,
    )
  }

  /**
   * A clerk joins at run time (POST /_lb/clerks, DNS discovery): it takes new customers once its
   * health checks say so (like a clerk at start: optimistic until the first check). The caller
   * has checked that neither its id nor its URL is taken.
   */
  addClerk(id: string, url: URL, by: string): Upstream {
    const upstream = new Upstream(id, url)
    this.upstreams.push(upstream)
    this.byId.set(id, upstream)
    this.events.emit('membership', { clerk: id, url: url.origin, change: 'added', by })
    this.onRoutingChange()
    return upstream
  }

  /** A clerk leaves the rotation for good; its sticky cookie names nobody any more. */
  removeClerk(upstream: Upstream, by: string): void {
    const at = this.upstreams.indexOf(upstream)
    if (at === -1) return
    this.upstreams.splice(at, 1)
    this.byId.delete(upstream.id)
    this.events.emit('membership', { clerk: upstream.id, url: upstream.url.origin, change: 'removed', by })
    this.onRoutingChange()
  }

  /** the clerk with this URL (same origin), if any */
  clerkAt(url: URL): Upstream | undefined {
    return this.upstreams.find((u) => u.url.origin === url.origin)
  }

  /** dialogues each clerk said (in /readyz) it took over from a clerk that left: the proxy's count of handoffs */
  readonly handoffsSeen = new Map<string, number>()

  /**
   * Reads the handoff counts of a clerk's /readyz (services/clerk/handoff.ts): a `handoff` event
   * when a clerk claimed dialogues since the last check, and `handoff-failed` when a leaving
   * clerk says its handoff failed (then its dialogues are lost, as on a kill).
   */
  noteReadyz(upstream: Upstream, info: unknown): void {
    const handoff = (info as { handoff?: { claimed?: unknown; state?: unknown; failure?: unknown } } | null | undefined)?.handoff
    if (handoff === undefined || handoff === null || typeof handoff !== 'object') return
    const claimed = typeof handoff.claimed === 'number' && Number.isInteger(handoff.claimed) && handoff.claimed >= 0 ? handoff.claimed : 0
    const before = this.handoffsSeen.get(upstream.id)
    this.handoffsSeen.set(upstream.id, claimed)
    // the first check of a clerk that already claimed some (a proxy restarted) counts them too
    if (claimed > (before ?? 0)) this.events.emit('handoff', { clerk: upstream.id, claimed: claimed - (before ?? 0), total: claimed })
    if (handoff.state === 'failed' && !this.handoffFailuresSeen.has(upstream.id)) {
      this.handoffFailuresSeen.add(upstream.id)
      this.events.emit('handoff', { clerk: upstream.id, failed: true, reason: typeof handoff.failure === 'string' ? handoff.failure : 'the handoff failed' })
    }
  }

  private readonly handoffFailuresSeen = new Set<string>()

  setDrained(upstream: Upstream, drained: boolean): void {
    if (upstream.drained !== drained) {
      upstream.drained = drained
      this.onRoutingChange()
    }
    this.events.emit('drain', { clerk: upstream.id, drained })
  }

  /** `name` may be any name ACCEPTED_POLICY_NAMES holds; events and the status show the policy's own name */
  setPolicy(route: RouteKey, name: AcceptedPolicyName): void {
    const policy = policyNamed(name)
    this.policies[route] = policy
    this.events.emit('policy', { route, policy: policy.name })
    this.onRoutingChange()
  }

  /**
   * Changes one row of the route table (PUT /_lb/routes); throws a ConfigError saying what is
   * wrong, and then nothing changed.
   */
  changeRoute(change: RouteChange): RouteTable {
    const table = applyRouteChanges(this.routes.table, [change], this.meta.upstreamTimeoutMs, 'the route change')
    this.routes = routeLookup(table)
    this.events.emit('routes', { prefix: change.prefix, route: table.find((r) => r.prefix === change.prefix) })
    this.onRoutingChange()
    return table
  }

  /**
   * `POST /_lb/reset` (the workshop's `npm run reset`): the start-up policies and route table back, every clerk
   * undrained, every counter zero, then one `reset` event so the dashboard shows it happened.
   * Health is left to the checks: it is evidence about the clerks, not a setting.
   */
  reset(by: string): { policies: Record<RouteKey, AcceptedPolicyName>; undrained: string[] } {
    const now = this.policyNames()
    for (const route of Object.keys(this.startPolicies) as RouteKey[]) {
      const name = this.startPolicies[route]
      if (now[route] !== name) this.setPolicy(route, name)
    }
    if (this.routes.table !== this.startRoutes) {
      this.routes = routeLookup(this.startRoutes)
      this.onRoutingChange()
    }
    const undrained = this.upstreams.filter((u) => u.drained).map((u) => u.id)
    for (const id of undrained) this.setDrained(this.byId.get(id) as Upstream, false)
    this.counters.take() // a worker's report still on its way adds at most 250 ms of traffic
    this.events.emit('reset', { by, policies: this.policyNames(), undrained })
    return { policies: this.policyNames(), undrained }
  }

  /** each route's policy by its name (/_lb/status, PUT /_lb/policy's answer, the workers' replicas) */
  policyNames(): Record<RouteKey, AcceptedPolicyName> {
    return namesOf(this.policies)
  }

  status(): ProxyStatus {
    return buildStatus({
      upstreams: this.upstreams,
      handoffs: this.handoffsSeen,
      policies: this.policyNames(),
      routes: this.routes.table,
      counters: this.counters,
      usage: this.readFrontUsage(),
      meta: this.meta,
    })
  }

  /** every `intervalMs`, a `stats` event (stats.ts) */
  startStats(intervalMs: number): void {
    this.stopStats?.()
    this.stopStats = startStats(this.upstreams, this.counters, this.events, intervalMs)
  }

  stop(): void {
    this.stopStats?.()
    this.stopStats = undefined
  }
}
