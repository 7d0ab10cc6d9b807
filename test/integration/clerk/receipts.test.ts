import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedisServer, type RedisServer } from '../../../services/common/redis-server.js'
import { ADMIN_TOKEN, adminGet, Customer, dialogue, startClerk, type Answer, type RunningClerk } from './clerk-harness.js'

// Issue 13, receipts: a stateful clerk writes the order and dies before its answer reaches the
// customer. The retried pay (same session cookie, same Idempotency-Key) lands on another clerk,
// which has no dialogue: it answers with that order, never a second one, and never to anyone
// else. Real clerks, a real Redis; the paying clerk is SIGKILLed after the ledger wrote the order
// (its answer is dropped here, as the dead clerk's would have been).
let redis: RedisServer
let a: RunningClerk
let b: RunningClerk

beforeAll(async () => {
  redis = await startRedisServer()
  ;[a, b] = await Promise.all([startClerk('clerk-a', { REDIS_URL: redis.url, ADMIN_TOKEN }), startClerk('clerk-b', { REDIS_URL: redis.url, ADMIN_TOKEN })])
})
afterAll(async () => {
  await Promise.all([a?.service.stop(), b?.service.stop()])
  await redis?.stop()
})

const freshKey = () => `receipt-${Date.now()}-${Math.random()}`

async function ordersWithKey(key: string): Promise<Array<{ id: string }>> {
  const res = await adminGet(`${b.url}/orders?limit=1000`)
  return (res.body.orders as Array<{ id: string; idempotencyKey: string | null }>).filter((o) => o.idempotencyKey === key)
}

/** ask and buy at clerk-a in stateful mode, then a pay with `key` whose answer is "lost" */
async function paidAtA(customer: Customer, key: string): Promise<{ orderId: string }> {
  await customer.post(`${a.url}/stateful/ask`, { product: 'laptop' })
  await customer.post(`${a.url}/stateful/buy`, { quantity: 2 })
  const lost = await customer.post(`${a.url}/stateful/pay`, { method: 'card' }, { 'idempotency-key': key })
  expect(lost.body).toMatchObject({ replayed: false, order: { idempotencyKey: key } })
  return { orderId: lost.body.order.id }
}

/** what a customer learns from a pay: everything but what differs between any two answers */
const shape = (answer: Answer) => ({ status: answer.status, body: { ...answer.body, requestId: undefined } })

describe('a stateful pay retried on another clerk after the paying clerk died', () => {
  let key: string
  let customer: Customer
  let orderId: string
  // another customer of the same clerk: a session cookie as valid as the payer's
  const neighbour = new Customer()

  beforeAll(async () => {
    key = freshKey()
    customer = new Customer()
    await neighbour.post(`${a.url}/stateful/ask`, { product: 'laptop' })
    await neighbour.post(`${a.url}/stateful/buy`, { quantity: 2 })
    ;({ orderId } = await paidAtA(customer, key))
    await a.service.signal('SIGKILL') // the clerk that held the dialogue is gone
  })
  afterAll(async () => {
    a = await startClerk('clerk-a', { REDIS_URL: redis.url, ADMIN_TOKEN }, { port: a.port })
  })

  it('answers the same customer with that order (a receipt), and the ledger holds it once', async () => {
    const retry = await customer.post(`${b.url}/stateful/pay`, { method: 'card' }, { 'idempotency-key': key })
    expect(retry.status, JSON.stringify(retry.body)).toBe(200)
    expect(retry.body).toMatchObject({
      clerk: 'clerk-b',
      step: 'pay',
      say: 'Payment of 2,000,000 won completed.',
      replayed: true,
      receipt: true,
      order: { id: orderId, clerk: 'clerk-a', total: 2_000_000 },
    })
    const again = await customer.post(`${b.url}/stateful/pay`, { method: 'card' }, { 'idempotency-key': key })
    expect(again.body).toMatchObject({ receipt: true, order: { id: orderId } })
    expect((await ordersWithKey(key)).map((o) => o.id)).toEqual([orderId])
    const metrics = await new Customer().send(`${b.url}/metrics`, { method: 'GET' })
    expect(metrics.body).toMatch(/clerk_receipts_total\{mode="stateful"\} [1-9]/)
  })

  it('tells another customer with the same key nothing: the same 409 context_lost as an unused key', async () => {
    for (const stranger of [neighbour, new Customer()]) {
      const withKey = await stranger.post(`${b.url}/stateful/pay`, { method: 'card' }, { 'idempotency-key': key })
      const unusedKey = await stranger.post(`${b.url}/stateful/pay`, { method: 'card' }, { 'idempotency-key': freshKey() })
      expect(withKey.status).toBe(409)
      expect(shape(withKey)).toEqual(shape(unusedKey))
      expect(JSON.stringify(withKey.body)).not.toContain(orderId)
    }
    // a stolen cookie of another session with the right key is still another customer
    const forged = new Customer()
    forged.cookies.set('stateful_sid', `${customer.cookies.get('stateful_sid')}x`)
    expect((await forged.post(`${b.url}/stateful/pay`, { method: 'card' }, { 'idempotency-key': key })).status).toBe(409)
    expect((await ordersWithKey(key)).map((o) => o.id)).toEqual([orderId])
  })

  it('gives no receipt without the key, and none for another method (already_paid, naming the order)', async () => {
    const keyless = await customer.post(`${b.url}/stateful/pay`, { method: 'card' })
    expect(keyless).toMatchObject({ status: 409, body: { error: 'context_lost', reason: 'session_unknown' } })
    const otherMethod = await customer.post(`${b.url}/stateful/pay`, { method: 'cash' }, { 'idempotency-key': key })
    expect(otherMethod).toMatchObject({ status: 409, body: { error: 'already_paid' } })
    expect(otherMethod.body.message).toContain(orderId)
    expect((await ordersWithKey(key)).map((o) => o.id)).toEqual([orderId])
  })
})

describe('receipts in shared mode', () => {
  it('a shared session that vanished (expired, Redis lost it) still gets its receipt', async () => {
    const key = freshKey()
    const customer = new Customer()
    const [, , paid] = await dialogue('shared', [b.url, b.url, b.url], customer)
    expect(paid.status).toBe(200) // a keyless pay: no receipt filed
    const keyed = new Customer()
    await keyed.post(`${b.url}/shared/ask`, { product: 'mouse' })
    await keyed.post(`${b.url}/shared/buy`, { quantity: 3 })
    const first = await keyed.post(`${b.url}/shared/pay`, { method: 'cash' }, { 'idempotency-key': key })
    expect(first.status).toBe(200)
    // the session is gone from Redis: the cookie now names no dialogue
    const sid = decodeURIComponent(keyed.cookies.get('shared_sid')!).split('.')[0]!
    const direct = new Redis(redis.url)
    try {
      expect(await direct.del(`clerk:sess:${sid}`)).toBe(1)
    } finally {
      direct.disconnect()
    }
    const retry = await keyed.post(`${a.url}/shared/pay`, { method: 'cash' }, { 'idempotency-key': key })
    expect(retry.body).toMatchObject({ receipt: true, order: { id: first.body.order.id } })
  })
})
