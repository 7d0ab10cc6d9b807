import { AFFINITIES, decideAffinity, type Affinity, type AffinityRequest, type PinnableView } from './affinity.js'
import { BALANCERS, PICKERS, eligibleForNew, type Balancer } from './pickers.js'

/**
 * A policy is an affinity (affinity.ts: which clerk does this request already belong to?) and a
 * balancer (pickers.ts: which clerk takes a request that belongs to none?). Any affinity combines
 * with any balancer.
 *
 * Its name, in PUT /_lb/policy, POLICY_* and /_lb/status: the balancer alone when there is no
 * affinity, else `<affinity>+<balancer>`; `sticky` is the name of `cookie+round-robin` (the name
 * it always had, and the one /_lb/status shows for it).
 *
 * @example
 *   policyNamed('least-connections')         // { affinity: 'none', balancer: 'least-connections' }
 *   policyNamed('cookie+least-connections')  // the sticky cookie first, least-connections for the rest
 *   policyNamed('cookie+round-robin').name   // 'sticky'
 */
type PinningAffinity = Exclude<Affinity, 'none'>
export type PolicyName = Balancer | 'sticky' | `${PinningAffinity}+${Balancer}`

export interface Policy {
  /** the one name it is shown by */
  readonly name: PolicyName
  readonly affinity: Affinity
  readonly balancer: Balancer
}

function nameOf(affinity: Affinity, balancer: Balancer): PolicyName {
  if (affinity === 'none') return balancer
  if (affinity === 'cookie' && balancer === 'round-robin') return 'sticky'
  return `${affinity}+${balancer}`
}

/** every name a policy may be given, each to its policy: the canonical names and the spelt-out form of `sticky` */
const BY_NAME: ReadonlyMap<string, Policy> = (() => {
  const byName = new Map<string, Policy>()
  for (const affinity of AFFINITIES) {
    for (const balancer of BALANCERS) {
      const policy: Policy = Object.freeze({ name: nameOf(affinity, balancer), affinity, balancer })
      byName.set(policy.name, policy)
      if (affinity !== 'none') byName.set(`${affinity}+${balancer}`, policy)
    }
  }
  return byName
})()

/** what PUT /_lb/policy and POLICY_* accept */
export const POLICY_NAMES = Object.freeze([...BY_NAME.keys()]) as readonly PolicyName[]

export function isPolicyName(value: unknown): value is PolicyName {
  return typeof value === 'string' && BY_NAME.has(value)
}

export function policyNamed(name: PolicyName): Policy {
  const policy = BY_NAME.get(name)
  if (policy === undefined) throw new Error(`no policy named ${JSON.stringify(name)}`)
  return policy
}

/** What the policy chose for one attempt. */
export interface Choice<U> {
  readonly upstream: U
  /** the affinity to hand the customer for this clerk (the forwarder writes it: a Set-Cookie), when not already pinned to it */
  readonly pin: PinningAffinity | undefined
  /** the clerk the request belonged to, when that one could not take it */
  readonly redispatchedFrom: U | undefined
}

/**
 * The affinity step, then, for a request that belongs to no clerk that can take it, the balancer
 * over the clerks that may take a new customer. Pure; `turn` is the caller's counter.
 * Undefined: no clerk can take it.
 */
export function choose<U extends PinnableView>(policy: Policy, upstreams: readonly U[], request: AffinityRequest, turn: number, tried?: ReadonlySet<string>): Choice<U> | undefined {
  const affinity = decideAffinity(policy.affinity, upstreams, request, tried)
  if (affinity.kind === 'pinned') return { upstream: affinity.upstream, pin: undefined, redispatchedFrom: undefined }
  const upstream = PICKERS[policy.balancer](eligibleForNew(upstreams, tried), turn)
  if (upstream === undefined) return undefined
  return {
    upstream,
    pin: policy.affinity === 'none' ? undefined : policy.affinity,
    redispatchedFrom: affinity.kind === 'redispatched' ? affinity.from : undefined,
  }
}
