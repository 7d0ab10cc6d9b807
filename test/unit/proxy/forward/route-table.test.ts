import { describe, expect, it } from 'vitest'
import { FAILURE_KINDS, FAILURES } from '../../../../proxy/forward/failures.js'
import { decideRetry } from '../../../../proxy/forward/retry-rules.js'
import { ROUTE_PREFIXES, applyRouteChanges, buildRouteTable, defaultRouteTable, parseRouteChanges, routeLookup } from '../../../../proxy/forward/route-table.js'
import { readProxyOptions } from '../../../../proxy/options.js'
import { ConfigError } from '../../../../services/common/options.js'

const CLERKS = 'clerk-a=http://127.0.0.1:3001'
const table = buildRouteTable(1_000, [], 10_000)
const lookup = routeLookup(table)

describe('the route table', () => {
  it('has a row for every route and every dialogue step where it matters, each with a reason', () => {
    expect(table.map((r) => r.prefix)).toEqual(['/stateful', '/stateless', '/shared', '/orders', '/stateful/ask', '/stateful/pay', '/stateless/pay', '/shared/pay'])
    for (const row of table) expect(row.why.length, row.prefix).toBeGreaterThan(40)
    for (const row of table) expect(ROUTE_PREFIXES).toContain(row.prefix)
  })

  it('finds the step row for a pay and the route row for the other steps and odd paths', () => {
    expect(lookup.policyFor('stateless', '/stateless/pay').prefix).toBe('/stateless/pay')
    expect(lookup.policyFor('stateless', '/stateless/pay?x=1').prefix).toBe('/stateless/pay')
    expect(lookup.policyFor('stateless', '/stateless/payx').prefix).toBe('/stateless')
    expect(lookup.policyFor('shared', '/shared/buy').prefix).toBe('/shared')
    expect(lookup.policyFor('stateful', '/stateful').prefix).toBe('/stateful')
    expect(lookup.policyFor('orders', '/orders/o-1').prefix).toBe('/orders')
  })

  it('gives keyless pays a proxy key, and only routes that are idempotent by design', () => {
    for (const row of table) {
      expect(row.proxyIdempotencyKey, row.prefix).toBe(row.prefix.endsWith('/pay'))
      if (row.proxyIdempotencyKey) expect(row.idempotentByDesign).toBe(true)
    }
  })

  it('has per-try timeouts on stateless, shared, orders and a stateful ask, never on a stateful buy or pay (the slow clerk holds the dialogue)', () => {
    const holdsDialogue = (prefix: string) => prefix.startsWith('/stateful') && prefix !== '/stateful/ask'
    for (const row of table) expect(row.perTryTimeoutMs, row.prefix).toBe(holdsDialogue(row.prefix) ? null : 1_000)
    expect(lookup.policyFor('stateful', '/stateful/ask').prefix).toBe('/stateful/ask')
    expect(lookup.policyFor('stateful', '/stateful/buy').prefix).toBe('/stateful')
  })

  it('retries an answer on the clerk that gave it only where a stateful dialogue lives in that clerk (not an ask, which starts one)', () => {
    const holdsDialogue = (prefix: string) => prefix.startsWith('/stateful') && prefix !== '/stateful/ask'
    for (const row of table) expect(row.retryStatusesOn, row.prefix).toBe(holdsDialogue(row.prefix) ? 'same-clerk' : 'another-clerk')
    expect(lookup.policyFor('stateful', '/stateful/pay').retryOnStatuses).toEqual([503])
  })

  it('has no per-try timeout when PROXY_UPSTREAM_TIMEOUT_MS is not above it', () => {
    for (const row of buildRouteTable(1_000, [], 1_000)) expect(row.perTryTimeoutMs).toBeNull()
  })

  it('applies a change to one row and leaves the rest', () => {
    const changed = applyRouteChanges(table, [{ prefix: '/stateless', attempts: 2, retryOnStatuses: [503] }], 10_000, 'test')
    expect(changed.find((r) => r.prefix === '/stateless')).toMatchObject({ attempts: 2, retryOnStatuses: [503], perTryTimeoutMs: 1_000 })
    expect(changed.find((r) => r.prefix === '/shared')).toEqual(table.find((r) => r.prefix === '/shared'))
  })

  it.each([
    ['[{"prefix":"/nowhere"}]', /"prefix", one of \/stateful/],
    ['[{"prefix":"/stateless","attempts":0}]', /attempts" must be a whole number from 1 to 5/],
    ['[{"prefix":"/stateless","retryOn":["everything"]}]', /retryOn" must be a list of reset, bad-response, per-try-timeout/],
    ['[{"prefix":"/stateless","retryOnStatuses":[404]}]', /5xx statuses/],
    ['[{"prefix":"/stateless","retryStatusesOn":"any-clerk"}]', /retryStatusesOn" must be another-clerk or same-clerk, got "any-clerk"/],
    ['[{"prefix":"/stateless","perTryTimeoutMs":-1}]', /perTryTimeoutMs" must be null or a whole number/],
    ['[{"prefix":"/stateless","retries":2}]', /unknown field "retries"/],
    ['{"prefix":"/stateless"}', /must be a JSON list/],
    ['not json', /is not JSON/],
  ])('refuses PROXY_ROUTES=%s with one sentence', (text, message) => {
    expect(() => parseRouteChanges(text, 'PROXY_ROUTES')).toThrow(ConfigError)
    expect(() => parseRouteChanges(text, 'PROXY_ROUTES')).toThrow(message)
  })

  it.each([
    [[{ prefix: '/stateless', perTryTimeoutMs: 5_000, deadlineMs: 4_000 }], /per-try timeout of 5000 ms, not below its deadline of 4000 ms/],
    [[{ prefix: '/stateless', deadlineMs: 20_000 }], /above PROXY_UPSTREAM_TIMEOUT_MS \(10000 ms\)/],
    [[{ prefix: '/orders', proxyIdempotencyKey: true }], /not idempotent by design/],
  ])('refuses a table that does not hold together: %j', (changes, message) => {
    expect(() => buildRouteTable(1_000, changes, 10_000)).toThrow(message)
  })

  it('is read from PROXY_ROUTES and PROXY_PER_TRY_TIMEOUT_MS, and a bad one stops the proxy with one sentence', () => {
    const options = readProxyOptions({ PROXY_CLERKS: CLERKS, PROXY_PER_TRY_TIMEOUT_MS: '700', PROXY_ROUTES: '[{"prefix":"/orders","attempts":1}]' })
    expect(options.routes.find((r) => r.prefix === '/stateless')?.perTryTimeoutMs).toBe(700)
    expect(options.routes.find((r) => r.prefix === '/orders')?.attempts).toBe(1)
    expect(() => readProxyOptions({ PROXY_CLERKS: CLERKS, PROXY_ROUTES: '[{"prefix":"/stateless","deadlineMs":60000}]' })).toThrow(
      'PROXY_ROUTES: /stateless has a deadline of 60000 ms, above PROXY_UPSTREAM_TIMEOUT_MS (10000 ms), the longest any attempt may take',
    )
  })

  it('keeps the defaults a pure function of the per-try timeout', () => {
    expect(defaultRouteTable(null).every((r) => r.perTryTimeoutMs === null)).toBe(true)
  })
})

describe('the retry rules with a route', () => {
  const route = (prefix: string) => table.find((r) => r.prefix === prefix)!
  const ask = { method: 'POST', hasIdempotencyKey: false }

  it('retry a keyless POST after a reset on a route idempotent by design, never on one that is not', () => {
    expect(decideRetry({ attempt: 1, failure: { kind: 'reset' }, ...ask }, route('/stateless')).retry).toBe(true)
    expect(decideRetry({ attempt: 1, failure: { kind: 'reset' }, ...ask }, route('/stateful')).retry).toBe(true)
    expect(decideRetry({ attempt: 1, failure: { kind: 'reset' }, ...ask }, route('/orders'))).toEqual({
      retry: false,
      why: 'the clerk may have acted on this POST, which has no Idempotency-Key',
    })
  })

  it('retry a per-try timeout only where the route retries on it', () => {
    expect(decideRetry({ attempt: 1, failure: { kind: 'per_try_timeout' }, ...ask }, route('/shared')).retry).toBe(true)
    expect(decideRetry({ attempt: 1, failure: { kind: 'per_try_timeout' }, ...ask }, route('/stateful'))).toEqual({
      retry: false,
      why: 'the route does not retry on per-try-timeout',
    })
  })

  it('never retry the whole deadline, nor once it has passed, nor past the attempts', () => {
    expect(decideRetry({ attempt: 1, failure: { kind: 'timeout' }, ...ask }, route('/stateless')).retry).toBe(false)
    expect(decideRetry({ attempt: 1, failure: { kind: 'refused' }, ...ask, remainingMs: 0 }, route('/stateless')).retry).toBe(false)
    expect(decideRetry({ attempt: 3, failure: { kind: 'refused' }, ...ask }, route('/stateless')).retry).toBe(false)
  })

  it('retry an answer only when its status is listed and repeating is harmless', () => {
    const listed = { ...route('/stateless'), retryOnStatuses: [503] }
    expect(decideRetry({ attempt: 1, status: 503, ...ask }, listed).retry).toBe(true)
    expect(decideRetry({ attempt: 1, status: 500, ...ask }, listed).retry).toBe(false)
    expect(decideRetry({ attempt: 1, status: 503, ...ask }, { ...route('/orders'), retryOnStatuses: [503] }).retry).toBe(false)
    expect(decideRetry({ attempt: 1, status: 503, method: 'GET', hasIdempotencyKey: false }, { ...route('/orders'), retryOnStatuses: [503] }).retry).toBe(true)
  })

  it('name, for each condition a route can retry on, a row of the failure table', () => {
    const named = FAILURE_KINDS.map((k) => (FAILURES[k] as { retryOn?: string }).retryOn).filter((c) => c !== undefined)
    expect(new Set(named)).toEqual(new Set(['reset', 'bad-response', 'per-try-timeout']))
  })
})
