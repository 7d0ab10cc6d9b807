import { AFFINITIES, BALANCERS, POLICY_NAMES, POLICY_PARTS, type Affinity, type Balancer, type PolicyName, type RouteKey } from '../../services/common/vocabulary.js'
import { decideAffinity, type AffinityRequest, type PinnableView } from './affinity.js'
import { PICKERS, eligibleForNew, isEligibleForNew, type TriedClerks } from './pickers.js'

/**
 * A policy is an affinity (affinity.ts: which clerk does this request already belong to?) and a
 * balancer (pickers.ts: which clerk takes a request that belongs to none?). Any affinity combines
 * with any balancer.
 *
 * Its name, in PUT /_lb/policy, PROXY_POLICY_* and /_lb/status: one of the vocabulary's
 * POLICY_NAMES (round-robin, least-connections, sticky: POLICY_PARTS says what each is made of),
 * or `<affinity>+<balancer>` for any other pair. `sticky` is the name of `cookie+round-robin`,
 * which is accepted too, and shown as `sticky`.
 *
 * @example
 *   policyNamed('least-connections')         // { affinity: 'none', balancer: 'least-connections' }
 *   policyNamed('cookie+least-connections')  // the sticky cookie first, least-connections for the rest
 *   policyNamed('cookie+round-robin').name   // 'sticky'
 */
type PinningAffinity = Exclude<Affinity, 'none'>
/** a name PUT /_lb/policy and PROXY_POLICY_* accept */
export type AcceptedPolicyName = PolicyName | `${PinningAffinity}+${Balancer}`

export interface Policy {
  /** the one name it is shown by */
  readonly name: AcceptedPolicyName
  readonly affinity: Affinity
  readonly balancer: Balancer
}

/** every accepted name, each to its policy: the vocabulary's names first, then every other pair spelt out */
const BY_NAME: ReadonlyMap<string, Policy> = (() => {
  const byName = new Map<string, Policy>()
  const byParts = new Map<string, Policy>()
  const partsKey = (affinity: Affinity, balancer: Balancer) => `${affinity}+${balancer}`
  for (const name of POLICY_NAMES) {
    const policy: Policy = Object.freeze({ name, ...POLICY_PARTS[name] })
    byName.set(name, policy)
    byParts.set(partsKey(policy.affinity, policy.balancer), policy)
  }
  for (const affinity of AFFINITIES) {
    for (const balancer of BALANCERS) {
      const key = partsKey(affinity, balancer)
      let policy = byParts.get(key)
      if (policy === undefined) {
        // every pair has a policy: a pair without a name of its own is named by its parts
        if (affinity === 'none') throw new Error(`the vocabulary names no policy for the balancer ${balancer} alone`)
        policy = Object.freeze({ name: `${affinity}+${balancer}` as const, affinity, balancer })
        byParts.set(key, policy)
      }
      if (affinity !== 'none') byName.set(`${affinity}+${balancer}`, policy)
    }
  }
  return byName
})()

/** what PUT /_lb/policy and PROXY_POLICY_* accept: the vocabulary's names, then <affinity>+<balancer> */
export const ACCEPTED_POLICY_NAMES = Object.freeze([...BY_NAME.keys()]) as readonly AcceptedPolicyName[]

export function isAcceptedPolicyName(value: unknown): value is AcceptedPolicyName {
  return typeof value === 'string' && BY_NAME.has(value)
}

export function policyNamed(name: AcceptedPolicyName): Policy {
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
 * over the clerks that may take a new customer. Pure but for `takeTurn`, the caller's counter,
 * called only when the balancer picks: a pinned request takes no turn, or sticky three-step
 * dialogues one after the other over three clerks would each take three turns and all start on
 * the same clerk. Undefined: no clerk can take it.
 */
export function choose<U extends PinnableView>(
  policy: Policy,
  upstreams: readonly U[],
  request: AffinityRequest,
  takeTurn: () => number,
  tried?: TriedClerks,
): Choice<U> | undefined {
  const affinity = decideAffinity(policy.affinity, upstreams, request, tried)
  if (affinity.kind === 'pinned') return { upstream: affinity.upstream, pin: undefined, redispatchedFrom: undefined }
  const candidates = eligibleForNew(upstreams, tried)
  if (candidates.length === 0) return undefined
  const upstream = PICKERS[policy.balancer](candidates, takeTurn())
  if (upstream === undefined) return undefined
  return {
    upstream,
    pin: policy.affinity === 'none' ? undefined : policy.affinity,
    redispatchedFrom: affinity.kind === 'redispatched' ? affinity.from : undefined,
  }
}

/**
 * Whether choose() would find a clerk for this request, without taking a turn or making anything:
 * the exchange asks it on every attempt (may a per-try timeout send the request elsewhere?).
 */
export function canChoose<U extends PinnableView>(policy: Policy, upstreams: readonly U[], request: AffinityRequest, tried?: TriedClerks): boolean {
  if (decideAffinity(policy.affinity, upstreams, request, tried).kind === 'pinned') return true
  for (const u of upstreams) if (isEligibleForNew(u, tried)) return true
  return false
}

/** the policy of each route, from names (any name ACCEPTED_POLICY_NAMES holds) */
export function policiesNamed(names: Readonly<Record<RouteKey, AcceptedPolicyName>>): Record<RouteKey, Policy> {
  const out = {} as Record<RouteKey, Policy>
  for (const route of Object.keys(names) as RouteKey[]) out[route] = policyNamed(names[route])
  return out
}

/** each route's policy by its name */
export function namesOf(policies: Readonly<Record<RouteKey, Policy>>): Record<RouteKey, AcceptedPolicyName> {
  const out = {} as Record<RouteKey, AcceptedPolicyName>
  for (const route of Object.keys(policies) as RouteKey[]) out[route] = policies[route].name
  return out
}
