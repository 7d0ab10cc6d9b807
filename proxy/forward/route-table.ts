import { ConfigError } from '../../services/common/options.js'
import { MODES, ROUTES, STEPS, type RouteKey, type Step } from '../../services/common/vocabulary.js'

/**
 * THE route table: for each route prefix (and the dialogue step where it matters), which failures
 * of an attempt that may have reached a clerk are tried again on another clerk, how many attempts,
 * how long one attempt may take, the whole request's deadline, and whether the route is
 * idempotent by design (a repeat on another clerk can do no harm, whatever the method), with the
 * reason in words. The model is Envoy's per-route `retry_policy`.
 *
 * A request that never reached a clerk (refused, connect failure, turned away by a clerk shutting
 * down) is retried on every route: that rule is the failure table's (failures.ts), not a route's.
 * The retry rules (retry-rules.ts) read a row; the forwarder runs its timers; `/_lb/status` shows
 * the table and `PUT /_lb/routes` changes a row at run time. docs/contract.md "Route table".
 */

/** what a route may retry on, each naming rows of the failure table (failures.ts `retryOn`) */
export const RETRY_CONDITIONS = Object.freeze(['reset', 'bad-response', 'per-try-timeout'] as const)
export type RetryCondition = (typeof RETRY_CONDITIONS)[number]

/** where the retry of an answer in `retryOnStatuses` goes */
export const STATUS_RETRY_TARGETS = Object.freeze(['another-clerk', 'same-clerk'] as const)
export type StatusRetryTarget = (typeof STATUS_RETRY_TARGETS)[number]

export interface RouteRetryPolicy {
  /** `/stateless` (every step of the mode), `/stateless/pay` (one step), `/orders` */
  readonly prefix: string
  /** failures of an attempt that may have reached the clerk that are retried on this route */
  readonly retryOn: readonly RetryCondition[]
  /** answers (5xx) that are retried like a failure, when repeating is harmless */
  readonly retryOnStatuses: readonly number[]
  /**
   * where such an answer is retried: `another-clerk`, or `same-clerk` where the dialogue lives in
   * the answering clerk's memory (it answered, so it is alive, and no other clerk can act on the
   * dialogue), after a short pause (exchange.ts SAME_CLERK_PAUSE_MS)
   */
  readonly retryStatusesOn: StatusRetryTarget
  /** attempts in all, the first included */
  readonly attempts: number
  /** one attempt is abandoned after this (ms); null: an attempt may take the whole deadline */
  readonly perTryTimeoutMs: number | null
  /** the whole request, every attempt included, ends within this (ms); null: PROXY_UPSTREAM_TIMEOUT_MS */
  readonly deadlineMs: number | null
  /** a repeat on another clerk is harmless whatever the method (the reason says why) */
  readonly idempotentByDesign: boolean
  /** a keyless request gets an Idempotency-Key of the proxy's own, the same on every attempt */
  readonly proxyIdempotencyKey: boolean
  /** why these settings are safe, in one or two sentences */
  readonly why: string
}

export type RouteTable = readonly RouteRetryPolicy[]

const MODE_ROUTES = MODES.map((mode) => `/${mode}`)
/** every prefix a row may name: each route, and each dialogue step of each mode */
export const ROUTE_PREFIXES: readonly string[] = Object.freeze([...ROUTES.map((r) => `/${r}`), ...MODE_ROUTES.flatMap((m) => STEPS.map((s) => `${m}/${s}`))])

export const MAX_ATTEMPTS_PER_ROUTE = 5
const MAX_TIMEOUT_MS = 600_000 // 10 min, PROXY_UPSTREAM_TIMEOUT_MS's own bound

const PAY_WHY =
  'pay is idempotent per dialogue through the ledger: a repeat finds the order the first attempt wrote and replays it, never a second charge; ' +
  'a keyless pay gets an Idempotency-Key of the proxy, the same on every attempt, so a stateless pay in explicit fields replays too'

/**
 * The defaults, each with its reason (docs/contract.md repeats them, docs/failover.md explains
 * them; test/integration/proxy/keyless-failover.test.ts proves each reason against real clerks).
 */
export function defaultRouteTable(perTryTimeoutMs: number | null): RouteTable {
  const row = (prefix: string, fields: Partial<RouteRetryPolicy> & { why: string }): RouteRetryPolicy =>
    Object.freeze({
      prefix,
      retryOn: [...RETRY_CONDITIONS],
      retryOnStatuses: [],
      retryStatusesOn: 'another-clerk',
      attempts: 3,
      perTryTimeoutMs,
      deadlineMs: null,
      idempotentByDesign: true,
      proxyIdempotencyKey: false,
      ...fields,
    })
  // a pay answered 503 charged nothing (Redis refused it, or past the attempt's deadline: the
  // ledger's script writes nothing then), and a repeat is replayed by the ledger: retried
  const PAY = { proxyIdempotencyKey: true, retryOnStatuses: [503] }
  const noPerTry = { retryOn: ['reset', 'bad-response'] as RetryCondition[], perTryTimeoutMs: null }
  // an answer of the clerk that holds a stateful dialogue is retried there: another clerk could
  // only answer 409 context_lost
  const heldByClerk = { retryStatusesOn: 'same-clerk' as const }
  return Object.freeze([
    row('/stateless', { why: 'a stateless step is a pure function of its request (the context token travels with it): any clerk answers a repeat the same' }),
    row('/stateless/pay', { ...PAY, why: PAY_WHY }),
    row('/shared', {
      why: 'the dialogue lives in Redis: a repeated ask starts the dialogue again, a repeated buy sets the same quantity, on whichever clerk',
    }),
    row('/shared/pay', { ...PAY, why: PAY_WHY }),
    row('/stateful', {
      ...noPerTry,
      ...heldByClerk,
      why:
        'the dialogue lives in one clerk\'s memory: a repeat on another clerk cannot act on it and answers 409 context_lost ("2 of what?"), the truth, instead of a 502; ' +
        'no per-try timeout: a slow clerk still holds the dialogue, and abandoning it would lose it',
    }),
    row('/stateful/ask', {
      why:
        'ask starts a new dialogue (an unpaid earlier one is dropped whichever clerk answers), so a slow clerk may be abandoned after the per-try timeout: ' +
        'another clerk starts the dialogue and the sticky cookie follows it; a late answer of the slow clerk holds a dialogue nobody continues',
    }),
    row('/stateful/pay', {
      ...noPerTry,
      ...PAY,
      ...heldByClerk,
      why:
        `${PAY_WHY}; after a failure another clerk answers 409 context_lost, or the order if it was written (a receipt); ` +
        "a 503 (nothing was charged: the clerk's ledger call failed) is retried on the same clerk, the one that holds the dialogue",
    }),
    row('/orders', { idempotentByDesign: false, why: 'reads only: GET is idempotent by its method (RFC 9110), nothing else is repeated' }),
  ])
}

export const ROUTE_FIELDS = Object.freeze([
  'prefix',
  'retryOn',
  'retryOnStatuses',
  'retryStatusesOn',
  'attempts',
  'perTryTimeoutMs',
  'deadlineMs',
  'idempotentByDesign',
  'proxyIdempotencyKey',
  'why',
] as const satisfies readonly (keyof RouteRetryPolicy)[])

/** one row's change: its prefix and the fields that change */
export type RouteChange = { readonly prefix: string } & Partial<Omit<RouteRetryPolicy, 'prefix'>>

/**
 * Checks a change as JSON gave it: throws a ConfigError with one sentence (`where` names the
 * source: PROXY_ROUTES, or the admin body) on the first thing wrong.
 */
export function readRouteChange(value: unknown, where: string): RouteChange {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(`${where} must be an object such as {"prefix":"/stateless","attempts":2}`)
  const v = value as Record<string, unknown>
  for (const key of Object.keys(v)) {
    if (!(ROUTE_FIELDS as readonly string[]).includes(key)) throw new ConfigError(`${where} has an unknown field "${key}" (known: ${ROUTE_FIELDS.join(', ')})`)
  }
  const { prefix } = v
  if (typeof prefix !== 'string' || !ROUTE_PREFIXES.includes(prefix)) {
    throw new ConfigError(`${where} needs "prefix", one of ${ROUTE_PREFIXES.join(', ')}, got ${JSON.stringify(prefix)}`)
  }
  const at = `${where} (${prefix})`
  if (v.retryOn !== undefined) {
    if (!Array.isArray(v.retryOn) || v.retryOn.some((c) => !(RETRY_CONDITIONS as readonly unknown[]).includes(c))) {
      throw new ConfigError(`${at} "retryOn" must be a list of ${RETRY_CONDITIONS.join(', ')}, got ${JSON.stringify(v.retryOn)}`)
    }
  }
  if (v.retryOnStatuses !== undefined) {
    if (!Array.isArray(v.retryOnStatuses) || v.retryOnStatuses.some((s) => !Number.isInteger(s) || (s as number) < 500 || (s as number) > 599)) {
      throw new ConfigError(`${at} "retryOnStatuses" must be a list of 5xx statuses such as [502, 503], got ${JSON.stringify(v.retryOnStatuses)}`)
    }
  }
  if (v.retryStatusesOn !== undefined && !(STATUS_RETRY_TARGETS as readonly unknown[]).includes(v.retryStatusesOn)) {
    throw new ConfigError(`${at} "retryStatusesOn" must be ${STATUS_RETRY_TARGETS.join(' or ')}, got ${JSON.stringify(v.retryStatusesOn)}`)
  }
  if (v.attempts !== undefined && (!Number.isInteger(v.attempts) || (v.attempts as number) < 1 || (v.attempts as number) > MAX_ATTEMPTS_PER_ROUTE)) {
    throw new ConfigError(`${at} "attempts" must be a whole number from 1 to ${MAX_ATTEMPTS_PER_ROUTE}, got ${JSON.stringify(v.attempts)}`)
  }
  for (const field of ['perTryTimeoutMs', 'deadlineMs'] as const) {
    const ms = v[field]
    if (ms !== undefined && ms !== null && (!Number.isInteger(ms) || (ms as number) < 1 || (ms as number) > MAX_TIMEOUT_MS)) {
      throw new ConfigError(`${at} "${field}" must be null or a whole number of ms from 1 to ${MAX_TIMEOUT_MS}, got ${JSON.stringify(ms)}`)
    }
  }
  for (const field of ['idempotentByDesign', 'proxyIdempotencyKey'] as const) {
    if (v[field] !== undefined && typeof v[field] !== 'boolean') throw new ConfigError(`${at} "${field}" must be true or false, got ${JSON.stringify(v[field])}`)
  }
  if (v.why !== undefined && (typeof v.why !== 'string' || v.why.trim() === '' || v.why.length > 1000)) {
    throw new ConfigError(`${at} "why" must be a sentence (1-1000 characters)`)
  }
  return v as RouteChange
}

/** PROXY_ROUTES: a JSON list of changes over the defaults */
export function parseRouteChanges(text: string, name: string): RouteChange[] {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new ConfigError(`${name} must be a JSON list such as [{"prefix":"/stateless","attempts":2}], and is not JSON`)
  }
  if (!Array.isArray(value)) throw new ConfigError(`${name} must be a JSON list of route changes such as [{"prefix":"/stateless","attempts":2}]`)
  return value.map((change, i) => readRouteChange(change, `${name} entry ${i + 1}`))
}

/**
 * The table with `changes` applied in order (each merged over its row), checked as a whole:
 * a row's per-try timeout below its deadline, the deadline within PROXY_UPSTREAM_TIMEOUT_MS (the
 * engines' own backstop), a row that is not idempotent by design never given a proxy key.
 */
export function applyRouteChanges(table: RouteTable, changes: readonly RouteChange[], upstreamTimeoutMs: number, where: string): RouteTable {
  const rows = new Map(table.map((r) => [r.prefix, r]))
  for (const change of changes) {
    const before = rows.get(change.prefix)
    if (before === undefined) throw new ConfigError(`${where}: no route ${change.prefix}`)
    rows.set(change.prefix, Object.freeze({ ...before, ...change }))
  }
  const out = ROUTE_PREFIXES.filter((p) => rows.has(p)).map((p) => rows.get(p) as RouteRetryPolicy)
  for (const r of out) {
    const deadline = r.deadlineMs ?? upstreamTimeoutMs
    if (r.deadlineMs !== null && r.deadlineMs > upstreamTimeoutMs) {
      throw new ConfigError(
        `${where}: ${r.prefix} has a deadline of ${r.deadlineMs} ms, above PROXY_UPSTREAM_TIMEOUT_MS (${upstreamTimeoutMs} ms), the longest any attempt may take`,
      )
    }
    if (r.perTryTimeoutMs !== null && r.perTryTimeoutMs >= deadline) {
      throw new ConfigError(`${where}: ${r.prefix} has a per-try timeout of ${r.perTryTimeoutMs} ms, not below its deadline of ${deadline} ms: say null for no per-try timeout`)
    }
    if (r.proxyIdempotencyKey && !r.idempotentByDesign) {
      throw new ConfigError(`${where}: ${r.prefix} gets a proxy Idempotency-Key but is not idempotent by design: a key makes only a ledger route safe to repeat`)
    }
  }
  return Object.freeze(out)
}

/** The route table the proxy starts with: the defaults, PROXY_ROUTES over them, checked. */
export function buildRouteTable(perTryTimeoutMs: number, changes: readonly RouteChange[], upstreamTimeoutMs: number): RouteTable {
  // the default per-try timeout never reaches a short PROXY_UPSTREAM_TIMEOUT_MS: then there is none
  const perTry = perTryTimeoutMs < upstreamTimeoutMs ? perTryTimeoutMs : null
  return applyRouteChanges(defaultRouteTable(perTry), changes, upstreamTimeoutMs, 'PROXY_ROUTES')
}

/** A table ready for the hot path: a row per route, and per step where one is given. */
export interface RouteLookup {
  readonly table: RouteTable
  policyFor(route: RouteKey, path: string): RouteRetryPolicy
}

export function routeLookup(table: RouteTable): RouteLookup {
  const byPrefix = new Map(table.map((r) => [r.prefix, r]))
  const fallback = defaultRouteTable(1_000).find((r) => r.prefix === '/orders') as RouteRetryPolicy
  // each route's row and its steps' rows, looked up once: policyFor runs for every request
  const routeRows = Object.fromEntries(ROUTES.map((route) => [route, byPrefix.get(`/${route}`) ?? fallback])) as Record<RouteKey, RouteRetryPolicy>
  const stepRows = Object.fromEntries(ROUTES.map((route) => [route, Object.fromEntries(STEPS.map((step) => [step, byPrefix.get(`/${route}/${step}`)]))])) as Record<
    RouteKey,
    Record<Step, RouteRetryPolicy | undefined>
  >
  return {
    table,
    policyFor(route, path) {
      const routeRow = routeRows[route]
      if (route === 'orders') return routeRow
      const step = stepOf(path, route.length + 2)
      return (step !== undefined && stepRows[route][step]) || routeRow
    },
  }
}

/** the dialogue step in `/mode/step[?…]` (from index `from`), when it names one exactly (no string made) */
function stepOf(path: string, from: number): Step | undefined {
  let end = from
  while (end < path.length && path.charCodeAt(end) !== 63 /* ? */ && path.charCodeAt(end) !== 47 /* / */) end++
  for (let i = 0; i < STEPS.length; i++) {
    const step = STEPS[i] as Step
    if (end - from === step.length && path.startsWith(step, from)) return step
  }
  return undefined
}
