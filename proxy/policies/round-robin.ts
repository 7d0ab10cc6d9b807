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
