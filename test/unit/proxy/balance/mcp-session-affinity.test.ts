import { describe, expect, it } from 'vitest'
import { decideAffinity, readMcpSessionRoute, stickyCookieId, type PinnableView } from '../../../../proxy/balance/affinity.js'
import { choose, policyNamed } from '../../../../proxy/balance/policy.js'
import { newMcpSessionId } from '../../../../services/mcp/mcp-session-id.js'

function clerk(id: string, healthy = true): PinnableView {
  return { id, cookieId: stickyCookieId(id), healthy, drained: false, inFlight: 0 }
}

describe('the mcp-session affinity', () => {
  const clerks = [clerk('clerk-a'), clerk('clerk-b'), clerk('clerk-c')]

  it('pins a request to the clerk that made its session id', () => {
    for (const made of clerks) {
      const decision = decideAffinity('mcp-session', clerks, { headers: { 'mcp-session-id': newMcpSessionId(made.id) } })
      expect(decision).toEqual({ kind: 'pinned', upstream: made })
    }
  })

  it('redispatches when that clerk is down (the new clerk then answers 404 for a stateful session)', () => {
    const down = [clerk('clerk-a', false), clerk('clerk-b')]
    expect(decideAffinity('mcp-session', down, { headers: { 'mcp-session-id': newMcpSessionId('clerk-a') } })).toMatchObject({ kind: 'redispatched', from: { id: 'clerk-a' } })
  })

  it('falls back to the sticky cookie (a browser sends no session id), and names nobody for ids it cannot read', () => {
    expect(decideAffinity('mcp-session', clerks, { headers: { cookie: `lb_clerk=${stickyCookieId('clerk-c')}` } })).toMatchObject({ kind: 'pinned', upstream: { id: 'clerk-c' } })
    for (const id of ['', 'nodot', '.starts-with-a-dot', 'unknownroute.x']) {
      expect(decideAffinity('mcp-session', clerks, { headers: { 'mcp-session-id': id } })).toEqual({ kind: 'none' })
    }
    // two Mcp-Session-Id lines name nobody
    expect(readMcpSessionRoute([newMcpSessionId('clerk-a'), newMcpSessionId('clerk-b')])).toBeUndefined()
  })

  it('combines with any balancer, and the cookie affinity ignores the header', () => {
    const request = { headers: { 'mcp-session-id': newMcpSessionId('clerk-b') } }
    for (const name of ['mcp-session+round-robin', 'mcp-session+least-connections'] as const) {
      expect(choose(policyNamed(name), clerks, request, () => 0)?.upstream.id).toBe('clerk-b')
    }
    expect(decideAffinity('cookie', clerks, request)).toEqual({ kind: 'none' })
  })
})
