/**
 * Passive health from the answers themselves (DESIGN.md: "passive ejection on connect
 * failures/5xx"): a clerk that answers 500, 502 or 504 is broken itself, and each such answer
 * counts towards PROXY_HEALTH_FALL like a failed check, so a clerk whose /readyz still says ready but
 * whose dialogue routes fail gets ejected until its checks rise again.
 *
 * 503 is left out on purpose: a clerk answers 503 when Redis is down (shared mode, payments) or
 * while it shuts down. Readiness and the closing-refusal rule handle those; ejecting every clerk
 * for a Redis outage would take stateful and stateless mode down with it.
 *
 * @example
 *   isFailingAnswer(500) // true
 *   isFailingAnswer(503) // false
 */
const FAILING_STATUSES: ReadonlySet<number> = new Set([500, 502, 504])

export function isFailingAnswer(status: number): boolean {
  return FAILING_STATUSES.has(status)
}
