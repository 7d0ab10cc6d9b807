import { eligibleForNew, pickRoundRobin, type Picker, type UpstreamView } from '../../../proxy/balance/pickers.js'
import type { Balancer } from '../../../services/common/vocabulary.js'

// Code track, exercise 1: the answer key (the same idea as proxy/balance/pickers.ts).
export { eligibleForNew, pickRoundRobin, type Picker, type UpstreamView }

/** Least-connections, ties round-robin from the turn counter: see stub.ts for the task. */
export function pickLeastConnections<U extends UpstreamView>(candidates: readonly U[], turn: number): U | undefined {
  const n = candidates.length
  if (n === 0) return undefined
  let best: U | undefined
  for (let i = 0; i < n; i++) {
    const u = candidates[(turn + i) % n] as U
    // strictly fewer: on a tie the first met in the scan, i.e. the one nearest the turn, stays
    if (best === undefined || u.inFlight < best.inFlight) best = u
  }
  return best
}

export const PICKERS: Readonly<Record<Balancer, Picker>> = Object.freeze({
  'round-robin': pickRoundRobin,
  'least-connections': pickLeastConnections,
})
