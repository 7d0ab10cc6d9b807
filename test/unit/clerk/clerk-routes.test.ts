import fc from 'fast-check'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildClerk } from '../../../services/clerk/build-clerk.js'
import { startRedisServer, type RedisServer } from '../../../services/common/redis-server.js'
import { waitFor } from '../../../services/common/wait-for.js'

// Route behaviour through app.inject, against a real redis-server (shared sessions, the ledger).
let redis: RedisServer
let app: FastifyInstance
let crashes = 0

beforeAll(async () => {
  redis = await startRedisServer({ appendOnly: false })
  app = await buildClerk({ clerkId: 'clerk-t', redisUrl: redis.url, logLevel: 'silent', adminToken: 'admin-token-1', redisTimeoutMs: 2000 }, { crash: () => crashes++ })
  await app.ready()
  await waitForRedis()
})
afterAll(async () => {
  await app?.close()
  await redis?.stop()
})

async function waitForRedis() {
  for (let i = 0; i < 200; i++) {
    const res = await app.inject({ url: '/readyz?mode=shared' })
    if (res.statusCode === 200) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error('the clerk never saw Redis')
}

function cookieOf(res: LightMyRequestResponse): Record<string, string> {
  const jar: Record<string, string> = {}
  for (const c of res.cookies as Array<{ name: string; value: string }>) jar[c.name] = c.value
  return jar
}

function post(url: string, payload: unknown, cookies: Record<string, string> = {}, headers: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url, payload: payload as object, cookies, headers })
}

describe('the clerk app', () => {
  it('plays the seed dialogue in stateful mode with a stateful_sid cookie on /stateful', async () => {
    const asked = await post('/stateful/ask', { product: 'laptop' })
    expect(asked.statusCode).toBe(200)
    expect(asked.headers['x-clerk']).toBe('clerk-t')
    expect(asked.json()).toMatchObject({ clerk: 'clerk-t', mode: 'stateful', step: 'ask', say: '1,000,000 won.' })
    const setCookie = String(asked.headers['set-cookie'])
    expect(setCookie).toMatch(/^stateful_sid=/)
    expect(setCookie).toContain('Path=/stateful')
    expect(setCookie).toContain('HttpOnly')
    expect(setCookie).toContain('SameSite=Lax')
    const jar = cookieOf(asked)
    const bought = await post('/stateful/buy', { quantity: 2 }, jar)
    expect(bought.json()).toMatchObject({ say: '2,000,000 won. Credit card or cash?', total: 2_000_000 })
    const paid = await post('/stateful/pay', { method: 'card' }, jar)
    expect(paid.json()).toMatchObject({ say: 'Payment of 2,000,000 won completed.', replayed: false })
    expect(paid.json().order).toMatchObject({ product: 'laptop', quantity: 2, total: 2_000_000, mode: 'stateful' })
    const again = await post('/stateful/pay', { method: 'card' }, jar)
    expect(again.json()).toMatchObject({ replayed: true, order: { id: paid.json().order.id } })
  })

  it('answers buy with no cookie as context_lost, reason no_session', async () => {
    const res = await post('/stateful/buy', { quantity: 2 })
    expect(res.statusCode).toBe(409)
    expect(res.json()).toMatchObject({
      error: 'context_lost',
      code: 'CLERK_ERR_CONTEXT_LOST',
      reason: 'no_session',
      say: '2 of what? What would you like to buy?',
      clerk: 'clerk-t',
      mode: 'stateful',
      step: 'buy',
    })
  })

  it('answers a well-signed cookie it does not know as context_lost, reason session_unknown, and leaves the cookie alone', async () => {
    const other = await buildClerk({ clerkId: 'clerk-o', redisUrl: redis.url, logLevel: 'silent' })
    const asked = await other.inject({ method: 'POST', url: '/stateful/ask', payload: { product: 'laptop' } })
    await other.close()
    const res = await post('/stateful/buy', { quantity: 2 }, cookieOf(asked))
    expect(res.statusCode).toBe(409)
    expect(res.json()).toMatchObject({ error: 'context_lost', reason: 'session_unknown' })
    expect(res.headers['set-cookie']).toBeUndefined()
  })

  it('forgets a stateful session after its lifetime: its cookie then gets context_lost', async () => {
    const brief = await buildClerk({ clerkId: 'clerk-e', redisUrl: redis.url, logLevel: 'silent', sessionTtlMs: 1000 })
    try {
      const asked = await brief.inject({ method: 'POST', url: '/stateful/ask', payload: { product: 'laptop' } })
      const jar = cookieOf(asked)
      // poll (with a deadline) with a pay that cannot follow ask: 400 while the session lives,
      // 409 once it is gone, and it never writes the session (which would keep it alive)
      const lost = await waitFor(
        async () => {
          const res = await brief.inject({ method: 'POST', url: '/stateful/pay', payload: { method: 'card' }, cookies: jar })
          return res.statusCode === 409 ? res : undefined
        },
        { what: 'the session to expire', timeoutMs: 10_000, intervalMs: 100 },
      )
      expect(lost.json()).toMatchObject({ error: 'context_lost', reason: 'session_unknown' })
    } finally {
      await brief.close()
    }
  })

  it('answers a forged cookie as context_lost', async () => {
    const res = await post('/shared/buy', { quantity: 2 }, { shared_sid: 'forged.signature' })
    expect(res.json()).toMatchObject({ error: 'context_lost', reason: 'session_unknown' })
  })

  it('carries a stateless dialogue in the context token and refuses an edited one', async () => {
    const asked = await post('/stateless/ask', { product: 'keyboard' })
    expect(asked.headers['set-cookie']).toBeUndefined()
    const bought = await post('/stateless/buy', { context: asked.json().context, quantity: 3 })
    expect(bought.json()).toMatchObject({ total: 240_000 })
    const token: string = bought.json().context
    const tampered = await post('/stateless/pay', { context: `${token.slice(0, -2)}xx`, method: 'cash' })
    expect(tampered.statusCode).toBe(401)
    expect(tampered.json().error).toBe('context_tampered')
    const paid = await post('/stateless/pay', { context: token, method: 'cash' })
    expect(paid.json().order).toMatchObject({ total: 240_000, mode: 'stateless' })
  })

  it('answers an unknown route with a 404 JSON that names the clerk', async () => {
    const res = await app.inject({ url: '/nowhere' })
    expect(res.statusCode).toBe(404)
    expect(res.headers['x-clerk']).toBe('clerk-t')
    expect(res.json()).toMatchObject({ error: 'not_found', code: 'CLERK_ERR_NOT_FOUND', clerk: 'clerk-t' })
  })

  it('serves healthz, readyz and Prometheus metrics', async () => {
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok', clerk: 'clerk-t' })
    const ready = (await app.inject({ url: '/readyz' })).json()
    expect(ready).toMatchObject({
      status: 'ready',
      clerk: 'clerk-t',
      redis: 'up',
      modes: { stateful: true, stateless: true, shared: true },
      slowMs: 0,
    })
    expect(typeof ready.sessions.stateful).toBe('number')
    const metrics = await app.inject({ url: '/metrics' })
    expect(metrics.headers['content-type']).toContain('text/plain')
    expect(metrics.body).toContain('clerk_requests_total{mode="stateful",step="ask",status="200"}')
    for (const name of ['clerk_request_duration_seconds', 'clerk_orders_total', 'clerk_sessions', 'clerk_redis_up 1']) {
      expect(metrics.body).toContain(name)
    }
  })

  it('guards the admin routes with the token and crashes only after answering 202', async () => {
    expect((await post('/_admin/slow', { ms: 5 })).statusCode).toBe(401)
    expect((await post('/_admin/slow', { ms: 5 }, {}, { authorization: 'Bearer wrong-token' })).statusCode).toBe(401)
    const slow = await post('/_admin/slow', { ms: 0 }, {}, { 'x-admin-token': 'admin-token-1' })
    expect(slow.json()).toEqual({ clerk: 'clerk-t', slowMs: 0 })
    const bad = await post('/_admin/slow', { ms: 1e9 }, {}, { authorization: 'Bearer admin-token-1' })
    expect(bad.statusCode).toBe(400)
    const crash = await post('/_admin/crash', {}, {}, { authorization: 'Bearer admin-token-1' })
    expect(crash.statusCode).toBe(202)
    expect(crashes).toBe(1)
  })

  it('while draining, says so on readyz and answers new dialogue requests 503 shutting_down', async () => {
    const draining = await buildClerk({ clerkId: 'clerk-d', redisUrl: redis.url, logLevel: 'silent' })
    draining.clerk.draining = true
    const ready = await draining.inject({ url: '/readyz' })
    const refused = await draining.inject({ method: 'POST', url: '/stateless/ask', payload: { product: 'laptop' } })
    await draining.close()
    expect(ready.statusCode).toBe(503)
    expect(ready.json().status).toBe('draining')
    expect(refused.statusCode).toBe(503)
    expect(refused.headers.connection).toBe('close')
    expect(refused.json()).toMatchObject({ error: 'shutting_down', code: 'CLERK_ERR_SHUTTING_DOWN', clerk: 'clerk-d' })
  })

  it('with CLERK_CONCURRENCY and CLERK_WORK_MS, queues answers and still gives every one', async () => {
    const busy = await buildClerk({ clerkId: 'clerk-w', redisUrl: redis.url, logLevel: 'silent', concurrency: 1, workMs: 5 })
    try {
      const answers = await Promise.all(Array.from({ length: 4 }, () => busy.inject({ method: 'POST', url: '/stateless/ask', payload: { product: 'mouse' } })))
      expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200])
      expect(busy.clerk.gate.waiting).toBe(0)
    } finally {
      await busy.close()
    }
  })

  it('has no admin routes at all without ADMIN_TOKEN', async () => {
    const bare = await buildClerk({ clerkId: 'clerk-n', redisUrl: redis.url, logLevel: 'silent' })
    const res = await bare.inject({ method: 'POST', url: '/_admin/crash' })
    await bare.close()
    expect(res.statusCode).toBe(404)
  })
})

// Property: whatever a client sends, to whatever step of whatever mode, with or without a
// dialogue going on, the clerk answers with a registry 4xx or a 200, never a 5xx.
describe('the clerk app, given any request', () => {
  const payload = fc.oneof(
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc
      .dictionary(
        fc.constantFrom('product', 'quantity', 'method', 'unitPrice', 'total', 'context', 'ms', 'x'),
        fc.oneof(fc.constantFrom('laptop', 'mouse', 'card', 'cash', 'v1.abc.def', 2, 0, -1, 1.5, 1e9, '2', null, 2_000_000), fc.jsonValue()),
      )
      .map((v) => JSON.stringify(v)),
    fc.string(),
    fc.constantFrom('', '{', '{"product":', '{"__proto__":{"x":1}}', 'null', '[]', '"laptop"'),
  )
  const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', undefined)
  const mode = fc.constantFrom('stateful', 'stateless', 'shared')
  const step = fc.constantFrom('ask', 'buy', 'pay')

  it('never answers 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(mode, step, payload, contentType, fc.boolean(), async (m, s, body, type, inDialogue) => {
        let cookies: Record<string, string> = {}
        let finalBody = body
        if (inDialogue) {
          const asked = await post(`/${m}/ask`, { product: 'laptop' })
          cookies = cookieOf(asked)
          if (m === 'stateless' && body.startsWith('{"')) {
            finalBody = `{"context":${JSON.stringify(asked.json().context)},${body.slice(1)}`
          }
        }
        const res = await app.inject({
          method: 'POST',
          url: `/${m}/${s}`,
          payload: finalBody,
          cookies,
          headers: type === undefined ? {} : { 'content-type': type },
        })
        expect(res.statusCode, res.body).toBeLessThan(500)
        expect(res.headers['x-clerk']).toBe('clerk-t')
        const json = res.json()
        if (res.statusCode >= 400) expect(json.code).toMatch(/^CLERK_ERR_/)
      }),
      { numRuns: 600 },
    )
  })
})
