import { eligibleForNew, pickRoundRobin, type Picker, type UpstreamView } from '../../../proxy/balance/pickers.js'
import type { Balancer } from '../../../services/common/vocabulary.js'

// Code track, exercise 1: the least-connections balancer. This file stands in for
// proxy/balance/pickers.ts: round-robin and eligibleForNew are the project's own, you write
// pickLeastConnections. `npm run workshop -- code test 1` runs the project's balancing tests
// against this file; `npm run workshop -- code plug 1` starts a cluster that uses it.
export { eligibleForNew, pickRoundRobin, type Picker, type UpstreamView }

/**
 * Least-connections: of the clerks that may take a new customer (`candidates`, never empty
 * clerks that are down: the caller filtered them), pick the one with the fewest requests in
 * flight (`inFlight`). Undefined when there is no candidate.
 *
 * Ties matter: when every clerk is idle (all at 0), taking the first one every time would send
 * everything to one clerk. Break ties round-robin: start the scan at `turn % candidates.length`
 * and keep the first lowest you meet, so turn 0 prefers the first, turn 1 the second, …
 *
 * @example
 *   pickLeastConnections([a(3), b(1), c(1)], 0) // → b
 *   pickLeastConnections([a(3), b(1), c(1)], 2) // → c  (the scan starts at c)
 *   pickLeastConnections([], 0)                  // → undefined
 */
export function pickLeastConnections<U extends UpstreamView>(candidates: readonly U[], turn: number): U | undefined {
  void candidates
  void turn
  throw new Error('not written yet')
}

/** the table the proxy's policies pick from: keep it, it now holds your function */
export const PICKERS: Readonly<Record<Balancer, Picker>> = Object.freeze({
  'round-robin': pickRoundRobin,
  'least-connections': pickLeastConnections,
})
