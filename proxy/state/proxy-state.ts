import { namesOf, policiesNamed, policyNamed, type AcceptedPolicyName, type Policy } from '../balance/policy.js'
import type { RouteKey } from '../../services/common/vocabulary.js'
import type { ClerkTarget, ProxyOptions } from '../options.js'
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
  readonly upstreams: Upstream[]
  readonly byId: ReadonlyMap<string, Upstream>
  /** the policy per route (a change is a new Policy, so a reader holding the old one is not surprised) */
  readonly policies: Record<RouteKey, Policy>
  /** the policies the proxy started with (PROXY_POLICY_*): what a reset puts back */
  private readonly startPolicies: Readonly<Record<RouteKey, AcceptedPolicyName>>
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
    private readonly meta: StatusMeta & { healthRise: number; healthFall: number },
  ) {
    this.upstreams = clerks.map((c) => new Upstream(c.id, c.url))
    this.byId = new Map(this.upstreams.map((u) => [u.id, u]))
    this.policies = policiesNamed(policies)
    this.startPolicies = Object.freeze({ ...policies })
    this.health = new Health({ rise: meta.healthRise, fall: meta.healthFall }, this.events, () => this.onRoutingChange())
    this.evidence = {
      attemptFailed: (upstream, failure) => this.health.passiveFailure(upstream, failure.kind, failure.reason, failure.code),
      failingAnswer: (upstream, status) => this.health.failingAnswer(upstream, status),
      retried: (from, to, reason) => this.events.emit('retry', { from: from.id, to: to.id, reason }),
      redispatched: (from, to) => this.events.emit('redispatch', { from: from.id, to: to.id }),
    }
    this.counters = new Counters(this.upstreams, this.evidence)
    this.workers = new WorkerReports(this.upstreams, this.counters)
    this.readFrontUsage = () => this.workers.usage()
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
   * `POST /_lb/reset` (the workshop's `npm run reset`): the start-up policies back, every clerk
   * undrained, every counter zero, then one `reset` event so the dashboard shows it happened.
   * Health is left to the checks: it is evidence about the clerks, not a setting.
   */
  reset(by: string): { policies: Record<RouteKey, AcceptedPolicyName>; undrained: string[] } {
    const now = this.policyNames()
    for (const route of Object.keys(this.startPolicies) as RouteKey[]) {
      const name = this.startPolicies[route]
      if (now[route] !== name) this.setPolicy(route, name)
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
    return buildStatus({ upstreams: this.upstreams, policies: this.policyNames(), counters: this.counters, usage: this.readFrontUsage(), meta: this.meta })
  }

  /** every `intervalMs`, a `stats` event (stats.ts) */
  startStats(intervalMs: number): void {
    this.stopStats?.()
    this.stopStats = startStats(this.upstreams, this.events, intervalMs)
  }

  stop(): void {
    this.stopStats?.()
    this.stopStats = undefined
  }
}
