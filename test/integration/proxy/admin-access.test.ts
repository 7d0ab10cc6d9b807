import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { goodFake, type Fake } from './fake-upstreams.js'
import { startProxyProcess, type ProxyProcess } from './proxy-process.js'

// The proxy's admin promise against the real process, single and with PROXY_WORKERS=2 (where a
// worker asks the primary over IPC): every /_lb route that changes something refuses a request
// without the right token with 401, whatever else it carries; the routes that only show state are
// open; the token is never echoed in an answer nor written to the log.

const TOKEN = 'admin-access-test-token-0123456789'
const CHANGING: Array<[string, string, unknown]> = [
  ['PUT', '/_lb/policy', { route: 'stateful', policy: 'round-robin' }],
  ['POST', '/_lb/clerks/clerk-a/drain', {}],
  ['POST', '/_lb/clerks/clerk-a/undrain', {}],
  ['POST', '/_lb/clerks/clerk-a/crash', {}],
  ['POST', '/_lb/clerks/clerk-a/slow', { ms: 10 }],
  ['POST', '/_lb/loadtest', { running: true }],
]

let clerk: Fake
const proxies: Record<string, ProxyProcess> = {}

beforeAll(async () => {
  clerk = await goodFake('clerk-a')
  proxies.single = await startProxyProcess({ 'clerk-a': clerk.url }, { ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'debug' })
  proxies['2 workers'] = await startProxyProcess({ 'clerk-a': clerk.url }, { ADMIN_TOKEN: TOKEN, PROXY_WORKERS: '2', LOG_LEVEL: 'debug' })
})
afterAll(async () => {
  for (const p of Object.values(proxies)) await p.service.stop()
  await clerk?.close()
})

async function call(base: string, method: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  })
  return { status: res.status, text: await res.text() }
}

describe.each(['single', '2 workers'])('the proxy (%s)', (name) => {
  const base = () => proxies[name]!.base

  it.each(CHANGING)('%s %s: 401 without the token, or with a wrong one', async (method, path, body) => {
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer wrong' },
      { 'x-admin-token': `${TOKEN}x` },
      { authorization: `Basic ${TOKEN}` },
      { cookie: `token=${TOKEN}` },
    ]
    for (const headers of attempts) {
      const res = await call(base(), method, path, body, headers)
      expect(res.status, JSON.stringify(headers)).toBe(401)
      expect(JSON.parse(res.text)).toMatchObject({ error: 'unauthorized', code: 'PROXY_ERR_UNAUTHORIZED' })
    }
  })

  it.each([
    ['GET', '/_lb/status'],
    ['GET', '/metrics'],
  ])('%s %s is open, and shows no token', async (method, path) => {
    const res = await call(base(), method, path, undefined)
    expect(res.status).toBe(200)
    expect(res.text).not.toContain(TOKEN)
  })

  it('takes the token in a header, and never echoes it or logs it', async () => {
    const res = await call(base(), 'POST', '/_lb/clerks/clerk-a/drain', {}, { authorization: `Bearer ${TOKEN}` })
    expect(res.status).toBe(200)
    expect(res.text).not.toContain(TOKEN)
    expect((await call(base(), 'POST', '/_lb/clerks/clerk-a/undrain', {}, { 'x-admin-token': TOKEN })).status).toBe(200)
    expect(proxies[name]!.service.output()).not.toContain(TOKEN)
  })
})
