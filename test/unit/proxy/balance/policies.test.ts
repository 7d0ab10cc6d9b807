import { describe, expect, it } from 'vitest'
import { eligibleForNew, type UpstreamView } from '../../../../proxy/balance/policy.js'
import { pickLeastConnections, pickRoundRobin } from '../../../../proxy/balance/pickers.js'
import { pickSticky, readStickyCookie, stickyCookieId, stickySetCookie } from '../../../../proxy/balance/affinity.js'

function clerk(id: string, over: Partial<UpstreamView> = {}): UpstreamView {
  return { id, cookieId: stickyCookieId(id), healthy: true, drained: false, inFlight: 0, ...over }
}

function order(pick: (turn: number) => UpstreamView | undefined, turns: number): (string | undefined)[] {
  return Array.from({ length: turns }, (_, t) => pick(t)?.id)
}

describe('round-robin', () => {
  it.each([
    { name: 'takes turns over all healthy clerks', clerks: [clerk('a'), clerk('b'), clerk('c')], expected: ['a', 'b', 'c', 'a', 'b', 'c'] },
    { name: 'skips a clerk that is down', clerks: [clerk('a'), clerk('b', { healthy: false }), clerk('c')], expected: ['a', 'c', 'a', 'c', 'a', 'c'] },
    { name: 'skips a drained clerk', clerks: [clerk('a', { drained: true }), clerk('b'), clerk('c')], expected: ['b', 'c', 'b', 'c', 'b', 'c'] },
    { name: 'picks nobody when every clerk is down', clerks: [clerk('a', { healthy: false })], expected: [undefined, undefined, undefined, undefined, undefined, undefined] },
  ])('$name', ({ clerks, expected }) => {
    expect(order((t) => pickRoundRobin(eligibleForNew(clerks), t), 6)).toEqual(expected)
  })

  it('skips clerks already tried for this request', () => {
    const clerks = [clerk('a'), clerk('b'), clerk('c')]
    expect(order((t) => pickRoundRobin(eligibleForNew(clerks, new Set(['a'])), t), 4)).toEqual(['b', 'c', 'b', 'c'])
  })
})

describe('least-connections', () => {
  it.each([
    { name: 'picks the clerk with the fewest in flight', inFlight: [3, 1, 2], expected: ['b', 'b', 'b'] },
    { name: 'shares ties round-robin', inFlight: [0, 0, 0], expected: ['a', 'b', 'c'] },
    { name: 'shares ties among the least busy only', inFlight: [5, 1, 1], expected: ['b', 'b', 'c'] },
  ])('$name', ({ inFlight, expected }) => {
    const clerks = ['a', 'b', 'c'].map((id, i) => clerk(id, { inFlight: inFlight[i] ?? 0 }))
    expect(order((t) => pickLeastConnections(eligibleForNew(clerks), t), 3)).toEqual(expected)
  })
})

describe('sticky', () => {
  const a = clerk('a')
  const b = clerk('b')
  it.each([
    { name: 'follows the cookie to its clerk', clerks: [a, b], cookie: b.cookieId, expected: { kind: 'pinned', upstream: 'b' } },
    { name: 'keeps a drained clerk for its own customers', clerks: [a, clerk('b', { drained: true })], cookie: b.cookieId, expected: { kind: 'pinned', upstream: 'b' } },
    { name: 'gives a new customer a clerk round-robin', clerks: [a, b], cookie: undefined, expected: { kind: 'new', upstream: 'a' } },
    { name: 'treats an unknown cookie as a new customer', clerks: [a, b], cookie: 'forged', expected: { kind: 'new', upstream: 'a' } },
    { name: 'never gives a new customer a drained clerk', clerks: [clerk('a', { drained: true }), b], cookie: undefined, expected: { kind: 'new', upstream: 'b' } },
    { name: 'redispatches a customer whose clerk is down', clerks: [clerk('a', { healthy: false }), b], cookie: a.cookieId, expected: { kind: 'redispatched', upstream: 'b', from: 'a' } },
    { name: 'gives up when nobody can take it', clerks: [clerk('a', { healthy: false }), clerk('b', { drained: true })], cookie: a.cookieId, expected: { kind: 'none', from: 'a' } },
  ])('$name', ({ clerks, cookie, expected }) => {
    const d = pickSticky(clerks, cookie, 0)
    const got: Record<string, string> = { kind: d.kind }
    if ('upstream' in d) got.upstream = d.upstream.id
    if ('from' in d && d.from) got.from = d.from.id
    expect(got).toEqual(expected)
  })

  it('redispatches away from a pinned clerk that already failed this request', () => {
    const d = pickSticky([a, b], a.cookieId, 0, new Set(['a']))
    expect(d.kind).toBe('redispatched')
  })

  it('names a clerk by an opaque id, the same in every process', () => {
    expect(stickyCookieId('clerk-a')).toBe(stickyCookieId('clerk-a'))
    expect(stickyCookieId('clerk-a')).not.toContain('clerk')
    expect(stickyCookieId('clerk-a')).not.toBe(stickyCookieId('clerk-b'))
    expect(stickySetCookie('xyz')).toBe('lb_clerk=xyz; Path=/; HttpOnly; SameSite=Lax')
  })

  it.each([
    ['lb_clerk=abc', 'abc'],
    ['stateful_sid=s; lb_clerk=abc', 'abc'],
    ['lb_clerk=abc; other=1', 'abc'],
    ['xlb_clerk=no; lb_clerk=yes', 'yes'],
    ['other=1', undefined],
    [undefined, undefined],
  ])('reads the sticky cookie from %j', (header, expected) => {
    expect(readStickyCookie(header)).toBe(expected)
  })
})
