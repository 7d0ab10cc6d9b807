import { FAILURES, type FailureKind } from '../forward/failures.js'
import type { EventBus } from './events.js'
import type { Upstream } from './upstream.js'

export interface HealthRules {
  /** PROXY_HEALTH_RISE: successes in a row that bring an ejected clerk back */
  rise: number
  /** PROXY_HEALTH_FALL: failures in a row that eject a clerk */
  fall: number
}

/**
 * The health state machine of the clerks, in the process that holds the truth (a single proxy, or
 * the cluster primary). Active checks (health-checker.ts) and passive evidence (what the
 * forwarder saw, read through the failure table) come in; a clerk goes out of rotation or back,
 * with a `health` event and `changed()` (the primary tells its workers). Nothing else changes
 * `healthy`, except a cluster worker's own replica, which ejects at once what the table says to.
 */
export class Health {
  constructor(
    private readonly rules: HealthRules,
    private readonly events: EventBus,
    private readonly changed: () => void,
  ) {}

  /** `code`: the engine's error code behind a passive ejection, for the log and the event */
  setHealthy(upstream: Upstream, healthy: boolean, reason: string, code?: string): void {
    if (upstream.healthy === healthy) return
    upstream.healthy = healthy
    this.events.emit('health', code === undefined ? { clerk: upstream.id, healthy, reason } : { clerk: upstream.id, healthy, reason, code })
    this.changed()
  }

  /** the result of one active check of GET /readyz (or passive evidence that counts like one) */
  checkResult(upstream: Upstream, ok: boolean, info: unknown, reason: string, code?: string): void {
    if (info !== undefined) upstream.info = info
    if (ok) {
      upstream.okStreak++
      upstream.failStreak = 0
      if (!upstream.healthy && upstream.okStreak >= this.rules.rise) this.setHealthy(upstream, true, reason)
    } else {
      upstream.failStreak++
      upstream.okStreak = 0
      if (upstream.healthy && upstream.failStreak >= this.rules.fall) this.setHealthy(upstream, false, reason, code)
    }
  }

  /** a forwarded request failed on this clerk: what its row in the failure table says */
  passiveFailure(upstream: Upstream, kind: FailureKind, reason: string, code?: string): void {
    const row = FAILURES[kind]
    if (row.ejectAtOnce) {
      upstream.okStreak = 0
      upstream.failStreak = Math.max(upstream.failStreak, this.rules.fall)
      this.setHealthy(upstream, false, `passive: ${reason}`, code)
    } else if (row.countsTowardsFall) {
      this.checkResult(upstream, false, undefined, `passive: ${reason}`, code)
    }
  }

  /** the clerk answered a status that says it is broken (failures.ts isFailingAnswer): towards PROXY_HEALTH_FALL */
  failingAnswer(upstream: Upstream, status: number): void {
    this.checkResult(upstream, false, undefined, `passive: ${upstream.id} answered ${status}`)
  }
}
