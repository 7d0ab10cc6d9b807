import { request, type ClientRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedisServer, type RedisServer } from '../../../services/common/redis-server.js'
import { waitFor } from '../../../services/common/wait-for.js'
import { spawnService } from '../../helpers/spawn-service.js'
import { ADMIN_TOKEN, Customer, getJson, startClerk } from './clerk-harness.js'

// The clerk as a process: signals, admin hooks, configuration mistakes, metrics.
let redis: RedisServer

beforeAll(async () => {
  redis = await startRedisServer({ appendOnly: false })
})
afterAll(async () => {
  await redis?.stop()
})

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }

describe('SIGTERM', () => {
  it('lets the request in flight finish and exits 0', async () => {
    const clerk = await startClerk('clerk-t', { REDIS_URL: redis.url, ADMIN_TOKEN })
    const customer = new Customer()
    expect((await customer.post(`${clerk.url}/_admin/slow`, { ms: 1500 }, admin)).body).toEqual({ clerk: 'clerk-t', slowMs: 1500 })
    const inFlight = customer.post(`${clerk.url}/stateless/ask`, { product: 'laptop' })
    // readyz does not count itself, so 1 means our slow ask is being answered
    await waitFor(async () => (await getJson(`${clerk.url}/readyz`)).body.inFlight >= 1, { what: 'the slow ask in flight' })
    const exitCode = clerk.service.signal('SIGTERM')
    const answer = await inFlight
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ step: 'ask', clerk: 'clerk-t' })
    expect(await exitCode).toBe(0)
  })
})

// A stateless ask over its own connection, its body sent whole or only in part (then it stalls).
function openAsk(port: number, { stall = false } = {}): ClientRequest {
  const body = '{"product":"laptop"}'
  const req = request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/stateless/ask',
    agent: false,
    headers: { 'content-type': 'application/json', 'content-length': String(stall ? 100 : body.length) },
  })
  req.on('error', () => {}) // we destroy it ourselves
  if (stall) req.write(body.slice(0, 6))
  else req.end(body)
  return req
}

describe('requests the client abandons', () => {
  it('leave inFlight back at 0 on an idle clerk and are counted once, as "aborted"', async () => {
    const clerk = await startClerk('clerk-q', { REDIS_URL: redis.url, ADMIN_TOKEN })
    const readyz = async () => (await getJson(`${clerk.url}/readyz`)).body
    try {
      const customer = new Customer()
      expect((await customer.post(`${clerk.url}/_admin/slow`, { ms: 5000 }, admin)).status).toBe(200)
      expect((await readyz()).inFlight, 'an idle clerk, not counting the readyz itself').toBe(0)
      const abandoned = [...Array.from({ length: 10 }, () => openAsk(clerk.port)), openAsk(clerk.port, { stall: true })]
      await waitFor(async () => (await readyz()).inFlight === 11, { what: '11 requests in flight' })
      for (const req of abandoned) req.destroy()
      await waitFor(async () => (await readyz()).inFlight === 0, { what: 'inFlight back to 0' })

      // asked after the abandoned ones, answered after their slow answers would have been sent
      const later = await customer.post(`${clerk.url}/stateless/ask`, { product: 'laptop' })
      expect(later.status).toBe(200)
      expect((await readyz()).inFlight).toBe(0)
      const metrics = (await getJson(`${clerk.url}/metrics`)).body as string
      expect(metrics).toContain('clerk_requests_total{mode="stateless",step="ask",status="aborted"} 11')
      expect(metrics).toContain('clerk_requests_total{mode="stateless",step="ask",status="200"} 1')
    } finally {
      await clerk.service.stop()
    }
  })
})

describe('the admin routes', () => {
  it('do not exist without ADMIN_TOKEN (404), refuse a wrong token (401), and crash on demand', async () => {
    const plain = await startClerk('clerk-p', { REDIS_URL: redis.url })
    const guarded = await startClerk('clerk-g', { REDIS_URL: redis.url, ADMIN_TOKEN })
    try {
      const customer = new Customer()
      expect((await customer.post(`${plain.url}/_admin/crash`, {}, admin)).status).toBe(404)
      expect((await customer.post(`${plain.url}/_admin/slow`, { ms: 1 })).status).toBe(404)
      const wrong = await customer.post(`${guarded.url}/_admin/crash`, {}, { authorization: 'Bearer not-the-token' })
      expect(wrong.status).toBe(401)
      expect(wrong.body).toMatchObject({ error: 'unauthorized', code: 'CLERK_ERR_UNAUTHORIZED' })
      expect((await customer.post(`${guarded.url}/_admin/slow`, { ms: 1 })).status).toBe(401)
      expect((await customer.post(`${guarded.url}/_admin/slow`, { ms: -1 }, { 'x-admin-token': ADMIN_TOKEN })).status).toBe(400)

      const crash = await customer.post(`${guarded.url}/_admin/crash`, {}, admin)
      expect(crash.status).toBe(202)
      await waitFor(() => guarded.service.exited(), { what: 'the clerk to die' })
      expect(guarded.service.child.signalCode).toBe('SIGKILL')
    } finally {
      await Promise.all([plain.service.stop(), guarded.service.stop()])
    }
  })
})

describe('configuration mistakes', () => {
  it.each([
    [{ CLERK_PORT: 'eighty' }, 'CLERK_PORT'],
    [{ CLERK_ID: 'Clerk A!' }, 'CLERK_ID'],
    [{ SESSION_SECRET: 'too-short' }, 'SESSION_SECRET'],
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL'],
    [{ CLERK_CONCURRENCY: '-1' }, 'CLERK_CONCURRENCY'],
  ])('%j makes the clerk exit 1 with a sentence naming %s', async (env, name) => {
    const service = await spawnService('services/clerk/main.js', env, undefined)
    await waitFor(() => service.exited(), { what: 'the clerk to refuse its configuration' })
    expect(service.child.exitCode).toBe(1)
    expect(service.output()).toContain(name)
    expect(service.output().trim().split('\n')).toHaveLength(1)
  })
})

describe('/metrics', () => {
  it("is Prometheus text with the clerk's counters", async () => {
    const clerk = await startClerk('clerk-m', { REDIS_URL: redis.url })
    try {
      const customer = new Customer()
      await customer.post(`${clerk.url}/shared/ask`, { product: 'laptop' })
      await customer.post(`${clerk.url}/shared/buy`, { quantity: 1 })
      await customer.post(`${clerk.url}/shared/pay`, { method: 'card' })
      const res = await fetch(`${clerk.url}/metrics`)
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
      expect(res.headers.get('x-clerk')).toBe('clerk-m')
      const text = await res.text()
      expect(text).toContain('# TYPE clerk_requests_total counter')
      expect(text).toContain('clerk_requests_total{mode="shared",step="pay",status="200"} 1')
      expect(text).toContain('clerk_orders_total{mode="shared"} 1')
      expect(text).toContain('clerk_redis_up 1')
      expect(text).toContain('clerk_sessions{mode="stateful"} 0')
      expect(text).toMatch(/clerk_request_duration_seconds_bucket\{le="[\d.]+",mode="shared",step="ask"\}/)
    } finally {
      await clerk.service.stop()
    }
  })
})
