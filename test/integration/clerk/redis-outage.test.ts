import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../../services/common/free-port.js'
import { startRedisServer, type RedisServer } from '../../../services/common/redis-server.js'
import { waitFor } from '../../../services/common/wait-for.js'
import { ADMIN_TOKEN, adminGet, Customer, dialogue, getJson, REDIS_TIMEOUT_MS, startClerk, type Answer, type RunningClerk } from './clerk-harness.js'

// A real redis-server killed and restarted under a real clerk. The fetches in Customer give up
// after 10 s: a hang fails the test, a fast 503 passes it (speed itself lives in the benchmark).
let redis: RedisServer
let clerk: RunningClerk

beforeAll(async () => {
  redis = await startRedisServer({ appendOnly: true })
  clerk = await startClerk('clerk-r', { REDIS_URL: redis.url, ADMIN_TOKEN })
})
afterAll(async () => {
  await clerk?.service.stop()
  await redis?.stop()
})

async function orderCount(): Promise<number> {
  const res = await adminGet(`${clerk.url}/orders?limit=1000`)
  return res.body.orders.length
}

async function ordersOf(dialogueId: string): Promise<Array<{ id: string }>> {
  const res = await adminGet(`${clerk.url}/orders?limit=1000`)
  return res.body.orders.filter((o: { dialogueId: string }) => o.dialogueId === dialogueId)
}

// the dialogue id inside a stateless token (`v1.<base64url JSON>.<signature>`)
function dialogueIdOf(token: string): string {
  const payload = token.split('.')[1] ?? ''
  return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { dialogueId: string }).dialogueId
}

describe('Redis killed under a clerk', () => {
  it('answers shared mode and pay with 503 at once, keeps stateful and stateless going, and recovers when Redis returns', async () => {
    const [, , paidBefore] = await dialogue('stateful', [clerk.url, clerk.url, clerk.url])
    expect(paidBefore.status, JSON.stringify(paidBefore.body)).toBe(200)
    const orderBefore = paidBefore.body.order
    const sharedCustomer = new Customer()
    expect((await sharedCustomer.post(`${clerk.url}/shared/ask`, { product: 'mouse' })).status).toBe(200)
    const ordersBefore = await orderCount()

    await redis.kill()

    const shared = await sharedCustomer.post(`${clerk.url}/shared/buy`, { quantity: 2 })
    expect(shared.status, JSON.stringify(shared.body)).toBe(503)
    expect(shared.body).toMatchObject({ error: 'redis_unavailable', code: 'CLERK_ERR_REDIS_UNAVAILABLE', clerk: 'clerk-r', mode: 'shared' })
    // a Redis that was there before is an outage (a demo stops it on purpose), not a missing installation
    expect(shared.body.message).toContain('Redis is stopped or not answering')
    expect(shared.body.message).not.toContain('apt-get')
    expect((await new Customer().post(`${clerk.url}/shared/ask`, { product: 'mouse' })).status).toBe(503)

    const stateful = new Customer()
    expect((await stateful.post(`${clerk.url}/stateful/ask`, { product: 'laptop' })).status).toBe(200)
    expect((await stateful.post(`${clerk.url}/stateful/buy`, { quantity: 2 })).status).toBe(200)
    const refused = await stateful.post(`${clerk.url}/stateful/pay`, { method: 'card' })
    expect(refused.status, JSON.stringify(refused.body)).toBe(503)
    expect(refused.body.message).toContain('Nothing was charged')

    const stateless = new Customer()
    const asked = await stateless.post(`${clerk.url}/stateless/ask`, { product: 'laptop' })
    const bought = await stateless.post(`${clerk.url}/stateless/buy`, { context: asked.body.context, quantity: 1 })
    expect([asked.status, bought.status]).toEqual([200, 200])
    expect((await stateless.post(`${clerk.url}/stateless/pay`, { context: bought.body.context, method: 'cash' })).status).toBe(503)

    const ready = await getJson(`${clerk.url}/readyz`)
    expect(ready.status, JSON.stringify(ready.body)).toBe(200)
    expect(ready.body).toMatchObject({ redis: 'down', modes: { stateful: true, stateless: true, shared: false } })
    expect((await getJson(`${clerk.url}/readyz?mode=shared`)).status).toBe(503)
    const metrics = await getJson(`${clerk.url}/metrics`)
    expect(metrics.body).toContain('clerk_redis_up 0')

    await redis.start()
    await waitFor(async () => (await getJson(`${clerk.url}/readyz?mode=shared`)).status === 200, {
      what: 'the clerk to see Redis again',
      timeoutMs: 10_000,
    })

    // orders written before the crash survived it (appendonly), and nothing was charged meanwhile
    expect((await adminGet(`${clerk.url}/orders/${orderBefore.id}`)).body.order).toEqual(orderBefore)
    expect(await orderCount()).toBe(ordersBefore)
    // the shared dialogue, kept in Redis, carries on; the refused stateful pay now goes through once
    expect((await sharedCustomer.post(`${clerk.url}/shared/buy`, { quantity: 2 })).body).toMatchObject({ total: 60_000 })
    const retried = await stateful.post(`${clerk.url}/stateful/pay`, { method: 'card' })
    expect(retried.body).toMatchObject({ replayed: false, order: { total: 2_000_000 } })
    expect(await orderCount()).toBe(ordersBefore + 1)
  })

  it('answers 503 instead of hanging when Redis stops answering (SIGSTOP)', async () => {
    const customer = new Customer()
    expect((await customer.post(`${clerk.url}/shared/ask`, { product: 'laptop' })).status).toBe(200)
    const pid = redis.pid()
    if (pid === undefined) throw new Error('redis is not running')
    process.kill(pid, 'SIGSTOP')
    try {
      const res = await customer.post(`${clerk.url}/shared/buy`, { quantity: 1 })
      expect(res.status, JSON.stringify(res.body)).toBe(503)
      expect(res.body.error).toBe('redis_unavailable')
    } finally {
      process.kill(pid, 'SIGCONT')
    }
    await waitFor(async () => (await customer.post(`${clerk.url}/shared/buy`, { quantity: 1 })).status === 200, {
      what: 'shared mode back after SIGCONT',
      timeoutMs: 10_000,
    })
  })
})

describe('a pay while Redis is away tells the truth', () => {
  it('stateful: a pay refused with Redis down leaves the dialogue unpaid: after recovery buy changes the quantity and pay charges once', async () => {
    const customer = new Customer()
    expect((await customer.post(`${clerk.url}/stateful/ask`, { product: 'laptop' })).status).toBe(200)
    expect((await customer.post(`${clerk.url}/stateful/buy`, { quantity: 2 })).status).toBe(200)
    await redis.kill()
    const refused = await customer.post(`${clerk.url}/stateful/pay`, { method: 'card' })
    expect(refused.status, JSON.stringify(refused.body)).toBe(503)
    expect(refused.body.message).toContain('Nothing was charged')

    await redis.start()
    await waitFor(async () => (await adminGet(`${clerk.url}/orders?limit=1`)).status === 200, {
      what: 'the ledger back after the restart',
      timeoutMs: 10_000,
    })
    const rebought = await customer.post(`${clerk.url}/stateful/buy`, { quantity: 3 })
    expect(rebought.status, JSON.stringify(rebought.body)).toBe(200)
    expect(rebought.body).toMatchObject({ total: 3_000_000 })
    const paid = await customer.post(`${clerk.url}/stateful/pay`, { method: 'card' })
    expect(paid.body).toMatchObject({ replayed: false, say: 'Payment of 3,000,000 won completed.', order: { quantity: 3 } })
    const again = await customer.post(`${clerk.url}/stateful/pay`, { method: 'card' })
    expect(again.body).toMatchObject({ replayed: true, order: { id: paid.body.order.id } })
    expect(await ordersOf(paid.body.order.dialogueId)).toHaveLength(1)
  })

  it('a pay sent to a hung Redis (SIGSTOP) answers 503, and Redis refuses it when it wakes: the order is not in the ledger', async () => {
    const customer = new Customer()
    const asked = await customer.post(`${clerk.url}/stateless/ask`, { product: 'keyboard' })
    const bought = await customer.post(`${clerk.url}/stateless/buy`, { context: asked.body.context, quantity: 4 })
    expect([asked.status, bought.status]).toEqual([200, 200])
    const dialogueId = dialogueIdOf(bought.body.context)
    const pid = redis.pid()
    if (pid === undefined) throw new Error('redis is not running')
    process.kill(pid, 'SIGSTOP')
    let refused
    try {
      // the charge goes out on the socket; Redis will run the script when it wakes
      refused = await customer.post(`${clerk.url}/stateless/pay`, { context: bought.body.context, method: 'card' })
    } finally {
      process.kill(pid, 'SIGCONT')
    }
    expect(refused.status, JSON.stringify(refused.body)).toBe(503)
    expect(refused.body).toMatchObject({ error: 'redis_unavailable' })
    expect(refused.body.message).toContain('Nothing was charged')

    // The clerk's reads share its one connection with the late script, so once a ledger read
    // answers, Redis has run (and refused) the charge.
    await waitFor(async () => (await adminGet(`${clerk.url}/orders?limit=1`)).status === 200, {
      what: 'the ledger back after SIGCONT',
      timeoutMs: 10_000,
    })
    expect(await ordersOf(dialogueId)).toEqual([])
    // so the customer's retry is the first charge, not a replay of one it was told never happened
    const retried = await customer.post(`${clerk.url}/stateless/pay`, { context: bought.body.context, method: 'card' })
    expect(retried.body).toMatchObject({ replayed: false, order: { dialogueId, total: 320_000 } })
    expect(await ordersOf(dialogueId)).toHaveLength(1)
  })
})

async function timed(send: () => Promise<Answer>): Promise<Answer & { ms: number }> {
  const started = performance.now()
  const answer = await send()
  return { ...answer, ms: performance.now() - started }
}

const sharedAsk = () => new Customer().post(`${clerk.url}/shared/ask`, { product: 'mouse' })

describe('Redis hung (SIGSTOP) under a burst of requests', () => {
  it('answers each of 20 concurrent shared asks with 503 within one Redis timeout, and readiness follows', async () => {
    const pid = redis.pid()
    if (pid === undefined) throw new Error('redis is not running')
    await waitFor(async () => (await getJson(`${clerk.url}/readyz?mode=shared`)).status === 200, { what: 'shared mode ready' })
    process.kill(pid, 'SIGSTOP')
    try {
      // the rest arrive while the first one waits on Redis: they used to queue behind it in
      // ioredis's auto-pipeline and wait a second timeout of their own (2x instead of 1x)
      const first = timed(sharedAsk)
      await waitFor(async () => (await getJson(`${clerk.url}/readyz`)).body.inFlight >= 1, { what: 'the first ask in flight' })
      const answers = await Promise.all([first, ...Array.from({ length: 19 }, () => timed(sharedAsk))])
      for (const answer of answers) {
        expect(answer.status, JSON.stringify(answer.body)).toBe(503)
        expect(answer.body.error).toBe('redis_unavailable')
        expect(answer.ms, 'ms for one answer').toBeLessThan(1.5 * REDIS_TIMEOUT_MS)
      }

      // a hung Redis keeps its connection open; the clerk knows better now
      const shared = await getJson(`${clerk.url}/readyz?mode=shared`)
      expect(shared.status, JSON.stringify(shared.body)).toBe(503)
      expect(shared.body).toMatchObject({ redis: 'down', modes: { shared: false } })
      const plain = await getJson(`${clerk.url}/readyz`)
      expect(plain.status, 'plain readyz stays 200: stateful and stateless still work').toBe(200)
      expect((await getJson(`${clerk.url}/metrics`)).body).toContain('clerk_redis_up 0')
      // known hung: the next request does not wait a timeout at all
      const next = await timed(sharedAsk)
      expect(next.status).toBe(503)
      expect(next.ms).toBeLessThan(REDIS_TIMEOUT_MS / 2)
    } finally {
      process.kill(pid, 'SIGCONT')
    }
    await waitFor(async () => (await getJson(`${clerk.url}/readyz?mode=shared`)).status === 200, {
      what: 'shared readiness back after SIGCONT',
      timeoutMs: 10_000,
    })
    expect((await getJson(`${clerk.url}/metrics`)).body).toContain('clerk_redis_up 1')
    expect((await sharedAsk()).status).toBe(200)
  })
})

describe('a clerk started while Redis is missing', () => {
  it('still serves stateful and stateless, refuses shared and pay with 503, and says shared is not ready', async () => {
    const nowhere = `redis://127.0.0.1:${await freePort()}`
    const lonely = await startClerk('clerk-l', { REDIS_URL: nowhere, ADMIN_TOKEN }, { waitForShared: false })
    try {
      for (const mode of ['stateful', 'stateless'] as const) {
        const [asked, bought, paid] = await dialogue(mode, [lonely.url, lonely.url, lonely.url])
        expect([asked.status, bought.status, paid.status]).toEqual([200, 200, 503])
        expect(paid.body.error).toBe('redis_unavailable')
        // never reached: the installation hint stays
        expect(paid.body.message).toContain('is Redis running at REDIS_URL?')
      }
      const shared = await new Customer().post(`${lonely.url}/shared/ask`, { product: 'laptop' })
      expect(shared.status, JSON.stringify(shared.body)).toBe(503)
      const ready = await getJson(`${lonely.url}/readyz`)
      expect(ready.status, JSON.stringify(ready.body)).toBe(200)
      expect(ready.body).toMatchObject({ status: 'ready', redis: 'down', modes: { shared: false } })
      expect((await getJson(`${lonely.url}/readyz?mode=shared`)).status).toBe(503)
      expect((await adminGet(`${lonely.url}/orders?limit=1`)).status).toBe(503)
    } finally {
      await lonely.service.stop()
    }
  })
})
