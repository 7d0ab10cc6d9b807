import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../../services/common/free-port.js'
import { startRedisServer, type RedisServer } from '../../../services/common/redis-server.js'
import { spawnService, type SpawnedService } from '../../helpers/spawn-service.js'
import { ADMIN_TOKEN, Customer, startClerk, type RunningClerk } from './clerk-harness.js'

// Issue 10, item 8: floods against real clerks, a real proxy and a real redis-server.
let redis: RedisServer
const stops: Array<() => Promise<void>> = []

beforeAll(async () => {
  redis = await startRedisServer({ appendOnly: false })
})
afterAll(async () => {
  for (const stop of stops.reverse()) await stop()
  await redis?.stop()
})

async function clerkWith(id: string, env: Record<string, string>): Promise<RunningClerk> {
  const clerk = await startClerk(id, { REDIS_URL: redis.url, ADMIN_TOKEN, ...env })
  stops.push(() => clerk.service.stop())
  return clerk
}

const ask = (customer: Customer, url: string, headers: Record<string, string> = {}) => customer.post(`${url}/stateful/ask`, { product: 'laptop' }, headers)

describe('a full stateful session store', () => {
  it('refuses a new customer with 503 and Retry-After instead of dropping a live dialogue', async () => {
    const clerk = await clerkWith('clerk-full', { CLERK_MEMORY_SESSIONS_MAX: '3', CLERK_NEW_SESSIONS_PER_MINUTE: '0' })
    const [a, b, c, d] = [new Customer(), new Customer(), new Customer(), new Customer()]
    for (const customer of [a, b, c]) expect((await ask(customer, clerk.url)).status).toBe(200)
    const refused = await ask(d, clerk.url)
    expect(refused.status, JSON.stringify(refused.body)).toBe(503)
    expect(refused.body).toMatchObject({ error: 'sessions_full', code: 'CLERK_ERR_SESSIONS_FULL', mode: 'stateful', step: 'ask' })
    const retryAfter = Number(refused.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(30 * 60) // the session lifetime
    // every live dialogue carries on
    for (const customer of [a, b, c]) expect((await customer.post(`${clerk.url}/stateful/buy`, { quantity: 1 })).status).toBe(200)
    // a paid dialogue makes way for the next customer
    expect((await c.post(`${clerk.url}/stateful/pay`, { method: 'card' })).status).toBe(200)
    expect((await ask(d, clerk.url)).status).toBe(200)
    for (const customer of [a, b]) expect((await customer.post(`${clerk.url}/stateful/pay`, { method: 'cash' })).status).toBe(200)
  })
})

describe('the limit on new sessions per client', () => {
  it('counts the address behind a trusted proxy (the last X-Forwarded-For), new sessions only', async () => {
    const clerk = await clerkWith('clerk-rl', { CLERK_NEW_SESSIONS_PER_MINUTE: '5', CLERK_TRUST_PROXY: '127.0.0.1' })
    const from = (address: string) => ({ 'x-forwarded-for': address })
    const x = '198.51.100.7'
    const kept = new Customer()
    expect((await ask(kept, clerk.url, from(x))).status).toBe(200)
    for (let i = 0; i < 4; i++) expect((await ask(new Customer(), clerk.url, from(x))).status).toBe(200)
    const limited = await ask(new Customer(), clerk.url, from(x))
    expect(limited.status, JSON.stringify(limited.body)).toBe(429)
    expect(limited.body).toMatchObject({ error: 'too_many_new_sessions', code: 'CLERK_ERR_TOO_MANY_NEW_SESSIONS', mode: 'stateful', step: 'ask' })
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    // what a client writes before the proxy's entry is not read: still x's count
    expect((await ask(new Customer(), clerk.url, from(`203.0.113.1, ${x}`))).status).toBe(429)
    // shared mode has its own count, the same rule
    for (let i = 0; i < 5; i++) expect((await new Customer().post(`${clerk.url}/shared/ask`, { product: 'mouse' }, from(x))).status).toBe(200)
    expect((await new Customer().post(`${clerk.url}/shared/ask`, { product: 'mouse' }, from(x))).status).toBe(429)
    // another address has its own count; a customer with a dialogue is not counted; nor the admin
    expect((await ask(new Customer(), clerk.url, from('198.51.100.8'))).status).toBe(200)
    expect((await ask(kept, clerk.url, from(x))).status).toBe(200)
    expect((await kept.post(`${clerk.url}/stateful/buy`, { quantity: 2 }, from(x))).status).toBe(200)
    expect((await ask(new Customer(), clerk.url, { ...from(x), authorization: `Bearer ${ADMIN_TOKEN}` })).status).toBe(200)
    // stateless keeps nothing on the server: not limited
    for (let i = 0; i < 7; i++) expect((await new Customer().post(`${clerk.url}/stateless/ask`, { product: 'mouse' }, from(x))).status).toBe(200)
  })

  it('ignores X-Forwarded-For from a peer it does not trust', async () => {
    const clerk = await clerkWith('clerk-untrusting', { CLERK_NEW_SESSIONS_PER_MINUTE: '3' })
    for (let i = 0; i < 3; i++) expect((await ask(new Customer(), clerk.url, { 'x-forwarded-for': `198.51.100.${i}` })).status).toBe(200)
    // three "different" clients, one peer: the fourth is over the peer's limit
    expect((await ask(new Customer(), clerk.url, { 'x-forwarded-for': '198.51.100.99' })).status).toBe(429)
  })

  it('through the real proxy, a client cannot pick its own count by writing X-Forwarded-For', async () => {
    const clerk = await clerkWith('clerk-behind', { CLERK_NEW_SESSIONS_PER_MINUTE: '4', CLERK_TRUST_PROXY: 'loopback' })
    const port = await freePort()
    const proxy: SpawnedService = await spawnService(
      'proxy/main.js',
      { PROXY_PORT: String(port), PROXY_HOST: '127.0.0.1', PROXY_CLERKS: `clerk-behind=${clerk.url}`, ADMIN_TOKEN },
      `http://127.0.0.1:${port}/_lb/status`,
    )
    stops.push(() => proxy.stop())
    const base = `http://127.0.0.1:${port}`
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) statuses.push((await ask(new Customer(), base, { 'x-forwarded-for': `192.0.2.${i}` })).status)
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429])
  })
})

describe('a full Redis (maxmemory)', () => {
  it('evicts expiring session keys, never the ledger, and refuses a pay it cannot write with 503, charging nothing', async () => {
    const full = await startRedisServer({ appendOnly: false })
    stops.push(() => full.stop())
    const clerk = await startClerk('clerk-oom', { REDIS_URL: full.url, ADMIN_TOKEN })
    stops.push(() => clerk.service.stop())
    const direct = new Redis(full.url)
    stops.push(async () => direct.disconnect())
    const paidBefore: string[] = []
    for (let i = 0; i < 5; i++) {
      const customer = new Customer()
      await ask(customer, clerk.url)
      await customer.post(`${clerk.url}/stateful/buy`, { quantity: 1 })
      paidBefore.push((await customer.post(`${clerk.url}/stateful/pay`, { method: 'card' })).body.order.id)
    }
    const waiting = new Customer()
    await ask(waiting, clerk.url)
    await waiting.post(`${clerk.url}/stateful/buy`, { quantity: 3 })

    // a tiny cap, then a flood of expiring keys (what shared sessions are) past it
    const used = Number(/used_memory:(\d+)/.exec(await direct.info('memory'))?.[1])
    await direct.config('SET', 'maxmemory', String(used + 256 * 1024))
    for (let i = 0; i < 2000; i++) await direct.set(`clerk:sess:flood-${i}`, 'x'.repeat(1000), 'PX', 600_000)
    expect(Number(/evicted_keys:(\d+)/.exec(await direct.info('stats'))?.[1])).toBeGreaterThan(0)
    for (const id of paidBefore) expect(await direct.hexists('clerk:ledger:orders', id)).toBe(1)

    // then keys that cannot be evicted, until Redis refuses writes
    let refusedWrites = false
    for (let i = 0; i < 2000 && !refusedWrites; i++) {
      try {
        await direct.set(`pad-${i}`, 'x'.repeat(1000))
      } catch (err) {
        refusedWrites = /^OOM /.test((err as Error).message)
      }
    }
    expect(refusedWrites).toBe(true)
    const orders = await direct.hlen('clerk:ledger:orders')
    const pay = await waiting.post(`${clerk.url}/stateful/pay`, { method: 'card' })
    expect(pay.status, JSON.stringify(pay.body)).toBe(503)
    expect(pay.body).toMatchObject({ error: 'redis_unavailable' })
    expect(pay.body.message).toMatch(/Redis is full/)
    expect(pay.body.message).toMatch(/Nothing was charged/)
    expect(await direct.hlen('clerk:ledger:orders')).toBe(orders)

    // room again: the same dialogue pays once (it was not marked paid)
    await direct.config('SET', 'maxmemory', '0')
    const again = await waiting.post(`${clerk.url}/stateful/pay`, { method: 'card' })
    expect(again.body).toMatchObject({ replayed: false, say: 'Payment of 3,000,000 won completed.' })
    for (const id of paidBefore) expect(await direct.hexists('clerk:ledger:orders', id)).toBe(1)
  })
})
