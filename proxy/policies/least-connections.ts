import type { UpstreamView } from './policy.js'

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
