import { describe, expect, it } from 'vitest'
import { createAdminHandler, type AdminRequest } from '../../../../proxy/admin/admin-api.js'
import { createMetrics } from '../../../../proxy/admin/metrics.js'
import { buildOptions, parseClerks } from '../../../../proxy/options.js'
import { ProxyState } from '../../../../proxy/state/proxy-state.js'
import type { ProxyEvent } from '../../../../proxy/state/events.js'

function admin(token: string | null = 'secret') {
  const adminToken = token ?? undefined
  const state = ProxyState.fromOptions(buildOptions({ clerks: parseClerks('clerk-a=http://127.0.0.1:1,clerk-b=http://127.0.0.1:2') }))
  const events: ProxyEvent[] = []
  state.events.subscribe((e) => events.push(e))
  const handle = createAdminHandler({ state, metrics: createMetrics(state), adminToken, launcherUrl: undefined, callTimeoutMs: 500 })
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = { authorization: 'Bearer secret' }) => {
    const request: AdminRequest = { method, path, query: '', headers, body: body === undefined ? '' : JSON.stringify(body) }
    const res = await handle(request)
    let json: Record<string, unknown>
    try {
      json = JSON.parse(res.body) as Record<string, unknown>
    } catch {
      json = { text: res.body }
    }
    return { status: res.status, json, text: res.body, headers: res.headers }
  }
  return { state, events, call }
}

describe('the admin API', () => {
  it('shows the status to anyone, in the contract shape', async () => {
    const { call } = admin()
    const res = await call('GET', '/_lb/status', undefined, {})
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ engine: 'fast', workers: 1, policies: { stateful: 'sticky', stateless: 'round-robin', shared: 'round-robin' }, launcher: false })
    expect((res.json.clerks as unknown[])[0]).toMatchObject({ id: 'clerk-a', healthy: true, drained: false, inFlight: 0, requests: 0, pinned: 0 })
  })

  it('changes a route policy with the token, and says so as an event', async () => {
    const { call, state, events } = admin()
    const res = await call('PUT', '/_lb/policy', { route: 'stateful', policy: 'round-robin' })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ stateful: 'round-robin' })
    expect(state.policyNames().stateful).toBe('round-robin')
    expect(events.at(-1)).toMatchObject({ type: 'policy', route: 'stateful', policy: 'round-robin' })
  })

  it.each([
    ['cookie+least-connections', 'cookie+least-connections'],
    ['cookie+round-robin', 'sticky'],
  ])('combines the sticky cookie with a balancer: %s is shown as %s', async (policy, shown) => {
    const { call, state, events } = admin()
    const res = await call('PUT', '/_lb/policy', { route: 'shared', policy })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ shared: shown, stateful: 'sticky' })
    expect(state.policies.shared).toMatchObject({ name: shown, affinity: 'cookie' })
    expect(events.at(-1)).toMatchObject({ type: 'policy', route: 'shared', policy: shown })
    expect((await call('GET', '/_lb/status')).json.policies).toMatchObject({ shared: shown })
  })

  it.each([
    [{ route: 'nowhere', policy: 'sticky' }, /"route" must be one of/],
    [{ route: 'stateful', policy: 'random' }, /"policy" must be one of/],
    [
      { route: 'stateful', policy: 'sticky+least-connections' },
      /"policy" must be one of round-robin, least-connections, sticky, per-connection, cookie\+round-robin, cookie\+least-connections, connection\+round-robin, connection\+least-connections,/,
    ],
  ])('refuses a bad policy change %j with a 400 sentence', async (body, message) => {
    const { call } = admin()
    const res = await call('PUT', '/_lb/policy', body)
    expect(res.status).toBe(400)
    expect(res.json).toMatchObject({ error: 'bad_request', code: 'PROXY_ERR_BAD_REQUEST' })
    expect(String(res.json.message)).toMatch(message)
  })

  it('refuses malformed JSON with a 400', async () => {
    const { call } = admin()
    const res = await call('PUT', '/_lb/policy', undefined, { authorization: 'Bearer secret' })
    expect(res.status).toBe(400)
    const raw = await admin().call('PUT', '/_lb/policy', undefined)
    expect(raw.status).toBe(400)
  })

  it.each([
    [{}, /needs the token/],
    [{ authorization: 'Bearer wrong' }, /wrong/],
    [{ 'x-admin-token': 'wrong' }, /wrong/],
  ])('refuses a change without the right token (%j)', async (headers, message) => {
    const { call } = admin()
    const res = await call('POST', '/_lb/clerks/clerk-a/drain', {}, headers)
    expect(res.status).toBe(401)
    expect(res.json).toMatchObject({ error: 'unauthorized', code: 'PROXY_ERR_UNAUTHORIZED' })
    expect(String(res.json.message)).toMatch(message)
  })

  it('accepts X-Admin-Token as well as a bearer token', async () => {
    const { call } = admin()
    expect((await call('POST', '/_lb/clerks/clerk-a/drain', {}, { 'x-admin-token': 'secret' })).status).toBe(200)
  })

  it('says ADMIN_TOKEN is not configured when the proxy has none', async () => {
    const { call } = admin(null)
    const res = await call('PUT', '/_lb/policy', { route: 'stateful', policy: 'sticky' })
    expect(res.status).toBe(401)
    expect(String(res.json.message)).toMatch(/ADMIN_TOKEN is not configured/)
  })

  it('drains and undrains a clerk, with events', async () => {
    const { call, state, events } = admin()
    expect((await call('POST', '/_lb/clerks/clerk-b/drain')).json).toEqual({ clerk: 'clerk-b', drained: true })
    expect(state.byId.get('clerk-b')?.drained).toBe(true)
    expect((await call('POST', '/_lb/clerks/clerk-b/undrain')).json).toEqual({ clerk: 'clerk-b', drained: false })
    expect(events.filter((e) => e.type === 'drain').map((e) => e.drained)).toEqual([true, false])
  })

  it('answers 404 for an unknown clerk or route, and 400 for a bad slow value', async () => {
    const { call } = admin()
    expect((await call('POST', '/_lb/clerks/clerk-z/drain')).status).toBe(404)
    const malformed = await call('POST', '/_lb/clerks/%zz/drain')
    expect(malformed.status).toBe(400)
    expect(malformed.json).toMatchObject({ error: 'bad_request', code: 'PROXY_ERR_BAD_REQUEST' })
    expect((await call('GET', '/_lb/nothing')).status).toBe(404)
    expect((await call('POST', '/_lb/clerks/clerk-a/slow', { ms: -1 })).status).toBe(400)
    expect((await call('POST', '/_lb/clerks/clerk-a/slow', { ms: 'slow' })).status).toBe(400)
  })

  it('re-broadcasts a load-test report as a loadtest event', async () => {
    const { call, events } = admin()
    const report = { running: true, mode: 'stateful', policy: 'sticky', counts: { completed: 3, context_lost: 1, failed: 0 }, dialoguesPerSec: 12 }
    expect((await call('POST', '/_lb/loadtest', report)).status).toBe(202)
    expect(events.at(-1)).toMatchObject({ type: 'loadtest', ...report })
  })

  it('answers /_cluster/* with 404 no launcher when there is none', async () => {
    const { call } = admin()
    const res = await call('GET', '/_cluster/status')
    expect(res.status).toBe(404)
    expect(String(res.json.message)).toMatch(/no launcher/)
  })

  it('renders Prometheus metrics with the contract names', async () => {
    const { call, state } = admin()
    state.counters.answered(state.byId.get('clerk-a')!, 200, 0.003)
    const res = await call('GET', '/metrics')
    expect(res.status).toBe(200)
    for (const name of [
      'proxy_requests_total',
      'proxy_errors_total',
      'proxy_retries_total',
      'proxy_redispatches_total',
      'proxy_clerk_healthy',
      'proxy_unrouted_requests_total',
      'proxy_unrouted_errors_total',
      'proxy_request_duration_seconds_bucket',
    ]) {
      expect(res.text).toContain(name)
    }
    expect(res.text).toContain('proxy_requests_total{clerk="clerk-a",status="200"} 1')
    expect(res.text).toContain('proxy_request_duration_seconds_bucket{clerk="clerk-a",le="0.005"} 1')
    expect(res.text).toContain('proxy_request_duration_seconds_count{clerk="clerk-a"} 1')
  })
})
