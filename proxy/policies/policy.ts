/**
 * A balancing policy is a function: given the upstreams' state (and a turn counter the caller
 * keeps), pick one. Policies never do I/O and never change upstream state. Their names are
 * POLICY_NAMES in services/common/vocabulary.ts.
 */

/** What a policy may look at: a read-only view of one clerk. */
export interface UpstreamView {
  readonly id: string
  /** the opaque value of the sticky cookie that names this clerk */
  readonly cookieId: string
  readonly healthy: boolean
  readonly drained: boolean
  readonly inFlight: number
}

/** Clerks that may take a new session: healthy, not drained, and not already tried for this request. */
export function eligibleForNew<U extends UpstreamView>(upstreams: readonly U[], exclude?: ReadonlySet<string>): U[] {
  const out: U[] = []
  for (const u of upstreams) {
    if (u.healthy && !u.drained && !(exclude?.has(u.id) ?? false)) out.push(u)
  }
  return out
}
