import { describe, expect, it } from 'vitest'
import { createAdminHandler } from '../../../../proxy/admin/admin-api.js'
import { createMetrics } from '../../../../proxy/admin/metrics.js'
import { expiredCookie, newCustomer, SHARED_SESSION_COOKIE, STATEFUL_SESSION_COOKIE, STICKY_CLERK_COOKIE } from '../../../../proxy/admin/new-customer.js'
import { buildOptions, parseClerks } from '../../../../proxy/options.js'
import { stickySetCookie } from '../../../../proxy/balance/affinity.js'
import { ProxyState } from '../../../../proxy/state/proxy-state.js'
import { SHARED_COOKIE } from '../../../../services/clerk/modes/shared.js'
import { STATEFUL_COOKIE } from '../../../../services/clerk/modes/stateful.js'

describe('a new customer: expiring the cookies that tie a browser to a dialogue and a clerk', () => {
  it('names the cookies exactly as the clerk and the sticky policy issue them', () => {
    expect(STATEFUL_SESSION_COOKIE.name).toBe(STATEFUL_COOKIE)
    expect(SHARED_SESSION_COOKIE.name).toBe(SHARED_COOKIE)
    // the sticky cookie is issued as lb_clerk=<id>; Path=/<route>; HttpOnly; SameSite=Lax: same name, path and flags
    expect(stickySetCookie('x', 'shared')).toBe('lb_clerk=x; Path=/shared; HttpOnly; SameSite=Lax')
    // the browser-wide pin of an older proxy, expired too
    expect(expiredCookie(STICKY_CLERK_COOKIE)).toBe('lb_clerk=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax')
  })

  it('expires all three by default', () => {
    expect(newCustomer('')).toMatchObject({ ok: true, mode: 'all', expired: ['stateful_sid', 'shared_sid', 'lb_clerk'] })
  })

  it("expires a mode's own pin only: one lb_clerk per route, so a new customer in one column leaves the others pinned", () => {
    for (const mode of ['stateful', 'shared', 'stateless'] as const) {
      const answer = newCustomer(`mode=${mode}`)
      const paths = answer.ok ? answer.setCookie.filter((c) => c.startsWith('lb_clerk=')).map((c) => /Path=([^;]+)/.exec(c)?.[1]) : []
      expect(paths).toEqual([`/${mode}`, '/'])
    }
    expect(newCustomer('mode=stateless')).toMatchObject({ ok: true, expired: ['lb_clerk'] })
    const all = newCustomer('mode=all')
    expect(all.ok && all.setCookie.filter((c) => c.startsWith('lb_clerk=')).length).toBe(4)
  })

  it('says in a sentence what is wrong with a bad mode', () => {
    expect(newCustomer('mode=Stateful')).toEqual({ ok: false, message: '"mode" must be one of stateful, shared, stateless, all (default all), got "Stateful"' })
  })

  it('is open in the admin API (no token) and answers a list of Set-Cookie headers', async () => {
    const state = ProxyState.fromOptions(buildOptions({ clerks: parseClerks('clerk-a=http://127.0.0.1:1') }))
    const handle = createAdminHandler({ state, metrics: createMetrics(state), adminToken: 'secret', launcherUrl: undefined, callTimeoutMs: 500 })
    const res = await handle({ method: 'POST', path: '/_lb/new-customer', query: 'mode=shared', headers: {}, body: '' })
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toEqual({ mode: 'shared', expired: ['shared_sid', 'lb_clerk'] })
    expect(res.headers['set-cookie']).toEqual([
      'shared_sid=; Path=/shared; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax',
      'lb_clerk=; Path=/shared; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax',
      'lb_clerk=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax',
    ])
    const bad = await handle({ method: 'POST', path: '/_lb/new-customer', query: 'mode=x', headers: {}, body: '' })
    expect(bad.status).toBe(400)
    expect(bad.headers['set-cookie']).toBeUndefined()
  })
})
