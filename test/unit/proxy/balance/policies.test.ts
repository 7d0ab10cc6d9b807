import { describe, expect, it } from 'vitest'
import { decideAffinity, readStickyCookie, stickyCookieId, stickySetCookie, type AffinityRequest, type PinnableView } from '../../../../proxy/balance/affinity.js'
import { eligibleForNew, pickLeastConnections, pickRoundRobin, type UpstreamView } from '../../../../proxy/balance/pickers.js'
import { pinConnection } from '../../../../proxy/balance/connection-pins.js'
import { ACCEPTED_POLICY_NAMES, choose, isAcceptedPolicyName, policyNamed, type AcceptedPolicyName } from '../../../../proxy/balance/policy.js'

function clerk(id: string, over: Partial<UpstreamView> = {}): PinnableView {
  return { id, cookieId: stickyCookieId(id), healthy: true, drained: false, inFlight: 0, ...over }
}

/** the sticky policy's choice in the words it had as one function: pinned, new, redispatched, none */
function sticky(clerks: PinnableView[], cookie: string | undefined, tried?: ReadonlySet<string>): Record<string, string> {
  const request: AffinityRequest = { headers: { cookie: cookie === undefined ? undefined : `lb_clerk=${cookie}` } }
  const choice = choose(policyNamed('sticky'), clerks, request, () => 0, tried)
  const affinity = decideAffinity('cookie', clerks, request, tried)
  const from: Record<string, string> = affinity.kind === 'redispatched' ? { from: affinity.from.id } : {}
  if (choice === undefined) return { kind: 'none', ...from }
  if (choice.pin === undefined) return { kind: 'pinned', upstream: choice.upstream.id }
  return { kind: affinity.kind === 'redispatched' ? 'redispatched' : 'new', upstream: choice.upstream.id, ...from }
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
    {
      name: 'redispatches a customer whose clerk is down',
      clerks: [clerk('a', { healthy: false }), b],
      cookie: a.cookieId,
      expected: { kind: 'redispatched', upstream: 'b', from: 'a' },
    },
    {
      name: 'gives up when nobody can take it',
      clerks: [clerk('a', { healthy: false }), clerk('b', { drained: true })],
      cookie: a.cookieId,
      expected: { kind: 'none', from: 'a' },
    },
  ])('$name', ({ clerks, cookie, expected }) => {
    expect(sticky(clerks, cookie)).toEqual(expected)
  })

  it('redispatches away from a pinned clerk that already failed this request', () => {
    expect(sticky([a, b], a.cookieId, new Set(['a'])).kind).toBe('redispatched')
  })

  it('names a clerk by an opaque id, the same in every process', () => {
    expect(stickyCookieId('clerk-a')).toBe(stickyCookieId('clerk-a'))
    expect(stickyCookieId('clerk-a')).not.toContain('clerk')
    expect(stickyCookieId('clerk-a')).not.toBe(stickyCookieId('clerk-b'))
    expect(stickySetCookie('xyz', 'stateful')).toBe('lb_clerk=xyz; Path=/stateful; HttpOnly; SameSite=Lax')
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

describe('a policy = an affinity step, then a balancer', () => {
  // clerks a, b, c with 2, 0 and 1 requests in flight; c is down in the "c down" rows. Each
  // request of a row is one pick at turns 0, 1, 2, 3; a cookie names the clerk it was issued for.
  // An outcome: the clerk, "+pin" when the customer is handed a cookie for it, "<x" when it was
  // redispatched from x.
  const busy = (down?: string) => [clerk('a', { inFlight: 2 }), clerk('b', { inFlight: 0 }), clerk('c', { inFlight: 1, healthy: down !== 'c' })]
  const cookieFor = (id: string | undefined): AffinityRequest => ({ headers: { cookie: id === undefined ? undefined : `other=1; lb_clerk=${stickyCookieId(id)}` } })
  it.each<[AcceptedPolicyName, string | undefined, string | undefined, string[]]>([
    // policy, cookie naming, down, picks at turns 0..3
    ['round-robin', undefined, undefined, ['a', 'b', 'c', 'a']],
    ['round-robin', 'c', undefined, ['a', 'b', 'c', 'a']], // no affinity: the cookie is not read
    ['least-connections', undefined, undefined, ['b', 'b', 'b', 'b']],
    ['least-connections', 'a', undefined, ['b', 'b', 'b', 'b']],
    ['sticky', undefined, undefined, ['a+pin', 'b+pin', 'c+pin', 'a+pin']],
    ['sticky', 'c', undefined, ['c', 'c', 'c', 'c']],
    ['sticky', 'c', 'c', ['a+pin<c', 'b+pin<c', 'a+pin<c', 'b+pin<c']],
    ['sticky', 'nobody', undefined, ['a+pin', 'b+pin', 'c+pin', 'a+pin']],
    ['cookie+round-robin', 'c', 'c', ['a+pin<c', 'b+pin<c', 'a+pin<c', 'b+pin<c']],
    ['cookie+least-connections', undefined, undefined, ['b+pin', 'b+pin', 'b+pin', 'b+pin']],
    ['cookie+least-connections', 'a', undefined, ['a', 'a', 'a', 'a']], // pinned to the busiest clerk: affinity comes first
    ['cookie+least-connections', 'c', 'c', ['b+pin<c', 'b+pin<c', 'b+pin<c', 'b+pin<c']],
  ])('%s, cookie for %s, %s down → %j', (name, cookie, down, expected) => {
    const clerks = busy(down)
    const picks = [0, 1, 2, 3].map((turn) => {
      const choice = choose(policyNamed(name), clerks, cookieFor(cookie), () => turn)
      if (choice === undefined) return 'none'
      return choice.upstream.id + (choice.pin === 'cookie' ? '+pin' : '') + (choice.redispatchedFrom ? `<${choice.redispatchedFrom.id}` : '')
    })
    expect(picks).toEqual(expected)
  })

  it('skips the clerks already tried for this request, pinned one included, and gives up when none is left', () => {
    const clerks = busy()
    const policy = policyNamed('cookie+least-connections')
    expect(choose(policy, clerks, cookieFor('a'), () => 0, new Set(['a']))).toMatchObject({ upstream: { id: 'b' }, pin: 'cookie', redispatchedFrom: { id: 'a' } })
    expect(choose(policy, clerks, cookieFor('a'), () => 0, new Set(['a', 'b']))).toMatchObject({ upstream: { id: 'c' } })
    expect(choose(policy, clerks, cookieFor('a'), () => 0, new Set(['a', 'b', 'c']))).toBeUndefined()
  })

  it('takes a turn only when the balancer picks: a pinned request, or one no clerk can take, takes none', () => {
    const clerks = busy()
    let taken = 0
    const takeTurn = () => taken++
    choose(policyNamed('sticky'), clerks, cookieFor('b'), takeTurn)
    expect(taken).toBe(0)
    choose(policyNamed('sticky'), clerks, cookieFor(undefined), takeTurn)
    expect(taken).toBe(1)
    choose(policyNamed('sticky'), clerks, cookieFor('a'), takeTurn, new Set(['a', 'b', 'c']))
    expect(taken).toBe(1)
  })

  it('changes nothing while choosing', () => {
    const clerks = busy('c')
    const before = JSON.stringify(clerks)
    for (const name of ACCEPTED_POLICY_NAMES) for (let turn = 0; turn < 4; turn++) choose(policyNamed(name), clerks, cookieFor('c'), () => turn, new Set(['b']))
    expect(JSON.stringify(clerks)).toBe(before)
  })

  it('is named by its balancer, or affinity+balancer; sticky is the name of cookie+round-robin', () => {
    expect(ACCEPTED_POLICY_NAMES).toEqual([
      'round-robin',
      'least-connections',
      'sticky',
      'per-connection',
      'cookie+round-robin',
      'cookie+least-connections',
      'connection+round-robin',
      'connection+least-connections',
      'mcp-session+round-robin',
      'mcp-session+least-connections',
    ])
    expect(policyNamed('connection+round-robin')).toBe(policyNamed('per-connection'))
    expect(policyNamed('sticky')).toEqual({ name: 'sticky', affinity: 'cookie', balancer: 'round-robin' })
    expect(policyNamed('cookie+round-robin')).toBe(policyNamed('sticky'))
    expect(policyNamed('cookie+least-connections')).toEqual({ name: 'cookie+least-connections', affinity: 'cookie', balancer: 'least-connections' })
    expect(policyNamed('least-connections')).toEqual({ name: 'least-connections', affinity: 'none', balancer: 'least-connections' })
    for (const wrong of ['sticky+least-connections', 'none+round-robin', 'cookie', 'random', '', 1, undefined]) expect(isAcceptedPolicyName(wrong), String(wrong)).toBe(false)
  })
})

describe('per-connection: every request of one client connection to the clerk it was first given', () => {
  // Two client connections (any object stands for a socket: only its identity counts). The
  // forwarder pins a connection when the policy says pin: 'connection'; here the test does.
  function onConnection(policy: AcceptedPolicyName, clerks: PinnableView[], connection: object, takeTurn: () => number): string {
    const choice = choose(policyNamed(policy), clerks, { headers: {}, socket: connection }, takeTurn)
    if (choice === undefined) return 'none'
    if (choice.pin === 'connection') pinConnection(connection, choice.upstream.id)
    return choice.upstream.id + (choice.pin === 'connection' ? '+pin' : '') + (choice.redispatchedFrom ? `<${choice.redispatchedFrom.id}` : '')
  }

  it.each<[AcceptedPolicyName, string[]]>([
    // requests on connections 1, 1, 2, 1, 2, 3: each new connection is balanced, the rest follow it
    ['per-connection', ['a+pin', 'a', 'b+pin', 'a', 'b', 'c+pin']],
    ['connection+least-connections', ['b+pin', 'b', 'b+pin', 'b', 'b', 'b+pin']],
  ])('%s → %j', (policy, expected) => {
    const clerks = [clerk('a', { inFlight: 2 }), clerk('b'), clerk('c', { inFlight: 1 })]
    const connections = [{}, {}, {}]
    let turn = 0
    const picks = [0, 0, 1, 0, 1, 2].map((i) => onConnection(policy, clerks, connections[i]!, () => turn++))
    expect(picks).toEqual(expected)
    expect(turn).toBe(3) // one turn per new connection, none for the requests that follow it
  })

  it('reads no cookie: a sticky cookie on the connection changes nothing', () => {
    const clerks = [clerk('a'), clerk('b')]
    const choice = choose(policyNamed('per-connection'), clerks, { headers: { cookie: `lb_clerk=${stickyCookieId('b')}` }, socket: {} }, () => 0)
    expect(choice).toMatchObject({ upstream: { id: 'a' }, pin: 'connection' })
  })

  it('redispatches a connection whose clerk is down, and pins it anew', () => {
    const connection = {}
    const up = [clerk('a'), clerk('b')]
    expect(onConnection('per-connection', up, connection, () => 0)).toBe('a+pin')
    const aDown = [clerk('a', { healthy: false }), clerk('b')]
    expect(onConnection('per-connection', aDown, connection, () => 0)).toBe('b+pin<a')
    expect(onConnection('per-connection', up, connection, () => 0)).toBe('b')
  })
})
