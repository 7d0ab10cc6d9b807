import { describe, expect, it } from 'vitest'
import { MAX_ATTEMPTS, decideRetry } from '../../../../proxy/forward/retry-rules.js'
import type { FailureKind } from '../../../../proxy/forward/failures.js'

describe('the retry rules', () => {
  it.each<[FailureKind, string, boolean, boolean]>([
    // kind, method, Idempotency-Key, retried?
    ['refused', 'POST', false, true],
    ['closing', 'POST', false, true],
    ['connect_timeout', 'POST', false, true],
    ['reset_before_send', 'POST', false, true],
    ['reset', 'POST', false, false],
    ['reset', 'POST', true, true],
    ['reset', 'GET', false, true],
    ['reset', 'PUT', false, true],
    ['bad_response', 'POST', false, false],
    ['bad_response', 'HEAD', false, true],
    ['timeout', 'GET', false, false],
    ['timeout', 'POST', true, false],
    ['response_too_large', 'GET', false, false],
  ])('a %s on %s (Idempotency-Key: %s) is retried: %s', (kind, method, hasIdempotencyKey, expected) => {
    expect(decideRetry({ attempt: 1, failure: { kind }, method, hasIdempotencyKey }).retry).toBe(expected)
  })

  it(`stops after ${MAX_ATTEMPTS} attempts, even for a request that never reached a clerk`, () => {
    expect(decideRetry({ attempt: MAX_ATTEMPTS, failure: { kind: 'refused' }, method: 'GET', hasIdempotencyKey: false }).retry).toBe(false)
  })

  it('says why it will not retry', () => {
    expect(decideRetry({ attempt: 1, failure: { kind: 'reset' }, method: 'POST', hasIdempotencyKey: false }).why).toMatch(/Idempotency-Key/)
  })
})
