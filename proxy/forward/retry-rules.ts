import { FAILURES, type UpstreamFailure } from './failures.js'

/**
 * When may a failed attempt be tried again on another clerk? Each failure kind's row in the
 * failure table (failures.ts) says which rule applies to it; this applies the rule:
 *
 * 1. `whatever-the-method`: a request that never reached a clerk (refused, connect timeout,
 *    connection broken before a byte was written, or turned away by a clerk shutting down) is
 *    retried whatever its method: no clerk can have acted on it.
 * 2. `when-repeatable`: a request that may have reached a clerk (a broken connection, a garbled
 *    answer) is retried only when repeating it is harmless: the method is idempotent
 *    (RFC 9110 §9.2.2), or the customer sent an Idempotency-Key (the clerks' ledger turns a
 *    repeated `pay` with the same key into the same order).
 * 3. `never`: a timeout (the customer already waited PROXY_UPSTREAM_TIMEOUT_MS, and a second wait
 *    doubles it), an answer too large to buffer, a request the engine refuses to send as it was
 *    written (the customer's fault: every clerk would refuse it alike; the forwarder answers 400).
 * 4. At most `maxAttempts` attempts in all, each on a clerk not yet tried for this request.
 *
 * Pure: a question in, an answer out.
 */
export interface RetryLimits {
  /** attempts in all, the first included */
  readonly maxAttempts: number
}

/** the proxy's one retry policy today (a route table with one per route may come: issue 13) */
export const DEFAULT_RETRY_LIMITS: RetryLimits = Object.freeze({ maxAttempts: 3 })
export const MAX_ATTEMPTS = DEFAULT_RETRY_LIMITS.maxAttempts

export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'])

export interface RetryQuestion {
  /** attempts made so far, including the one that failed (1 after the first) */
  attempt: number
  failure: Pick<UpstreamFailure, 'kind'>
  method: string
  hasIdempotencyKey: boolean
}

export interface RetryAnswer {
  retry: boolean
  why: string
}

export function decideRetry({ attempt, failure, method, hasIdempotencyKey }: RetryQuestion, limits: RetryLimits = DEFAULT_RETRY_LIMITS): RetryAnswer {
  if (attempt >= limits.maxAttempts) return { retry: false, why: `already tried ${attempt} times` }
  switch (FAILURES[failure.kind].retry) {
    case 'whatever-the-method':
      return { retry: true, why: 'never reached the clerk' }
    case 'never':
      return { retry: false, why: `a ${failure.kind} is not retried` }
    case 'when-repeatable':
      if (IDEMPOTENT_METHODS.has(method)) return { retry: true, why: `${method} is idempotent` }
      if (hasIdempotencyKey) return { retry: true, why: 'the request carries an Idempotency-Key' }
      return { retry: false, why: `the clerk may have acted on this ${method}, which has no Idempotency-Key` }
  }
}
