import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRealCluster, type RealCluster } from './real-cluster.js'

// POST /_lb/new-customer through the real proxy (two cluster workers, so the answer also crosses
// the workers' IPC to the primary) in front of real clerks and a real Redis: the cookies it
// expires must be the very cookies the clerk and the proxy issued, or the browser would keep them.

interface SetCookie {
  name: string
  value: string
  /** lower-cased attribute name → value ('' for flags like HttpOnly) */
  attributes: Map<string, string>
}

function parseSetCookie(header: string): SetCookie {
  const [pair = '', ...rest] = header.split(';')
  const eq = pair.indexOf('=')
  const attributes = new Map<string, string>()
  for (const part of rest) {
    const at = part.indexOf('=')
    const key = (at === -1 ? part : part.slice(0, at)).trim().toLowerCase()
    attributes.set(key, at === -1 ? '' : part.slice(at + 1).trim())
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes }
}

/** what decides which stored cookie a Set-Cookie replaces, and how it is kept: all but its value and lifetime */
function identity(cookie: SetCookie): Record<string, string> {
  const out: Record<string, string> = { name: cookie.name }
  for (const [k, v] of cookie.attributes) if (k !== 'max-age' && k !== 'expires') out[k] = k === 'samesite' ? v.toLowerCase() : v
  return out
}

describe('POST /_lb/new-customer through the real proxy', () => {
  let cluster: RealCluster
  // by name and path: a cookie is replaced only by one with both the same (lb_clerk is one per route)
  const issued = new Map<string, SetCookie>()
  const key = (cookie: SetCookie) => `${cookie.name}@${cookie.attributes.get('path') ?? ''}`

  beforeAll(async () => {
    cluster = await startRealCluster(2, { PROXY_WORKERS: '2', PROXY_POLICY_SHARED: 'sticky' })
    // a customer's first lines in the two cookie modes: the clerk's session cookies and the proxy's lb_clerk
    for (const mode of ['stateful', 'shared']) {
      const res = await fetch(`${cluster.base}/${mode}/ask`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ product: 'laptop' }),
        signal: AbortSignal.timeout(10_000),
      })
      expect(res.status).toBe(200)
      for (const header of res.headers.getSetCookie()) {
        const cookie = parseSetCookie(header)
        issued.set(key(cookie), cookie)
      }
    }
  }, 60_000)

  afterAll(async () => {
    await cluster?.stop()
  })

  async function newCustomer(query = '', init: RequestInit = {}) {
    const res = await fetch(`${cluster.base}/_lb/new-customer${query}`, { method: 'POST', signal: AbortSignal.timeout(10_000), ...init })
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      cookies: res.headers.getSetCookie().map(parseSetCookie),
      body: (await res.json()) as Record<string, unknown>,
    }
  }

  it('the clerk and the proxy issued the cookies a customer carries: a session cookie and a sticky pin per route', () => {
    expect([...issued.keys()].sort()).toEqual(['lb_clerk@/shared', 'lb_clerk@/stateful', 'shared_sid@/shared', 'stateful_sid@/stateful'])
  })

  it('expires all three by default, without a token, each under the name, path and attributes it was issued with', async () => {
    const res = await newCustomer()
    expect(res.status).toBe(200)
    expect(res.type).toMatch(/^application\/json/)
    expect(res.body).toEqual({ mode: 'all', expired: ['stateful_sid', 'shared_sid', 'lb_clerk'] })
    // every route's pin, and the browser-wide one an older proxy set at Path=/
    expect(res.cookies.map(key).sort()).toEqual(['lb_clerk@/', 'lb_clerk@/shared', 'lb_clerk@/stateful', 'lb_clerk@/stateless', 'shared_sid@/shared', 'stateful_sid@/stateful'])
    for (const cookie of res.cookies) {
      expect(cookie.value).toBe('')
      expect(cookie.attributes.get('max-age')).toBe('0')
    }
    for (const [k, cookie] of issued) expect(identity(res.cookies.find((c) => key(c) === k)!), k).toEqual(identity(cookie))
  })

  it.each([
    ['stateful', ['stateful_sid', 'lb_clerk']],
    ['shared', ['shared_sid', 'lb_clerk']],
    ['stateless', ['lb_clerk']],
    ['all', ['stateful_sid', 'shared_sid', 'lb_clerk']],
  ])('?mode=%s expires exactly %j (lb_clerk: that route’s pin, and an older proxy’s at Path=/)', async (mode, names) => {
    const res = await newCustomer(`?mode=${mode}`)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ mode, expired: names })
    expect([...new Set(res.cookies.map((c) => c.name))]).toEqual(names)
    const pins = res.cookies.filter((c) => c.name === 'lb_clerk').map((c) => c.attributes.get('path'))
    // a column's new customer never unpins another column
    expect(pins).toEqual(mode === 'all' ? ['/stateful', '/stateless', '/shared', '/'] : [`/${mode}`, '/'])
    expect(res.cookies.every((c) => c.attributes.get('max-age') === '0')).toBe(true)
  })

  it.each([
    ['?mode=everyone', /"mode" must be one of stateful, shared, stateless, all/],
    ['?mode=', /"mode" must be one of/],
    ['?mode=stateful&mode=shared', /"mode" may be given once/],
  ])('refuses %s with a 400 sentence and expires nothing', async (query, message) => {
    const res = await newCustomer(query)
    expect(res.status).toBe(400)
    expect(res.cookies).toEqual([])
    expect(res.body).toMatchObject({ error: 'bad_request', code: 'PROXY_ERR_BAD_REQUEST', statusCode: 400 })
    expect(String(res.body.message)).toMatch(message)
  })

  it('answers another method with a 405 naming the route', async () => {
    const res = await newCustomer('', { method: 'GET' })
    expect(res.status).toBe(405)
    expect(res.cookies).toEqual([])
    expect(String(res.body.message)).toContain('POST /_lb/new-customer')
  })

  it('after it, a customer without cookies gets a fresh sticky cookie and a new dialogue', async () => {
    // what a browser does with the answer: drops every expired cookie, so the next ask carries none
    const res = await fetch(`${cluster.base}/stateful/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ product: 'mouse' }),
      signal: AbortSignal.timeout(10_000),
    })
    expect(res.status).toBe(200)
    expect(
      res.headers
        .getSetCookie()
        .map((h) => parseSetCookie(h).name)
        .sort(),
    ).toEqual(['lb_clerk', 'stateful_sid'])
  })
})
