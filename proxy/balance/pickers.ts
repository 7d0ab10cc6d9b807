import type { Balancer } from '../../services/common/vocabulary.js'

/**
 * The balancers (BALANCERS of services/common/vocabulary.ts): given the clerks that may take a new
 * customer, pick one. A table of pure functions: no I/O, no change to any clerk; the turn counter
 * is the caller's (the forwarder keeps one per route).
 */

/** What a picker may look at: a read-only view of one clerk. */
export interface UpstreamView {
  readonly id: string
  readonly healthy: boolean
  readonly drained: boolean
  readonly inFlight: number
}

export type Picker = <U extends UpstreamView>(candidates: readonly U[], turn: number) => U | undefined

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

export const PICKERS: Readonly<Record<Balancer, Picker>> = Object.freeze({
  'round-robin': pickRoundRobin,
  'least-connections': pickLeastConnections,
})

/** the clerks already tried for a request, by id (a Set is one; the exchange keeps a smaller one) */
export type TriedClerks = Pick<ReadonlySet<string>, 'has'>

/** Clerks that may take a new customer: healthy, not drained, and not already tried for this request. */
export function eligibleForNew<U extends UpstreamView>(upstreams: readonly U[], exclude?: TriedClerks): U[] {
  const out: U[] = []
  for (const u of upstreams) {
    if (isEligibleForNew(u, exclude)) out.push(u)
  }
  return out
}

/** the rule eligibleForNew applies to each clerk */
export function isEligibleForNew(u: UpstreamView, exclude?: TriedClerks): boolean {
  return u.healthy && !u.drained && !(exclude?.has(u.id) ?? false)
}
