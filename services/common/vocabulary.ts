/**
 * The words every part of the cluster shares, each list written once: the session modes, the
 * dialogue's steps, the proxy's routes, balancers, affinities and policy names, the chaos verbs
 * (with what each does) and the Redis verbs. The clerk, the proxy, the launcher, the load test and
 * the dashboard all import them from here.
 *
 * Pure data, no imports: the proxy serves the compiled file (dist/services/common/vocabulary.js)
 * to the browser at /dashboard/vocabulary.js, and the dashboard imports it as `./vocabulary.js`.
 * A unit test (test/unit/common/vocabulary.test.ts) fails when a second copy of a list appears.
 *
 * @example
 *   if (!isMode(request.params.mode)) throw notFound
 *   for (const verb of CLERK_VERBS) console.log(`${verb}  ${CHAOS_VERBS[verb].does}`)
 */

function within<T extends string>(list: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (list as readonly string[]).includes(value)
}

/** where a dialogue's state lives: the clerk's memory, the client's token, Redis */
export const MODES = Object.freeze(['stateful', 'stateless', 'shared'] as const)
export type Mode = (typeof MODES)[number]
export const isMode = (value: unknown): value is Mode => within(MODES, value)

/** what the proxy's event stream (`/_lb/events`) tells: each is an SSE `event:` name the pages listen to */
export const PROXY_EVENT_TYPES = Object.freeze([
  'hello',
  'health',
  'redispatch',
  'retry',
  'policy',
  'routes',
  'drain',
  'chaos',
  'stats',
  'loadtest',
  'membership',
  'handoff',
  'reset',
] as const)
export type ProxyEventType = (typeof PROXY_EVENT_TYPES)[number]

/** the dialogue: ask the price, buy a quantity, pay */
export const STEPS = Object.freeze(['ask', 'buy', 'pay'] as const)
export type Step = (typeof STEPS)[number]
export const isStep = (value: unknown): value is Step => within(STEPS, value)

/**
 * how a dialogue's answer ended, as the proxy counts it per mode and the load test per dialogue:
 * a paid dialogue, a clerk that never heard of it (409 context_lost: "2 of what?"), a 5xx
 */
export const DIALOGUE_OUTCOMES = Object.freeze(['completed', 'context_lost', 'failed'] as const)
export type DialogueOutcome = (typeof DIALOGUE_OUTCOMES)[number]

/** the proxy's forwarded routes, each with its own policy: the three modes' prefixes and /orders */
export const ROUTES = Object.freeze([...MODES, 'orders'] as const)
export type RouteKey = (typeof ROUTES)[number]
export const isRouteKey = (value: unknown): value is RouteKey => within(ROUTES, value)

/** how the proxy picks a clerk for a request that belongs to none yet */
export const BALANCERS = Object.freeze(['round-robin', 'least-connections'] as const)
export type Balancer = (typeof BALANCERS)[number]
export const isBalancer = (value: unknown): value is Balancer => within(BALANCERS, value)

/**
 * what ties a request to a clerk before balancing: nothing, the proxy's sticky cookie, the
 * client's TCP connection (as an L4 balancer does: every request of one kept-alive connection to
 * the clerk the connection was first given; a new connection may go elsewhere), or the clerk named
 * by an MCP session id (`Mcp-Session-Id`, else the sticky cookie: proxy/balance/affinity.ts)
 */
export const AFFINITIES = Object.freeze(['none', 'cookie', 'connection', 'mcp-session'] as const)
export type Affinity = (typeof AFFINITIES)[number]
export const isAffinity = (value: unknown): value is Affinity => within(AFFINITIES, value)

/** the named policies; `PUT /_lb/policy` and PROXY_POLICY_* also take `<affinity>+<balancer>` for any pair (proxy/balance/policy.ts) */
export const POLICY_NAMES = Object.freeze(['round-robin', 'least-connections', 'sticky', 'per-connection'] as const)
export type PolicyName = (typeof POLICY_NAMES)[number]
export const isPolicyName = (value: unknown): value is PolicyName => within(POLICY_NAMES, value)

/** what each policy name means: an affinity step, then a balancer (sticky = cookie over round-robin, per-connection = connection over round-robin) */
export const POLICY_PARTS: Readonly<Record<PolicyName, { readonly affinity: Affinity; readonly balancer: Balancer }>> = Object.freeze({
  'round-robin': Object.freeze({ affinity: 'none', balancer: 'round-robin' }),
  'least-connections': Object.freeze({ affinity: 'none', balancer: 'least-connections' }),
  sticky: Object.freeze({ affinity: 'cookie', balancer: 'round-robin' }),
  'per-connection': Object.freeze({ affinity: 'connection', balancer: 'round-robin' }),
})

/** the policy of each route when nothing else is said (PROXY_POLICY_*, docs/contract.md) */
export const DEFAULT_POLICIES: Readonly<Record<RouteKey, PolicyName>> = Object.freeze({
  stateful: 'sticky',
  stateless: 'round-robin',
  shared: 'round-robin',
  orders: 'round-robin',
})

/** the launcher's process states (what `GET /_cluster/status` reports per process) */
export const PROCESS_STATES = Object.freeze(['starting', 'running', 'paused', 'dead', 'stopped'] as const)
export type ProcessState = (typeof PROCESS_STATES)[number]

export interface ChaosVerbMeaning {
  /** the signal the launcher sends, or null when it does something else */
  readonly signal: 'SIGKILL' | 'SIGTERM' | 'SIGSTOP' | 'SIGCONT' | null
  /** what happens to the clerk, in a few words (usage text, dashboard tooltips) */
  readonly does: string
  /** the process states in which the launcher carries it out (it refuses the others) */
  readonly when: readonly ProcessState[]
  /** true when it also works without `npm start`'s launcher (compose: the clerk's admin routes) */
  readonly withoutLauncher: boolean
}

/** the chaos verbs for a clerk, with what each does; `slow` takes a number of ms */
export const CHAOS_VERBS = Object.freeze({
  kill: {
    signal: 'SIGKILL',
    does: 'the clerk dies at once, mid-request, and stays down until revive',
    when: ['starting', 'running', 'paused'],
    withoutLauncher: true,
  },
  terminate: {
    signal: 'SIGTERM',
    does: 'the clerk finishes its in-flight answers, then exits',
    when: ['starting', 'running', 'paused'],
    withoutLauncher: false,
  },
  pause: {
    signal: 'SIGSTOP',
    does: 'a hung clerk (its port accepts, nothing answers)',
    when: ['running'],
    withoutLauncher: false,
  },
  resume: { signal: 'SIGCONT', does: 'the paused clerk answers again', when: ['paused'], withoutLauncher: false },
  revive: {
    signal: null,
    does: 'starts a killed or terminated clerk again, same id and port (its memory starts empty)',
    when: ['dead', 'stopped'],
    withoutLauncher: false,
  },
  slow: {
    signal: null,
    does: 'every dialogue answer of the clerk waits that many ms (0 undoes it)',
    when: ['running'],
    withoutLauncher: true,
  },
  remove: {
    signal: 'SIGTERM',
    does: 'the proxy drains the clerk, it hands its stateful dialogues over and exits, and it leaves the cluster for good (`add` starts a new one)',
    when: ['starting', 'running', 'paused', 'dead', 'stopped'],
    withoutLauncher: false,
  },
} as const satisfies Record<string, ChaosVerbMeaning>)

/** the longest delay `slow` sets (ms): the clerk, the launcher, the proxy and the CLI check it */
export const MAX_SLOW_MS = 60_000 // 60 s

export type ClerkVerb = keyof typeof CHAOS_VERBS
/** the chaos verbs in the order the usage texts list them */
export const CLERK_VERBS = Object.freeze(Object.keys(CHAOS_VERBS)) as readonly ClerkVerb[]
export const isClerkVerb = (value: unknown): value is ClerkVerb => within(CLERK_VERBS, value)

/** what the launcher does to its private redis-server */
export const REDIS_CHAOS = Object.freeze({
  stop: 'stops it (data saved): shared mode and payments answer 503',
  start: 'starts it again, with every order it acknowledged',
  kill: 'SIGKILL, a crash: it is restarted within a second, with every order it acknowledged',
} as const)

export type RedisVerb = keyof typeof REDIS_CHAOS
/** the Redis verbs in the order the usage texts list them */
export const REDIS_VERBS = Object.freeze(Object.keys(REDIS_CHAOS)) as readonly RedisVerb[]
export const isRedisVerb = (value: unknown): value is RedisVerb => within(REDIS_VERBS, value)

export type ChaosVerb = ClerkVerb | RedisVerb
