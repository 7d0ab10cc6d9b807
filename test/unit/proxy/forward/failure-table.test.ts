import { describe, expect, it } from 'vitest'
import type { WorkerToPrimary } from '../../../../proxy/cluster/messages.js'
import { workerEvidence } from '../../../../proxy/cluster/worker.js'
import {
  FAILURE_KINDS,
  FAILURES,
  classifyFailure,
  failureToError,
  isClosingRefusal,
  type FailureKind,
  type RetryRule,
  type UpstreamFailure,
} from '../../../../proxy/forward/failures.js'
import { decideRetry } from '../../../../proxy/forward/retry-rules.js'
import { buildOptions, parseClerks } from '../../../../proxy/options.js'
import { Counters } from '../../../../proxy/state/counters.js'
import { ProxyState } from '../../../../proxy/state/proxy-state.js'
import { Upstream } from '../../../../proxy/state/upstream.js'

// The failure table, row by row, in words: whose fault, was it sent, what passive health does,
// which retry rule, what the customer gets. Then every reader of the table is checked against it.
type Row = { fault: 'clerk' | 'customer'; neverSent: boolean; ejectAtOnce: boolean; countsTowardsFall: boolean; retry: RetryRule; status: number }
const STATED: Record<FailureKind, [string, Row]> = {
  refused: [
    'the clerk is not there: eject at once, any method goes elsewhere; 503 when none is left',
    { fault: 'clerk', neverSent: true, ejectAtOnce: true, countsTowardsFall: false, retry: 'whatever-the-method', status: 503 },
  ],
  connect_timeout: [
    'the clerk did not accept in time: eject at once, any method goes elsewhere; 504',
    { fault: 'clerk', neverSent: true, ejectAtOnce: true, countsTowardsFall: false, retry: 'whatever-the-method', status: 504 },
  ],
  reset_before_send: [
    'broken before a byte was written: eject at once, any method goes elsewhere; 502',
    { fault: 'clerk', neverSent: true, ejectAtOnce: true, countsTowardsFall: false, retry: 'whatever-the-method', status: 502 },
  ],
  closing: [
    'turned away by a clerk shutting down: eject at once, any method goes elsewhere; 503',
    { fault: 'clerk', neverSent: true, ejectAtOnce: true, countsTowardsFall: false, retry: 'whatever-the-method', status: 503 },
  ],
  per_try_timeout: [
    "past its route's per-try timeout: slow, not broken (the active checks eject a hung clerk), retried when repeatable (and the route retries on it); 504",
    { fault: 'clerk', neverSent: false, ejectAtOnce: false, countsTowardsFall: false, retry: 'when-repeatable', status: 504 },
  ],
  timeout: [
    'no answer in time: towards PROXY_HEALTH_FALL, never retried (the customer waited enough); 504',
    { fault: 'clerk', neverSent: false, ejectAtOnce: false, countsTowardsFall: true, retry: 'never', status: 504 },
  ],
  reset: [
    'broken after the request went out: towards PROXY_HEALTH_FALL, retried when repeatable; 502',
    { fault: 'clerk', neverSent: false, ejectAtOnce: false, countsTowardsFall: true, retry: 'when-repeatable', status: 502 },
  ],
  bad_response: [
    'not HTTP: towards PROXY_HEALTH_FALL, retried when repeatable; 502',
    { fault: 'clerk', neverSent: false, ejectAtOnce: false, countsTowardsFall: true, retry: 'when-repeatable', status: 502 },
  ],
  response_too_large: [
    'an answer over the buffer: no sign of a sick clerk, never retried; 502',
    { fault: 'clerk', neverSent: false, ejectAtOnce: false, countsTowardsFall: false, retry: 'never', status: 502 },
  ],
  unforwardable: [
    "the customer's fault: never ejects, never counts, never retried; 400",
    { fault: 'customer', neverSent: true, ejectAtOnce: false, countsTowardsFall: false, retry: 'never', status: 400 },
  ],
}

/** an engine error of each kind, as the engines raise them */
const SAMPLE: Record<FailureKind, (clerk: string) => UpstreamFailure | undefined> = {
  refused: (c) => classifyFailure(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), false, c),
  connect_timeout: (c) => classifyFailure(Object.assign(new Error('x'), { code: 'UND_ERR_CONNECT_TIMEOUT' }), false, c),
  reset_before_send: (c) => classifyFailure(Object.assign(new Error('x'), { code: 'ECONNRESET' }), false, c),
  closing: (c) => isClosingRefusal(503, ['connection', 'close'], c),
  per_try_timeout: (c) => classifyFailure(Object.assign(new Error('x'), { code: 'PROXY_PER_TRY_TIMEOUT' }), true, c),
  timeout: (c) => classifyFailure(Object.assign(new Error('x'), { code: 'PROXY_UPSTREAM_TIMEOUT' }), true, c),
  reset: (c) => classifyFailure(Object.assign(new Error('x'), { code: 'ECONNRESET' }), true, c),
  bad_response: (c) => classifyFailure(Object.assign(new Error('x'), { code: 'HPE_INVALID_CONSTANT' }), true, c),
  response_too_large: (c) => classifyFailure(Object.assign(new Error('x'), { code: 'PROXY_RESPONSE_TOO_LARGE' }), true, c),
  unforwardable: (c) => classifyFailure(Object.assign(new Error('duplicate host header'), { code: 'UND_ERR_INVALID_ARG' }), false, c),
}

const FALL = 3

describe('the failure table', () => {
  it('has exactly the rows stated here', () => {
    expect([...FAILURE_KINDS].sort()).toEqual(Object.keys(STATED).sort())
  })

  describe.each(FAILURE_KINDS.map((kind) => [kind, ...STATED[kind]] as const))('%s: %s', (kind, _meaning, row) => {
    it('says so in its row', () => {
      const { fault, neverSent, ejectAtOnce, countsTowardsFall, retry } = FAILURES[kind]
      expect({ fault, neverSent, ejectAtOnce, countsTowardsFall, retry, status: FAILURES[kind].answer('r').statusCode }).toEqual(row)
    })

    it('is what an engine\'s error of that kind is classified as, with "may have been sent" and the answer from the row', () => {
      const failure = SAMPLE[kind]('clerk-a')!
      expect(failure).toMatchObject({ kind, mayHaveBeenSent: !row.neverSent })
      expect(failureToError(failure).statusCode).toBe(row.status)
    })

    it('is retried by the retry rules as its row says, for every method', () => {
      for (const method of ['GET', 'PUT', 'POST']) {
        for (const hasIdempotencyKey of [false, true]) {
          const repeatable = method !== 'POST' || hasIdempotencyKey
          const expected = row.retry === 'whatever-the-method' || (row.retry === 'when-repeatable' && repeatable)
          expect(decideRetry({ attempt: 1, failure: { kind }, method, hasIdempotencyKey }).retry, `${method}, key: ${hasIdempotencyKey}`).toBe(expected)
        }
      }
    })

    it("changes the clerk's health in the truth as its row says", () => {
      const s = ProxyState.fromOptions(buildOptions({ clerks: parseClerks('clerk-a=http://127.0.0.1:1'), healthFall: FALL }))
      const a = s.byId.get('clerk-a')!
      const failure = SAMPLE[kind]('clerk-a')!
      s.evidence.attemptFailed(a, failure)
      expect(a.healthy, 'after one').toBe(!row.ejectAtOnce)
      for (let i = 1; i < FALL; i++) s.evidence.attemptFailed(a, failure)
      expect(a.healthy, `after ${FALL} (PROXY_HEALTH_FALL)`).toBe(!row.ejectAtOnce && !row.countsTowardsFall)
    })

    it("changes a cluster worker's replica as its row says, and reaches the primary", () => {
      const messages: WorkerToPrimary[] = []
      const replica = new Upstream('clerk-a', new URL('http://127.0.0.1:1'))
      const counters = new Counters(
        [replica],
        workerEvidence((m) => messages.push(m)),
      )
      counters.attemptFailed(replica, SAMPLE[kind]('clerk-a')!, row.status)
      expect(replica.healthy).toBe(!row.ejectAtOnce)
      expect(messages).toEqual([{ t: 'passive', clerk: 'clerk-a', failure: SAMPLE[kind]('clerk-a') }])
      expect(replica.counters.errorsByReason.get(kind)).toBe(1) // proxy_errors_total{reason="<kind>"}
    })
  })

  it("holds together: what never reached a clerk through the clerk's fault ejects it and goes elsewhere; the customer's fault touches nothing", () => {
    for (const kind of FAILURE_KINDS) {
      const row = FAILURES[kind]
      expect(row.ejectAtOnce && row.countsTowardsFall, kind).toBe(false)
      if (row.fault === 'customer') expect([row.ejectAtOnce, row.countsTowardsFall, row.retry], kind).toEqual([false, false, 'never'])
      else if (row.neverSent) expect([row.ejectAtOnce, row.retry], kind).toEqual([true, 'whatever-the-method'])
      else expect(row.retry, kind).not.toBe('whatever-the-method')
    }
  })
})
