import type { UpstreamView } from './policy.js'

/**
 * Round-robin: the turn counter picks the next candidate in order.
 *
 * @example
 *   pickRoundRobin([a, b, c], 4) // → b
 */
export function pickRoundRobin<U extends UpstreamView>(candidates: readonly U[], turn: number): U | undefined {
  if (candidates.length === 0) return undefined
  return candidates[turn % candidates.length]
}

/**
 * Least-connections: the candidate with the fewest requests in flight; ties go round-robin
 * (starting the scan at the turn counter), so idle clerks share the work instead of the first one
 * taking everything.
 *
 * @example
 *   pickLeastConnections([a(3), b(1), c(1)], 0) // → b;  turn 2 → c
 */
export function pickLeastConnections<U extends UpstreamView>(candidates: readonly U[], turn: number): U | undefined {
  const n = candidates.length
  if (n === 0) return undefined
  let best: U | undefined
  for (let i = 0; i < n; i++) {
    const u = candidates[(turn + i) % n] as U
    if (best === undefined || u.inFlight < best.inFlight) best = u
  }
  return best
}
