import { FAILURES, type FailureMeaning, type UpstreamFailure } from './failures.js'
import { RETRY_CONDITIONS, type RouteRetryPolicy } from './route-table.js'

/**
 * When may a failed attempt be tried again? Each failure kind's row in the
 * failure table (failures.ts) says which rule applies to it; the request's row in the route table
 * (route-table.ts) says how far its route goes; this applies both:
 *
 * 1. `whatever-the-method`: a request that never reached a clerk (refused, connect timeout,
 *    connection broken before a byte was written, or turned away by a clerk shutting down) is
 *    retried whatever its method and route: no clerk can have acted on it.
 * 2. `when-repeatable`: a request that may have reached a clerk (a broken connection, a garbled
 *    answer, an attempt past its route's per-try timeout) is retried only when its route retries
 *    on that failure (the route's `retryOn` names the row's `retryOn`) and repeating it is
 *    harmless: the method is idempotent (RFC 9110 §9.2.2), the customer sent an Idempotency-Key
 *    (the clerks' ledger turns a repeated `pay` with the same key into the same order), or the
 *    route is idempotent by design (the route table says why for each).
 * 3. An answer whose status the route lists in `retryOnStatuses` is retried like 2.
 * 4. `never`: a timeout of the whole request (the customer already waited the deadline), an
 *    answer too large to buffer, a request the engine refuses to send as it was written (the
 *    customer's fault: every clerk would refuse it alike; the forwarder answers 400).
 * 5. At most the route's `attempts` in all, each on a clerk not yet tried for this request, and
 *    none once the request's deadline has passed; an answer of 3. goes back to the clerk that gave
 *    it when the route says `retryStatusesOn: same-clerk` (the forwarder picks where).
 *
 * This says whether; where is the forwarder's (by the policy, or the same clerk).
 *
 * Pure: a question in, an answer out.
 */

/** what the rules read of a route's row */
export type RetryPolicyView = Pick<RouteRetryPolicy, 'attempts' | 'retryOn' | 'retryOnStatuses' | 'idempotentByDesign'>

/** a route that only knows methods and keys (no route table): the proxy's rules before issue 13 */
export const BY_METHOD_ONLY: RetryPolicyView = Object.freeze({
  attempts: 3,
  retryOn: RETRY_CONDITIONS,
  retryOnStatuses: [],
  idempotentByDesign: false,
})
export const MAX_ATTEMPTS = BY_METHOD_ONLY.attempts

export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'])

export interface RetryQuestion {
  /** attempts made so far, including the one that failed (1 after the first) */
  attempt: number
  /** the attempt failed (a row of the failure table) ... */
  failure?: Pick<UpstreamFailure, 'kind'>
  /** ... or it was answered with this status */
  status?: number
  method: string
  hasIdempotencyKey: boolean
  /** ms left before the request's deadline; none left → no retry */
  remainingMs?: number
}

export interface RetryAnswer {
  retry: boolean
  why: string
}

export function decideRetry({ attempt, failure, status, method, hasIdempotencyKey, remainingMs = Infinity }: RetryQuestion, route: RetryPolicyView = BY_METHOD_ONLY): RetryAnswer {
  if (attempt >= route.attempts) return { retry: false, why: `already tried ${attempt} times` }
  if (remainingMs <= 0) return { retry: false, why: "the request's deadline has passed" }
  if (failure === undefined) {
    if (status === undefined || !route.retryOnStatuses.includes(status)) return { retry: false, why: `the route does not retry a ${String(status)} answer` }
    return repeatable(method, hasIdempotencyKey, route)
  }
  const row: FailureMeaning = FAILURES[failure.kind]
  switch (row.retry) {
    case 'whatever-the-method':
      return NEVER_REACHED
    case 'never':
      return { retry: false, why: `a ${failure.kind} is not retried` }
    case 'when-repeatable':
      if (row.retryOn !== undefined && !route.retryOn.includes(row.retryOn)) return { retry: false, why: `the route does not retry on ${row.retryOn}` }
      return repeatable(method, hasIdempotencyKey, route)
  }
}

// The answers that allow a retry, made once: the exchange asks on every request whether a
// per-try timeout could be retried, and a question asked that often should make no string.
const NEVER_REACHED: RetryAnswer = Object.freeze({ retry: true, why: 'never reached the clerk' })
const CARRIES_KEY: RetryAnswer = Object.freeze({ retry: true, why: 'the request carries an Idempotency-Key' })
const BY_DESIGN: RetryAnswer = Object.freeze({ retry: true, why: 'the route is idempotent by design' })
const IDEMPOTENT: ReadonlyMap<string, RetryAnswer> = new Map([...IDEMPOTENT_METHODS].map((m) => [m, Object.freeze({ retry: true, why: `${m} is idempotent` })]))

function repeatable(method: string, hasIdempotencyKey: boolean, route: RetryPolicyView): RetryAnswer {
  const idempotent = IDEMPOTENT.get(method)
  if (idempotent !== undefined) return idempotent
  if (hasIdempotencyKey) return CARRIES_KEY
  if (route.idempotentByDesign) return BY_DESIGN
  return { retry: false, why: `the clerk may have acted on this ${method}, which has no Idempotency-Key` }
}
