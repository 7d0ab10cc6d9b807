import type { FailureKind, UpstreamFailure } from './upstream-failure.js'

/**
 * When may a failed attempt be tried again on another clerk? The rules, written out:
 *
 * 1. A request that never reached a clerk (refused, connect timeout, connection broken before a
 *    byte was written) is retried whatever its method: no clerk can have acted on it. So is one a
 *    clerk turned away with `503` + `Connection: close` because it is shutting down.
 * 2. A request that may have reached a clerk is retried only when repeating it is harmless: the
 *    method is idempotent (RFC 9110 §9.2.2), or the customer sent an Idempotency-Key (the clerks'
 *    ledger turns a repeated `pay` with the same key into the same order).
 * 3. Even then, only for a broken connection or a garbled answer. A timeout is not retried: the
 *    customer already waited PROXY_UPSTREAM_TIMEOUT_MS, and a second wait doubles it.
 * 4. At most MAX_ATTEMPTS attempts in all, each on a clerk not yet tried for this request.
 * 5. A request the engine refuses to send as it was written (`unforwardable`) is the customer's
 *    fault: every clerk would refuse it alike, so it is never retried (forwarder.ts answers 400).
 */
export const MAX_ATTEMPTS = 3

export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'])

export const RETRY_WHATEVER_THE_METHOD: ReadonlySet<FailureKind> = new Set(['refused', 'connect_timeout', 'reset_before_send', 'closing'])

export const RETRY_WHEN_REPEATABLE: ReadonlySet<FailureKind> = new Set(['reset', 'bad_response'])

export const NEVER_RETRY: ReadonlySet<FailureKind> = new Set(['timeout', 'response_too_large', 'unforwardable'])

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

export function decideRetry({ attempt, failure, method, hasIdempotencyKey }: RetryQuestion): RetryAnswer {
  if (attempt >= MAX_ATTEMPTS) return { retry: false, why: `already tried ${attempt} times` }
  if (RETRY_WHATEVER_THE_METHOD.has(failure.kind)) return { retry: true, why: 'never reached the clerk' }
  if (NEVER_RETRY.has(failure.kind)) return { retry: false, why: `a ${failure.kind} is not retried` }
  if (RETRY_WHEN_REPEATABLE.has(failure.kind)) {
    if (IDEMPOTENT_METHODS.has(method)) return { retry: true, why: `${method} is idempotent` }
    if (hasIdempotencyKey) return { retry: true, why: 'the request carries an Idempotency-Key' }
    return { retry: false, why: `the clerk may have acted on this ${method}, which has no Idempotency-Key` }
  }
  return { retry: false, why: `unknown failure ${failure.kind}` }
}
