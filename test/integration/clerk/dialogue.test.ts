import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedisServer, type RedisServer } from '../../../services/common/redis-server.js'
import { ADMIN_TOKEN, adminGet, Customer, dialogue, getJson, startClerk, type RunningClerk } from './clerk-harness.js'

// Two real clerks sharing one real Redis: the seed story, the clerk switch, a crash mid-dialogue.
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

describe.each(['stateful', 'stateless', 'shared'])('the seed dialogue in %s mode', (mode) => {
  it('goes ask → buy → pay with one clerk, in its words, and the order is in the ledger', async () => {
    const [asked, bought, paid] = await dialogue(mode, [a.url, a.url, a.url])
    expect(asked.status).toBe(200)
    expect(asked.headers.get('x-clerk')).toBe('clerk-a')
    expect(asked.body).toMatchObject({ clerk: 'clerk-a', mode, step: 'ask', say: '1,000,000 won.', sayKo: '100만원 입니다.' })
    expect(bought.body).toMatchObject({ step: 'buy', say: '2,000,000 won. Credit card or cash?', total: 2_000_000 })
    expect(paid.status).toBe(200)
    expect(paid.body).toMatchObject({ step: 'pay', say: 'Payment of 2,000,000 won completed.', replayed: false })
    const order = paid.body.order
    expect(order).toMatchObject({ product: 'laptop', quantity: 2, unitPrice: 1_000_000, total: 2_000_000, method: 'card', mode, clerk: 'clerk-a' })
    expect(order.id).toMatch(/^o-[A-Za-z0-9_-]{22}$/)
    // any clerk reads it back: whoever holds the id sees the order without what names its
    // customer; the admin token shows all of it
    const read = await getJson(`${b.url}/orders/${order.id}`)
    expect(read.status).toBe(200)
    const { seq: _seq, dialogueId: _d, idempotencyKey: _k, ...shown } = order
    expect(read.body).toEqual({ clerk: 'clerk-b', order: shown })
    expect((await adminGet(`${b.url}/orders/${order.id}`)).body).toEqual({ clerk: 'clerk-b', order })
  })
})

describe('the clerk switch (ask at clerk A, buy at clerk B)', () => {
  it('stateful: clerk B has no record and answers 409 context_lost, "2 of what?"', async () => {
    const customer = new Customer()
    await customer.post(`${a.url}/stateful/ask`, { product: 'laptop' })
    const atB = await customer.post(`${b.url}/stateful/buy`, { quantity: 2 })
    expect(atB.status).toBe(409)
    expect(atB.headers.get('x-clerk')).toBe('clerk-b')
    expect(atB.body).toMatchObject({
      error: 'context_lost',
      code: 'CLERK_ERR_CONTEXT_LOST',
      reason: 'session_unknown',
      clerk: 'clerk-b',
      mode: 'stateful',
      step: 'buy',
      say: '2 of what? What would you like to buy?',
    })
    // clerk A still holds the dialogue: back there the customer carries on
    const backAtA = await customer.post(`${a.url}/stateful/buy`, { quantity: 2 })
    expect(backAtA.status).toBe(200)
  })

  it.each(['stateless', 'shared'])('%s: clerk B carries on, and clerk A takes the payment', async (mode) => {
    const [asked, bought, paid] = await dialogue(mode, [a.url, b.url, a.url])
    expect([asked.status, bought.status, paid.status]).toEqual([200, 200, 200])
    expect(bought.body).toMatchObject({ clerk: 'clerk-b', total: 2_000_000 })
    expect(paid.body.order).toMatchObject({ clerk: 'clerk-a', total: 2_000_000 })
  })
})

describe('a clerk SIGKILLed between two steps', () => {
  it('shared carries on at another clerk; stateful loses the dialogue', async () => {
    const victim = await startClerk('clerk-v', { REDIS_URL: redis.url })
    const sharedCustomer = new Customer()
    const statefulCustomer = new Customer()
    expect((await sharedCustomer.post(`${victim.url}/shared/ask`, { product: 'monitor' })).status).toBe(200)
    expect((await statefulCustomer.post(`${victim.url}/stateful/ask`, { product: 'monitor' })).status).toBe(200)
    await victim.service.signal('SIGKILL')

    const shared = await sharedCustomer.post(`${b.url}/shared/buy`, { quantity: 1 })
    expect(shared.status).toBe(200)
    expect(shared.body).toMatchObject({ total: 300_000, clerk: 'clerk-b' })
    const stateful = await statefulCustomer.post(`${b.url}/stateful/buy`, { quantity: 1 })
    expect(stateful.status).toBe(409)
    expect(stateful.body.error).toBe('context_lost')

    // even the same clerk, restarted on the same port, has forgotten it: it lived in memory
    const revived = await startClerk('clerk-v', { REDIS_URL: redis.url }, { port: victim.port })
    try {
      const again = await statefulCustomer.post(`${revived.url}/stateful/buy`, { quantity: 1 })
      expect(again.body).toMatchObject({ error: 'context_lost', reason: 'session_unknown' })
    } finally {
      await revived.service.stop()
    }
  })
})

describe('idempotent pay', () => {
  it('returns the same order when the same dialogue pays twice', async () => {
    for (const mode of ['stateful', 'shared']) {
      const customer = new Customer()
      const [, , first] = await dialogue(mode, [a.url, a.url, a.url], customer)
      const second = await customer.post(`${a.url}/${mode}/pay`, { method: 'card' })
      expect(second.status).toBe(200)
      expect(second.body).toMatchObject({ replayed: true, order: { id: first.body.order.id } })
    }
    // stateless: the same token paid twice, at two clerks
    const customer = new Customer()
    const asked = await customer.post(`${a.url}/stateless/ask`, { product: 'mouse' })
    const bought = await customer.post(`${a.url}/stateless/buy`, { context: asked.body.context, quantity: 4 })
    const first = await customer.post(`${a.url}/stateless/pay`, { context: bought.body.context, method: 'cash' })
    const second = await customer.post(`${b.url}/stateless/pay`, { context: bought.body.context, method: 'cash' })
    expect(second.body).toMatchObject({ replayed: true, order: { id: first.body.order.id } })
  })

  it('returns the same order for the same Idempotency-Key, even from explicit stateless fields', async () => {
    const key = `key-${Date.now()}-${Math.random()}`
    const body = { product: 'keyboard', quantity: 1, method: 'card' }
    const first = await new Customer().post(`${a.url}/stateless/pay`, body, { 'idempotency-key': key })
    const second = await new Customer().post(`${b.url}/stateless/pay`, body, { 'idempotency-key': key })
    expect(first.body).toMatchObject({ replayed: false, order: { idempotencyKey: key } })
    expect(second.body).toMatchObject({ replayed: true, order: { id: first.body.order.id } })
    // without a key, explicit fields make a new order each time (there is no dialogue to match)
    const third = await new Customer().post(`${a.url}/stateless/pay`, body)
    expect(third.body.order.id).not.toBe(first.body.order.id)
  })

  it('refuses an Idempotency-Key reused by another dialogue for another charge: 422, nothing charged, still unpaid', async () => {
    const key = `reused-${Date.now()}-${Math.random()}`
    const first = new Customer()
    await first.post(`${a.url}/stateful/ask`, { product: 'laptop' })
    await first.post(`${a.url}/stateful/buy`, { quantity: 2 })
    const paidFirst = await first.post(`${a.url}/stateful/pay`, { method: 'card' }, { 'idempotency-key': key })
    expect(paidFirst.body).toMatchObject({ replayed: false, order: { total: 2_000_000, idempotencyKey: key } })
    const orderId = paidFirst.body.order.id

    const second = new Customer()
    await second.post(`${b.url}/shared/ask`, { product: 'mouse' })
    await second.post(`${b.url}/shared/buy`, { quantity: 1 })
    const reused = await second.post(`${b.url}/shared/pay`, { method: 'cash' }, { 'idempotency-key': key })
    expect(reused.status, JSON.stringify(reused.body)).toBe(422)
    expect(reused.body).toMatchObject({
      error: 'idempotency_key_reused',
      code: 'CLERK_ERR_IDEMPOTENCY_KEY_REUSED',
      clerk: 'clerk-b',
      mode: 'shared',
      step: 'pay',
      message: 'This Idempotency-Key was already used by another payment. Use a new key for a new payment.',
    })
    expect(reused.body.order).toBeUndefined()
    expect(JSON.stringify(reused.body)).not.toContain(orderId)
    // the second dialogue was not marked paid: it may change its quantity and pay with a new key
    expect((await second.post(`${b.url}/shared/buy`, { quantity: 3 })).body).toMatchObject({ total: 90_000 })
    const paidSecond = await second.post(`${b.url}/shared/pay`, { method: 'cash' }, { 'idempotency-key': `${key}-new` })
    expect(paidSecond.body).toMatchObject({ replayed: false, say: 'Payment of 90,000 won completed.', order: { total: 90_000 } })
    expect((await allOrders(a.url)).filter((o) => o.idempotencyKey === key)).toHaveLength(1)
  })

  it('refuses a stateless rebuy of a paid dialogue (an old token) with 409 already_paid, charging nothing', async () => {
    const customer = new Customer()
    const asked = await customer.post(`${a.url}/stateless/ask`, { product: 'laptop' })
    const bought = await customer.post(`${a.url}/stateless/buy`, { context: asked.body.context, quantity: 2 })
    const paidOnce = await customer.post(`${a.url}/stateless/pay`, { context: bought.body.context, method: 'card' })
    expect(paidOnce.body).toMatchObject({ replayed: false, order: { total: 2_000_000 } })
    const { id, dialogueId } = paidOnce.body.order

    // the ask token still allows a buy (a token cannot be taken back), but not a second payment
    const rebought = await customer.post(`${b.url}/stateless/buy`, { context: asked.body.context, quantity: 5 })
    expect(rebought.body).toMatchObject({ total: 5_000_000 })
    const repaid = await customer.post(`${b.url}/stateless/pay`, { context: rebought.body.context, method: 'card' })
    expect(repaid.status, JSON.stringify(repaid.body)).toBe(409)
    expect(repaid.body).toMatchObject({
      error: 'already_paid',
      code: 'CLERK_ERR_ALREADY_PAID',
      mode: 'stateless',
      step: 'pay',
      message: `This dialogue was already paid: order ${id}, 2 × laptop, 2,000,000 won. Start a new dialogue with ask.`,
    })
    // the original token still replays its own order
    const replayed = await customer.post(`${b.url}/stateless/pay`, { context: bought.body.context, method: 'card' })
    expect(replayed.body).toMatchObject({ replayed: true, say: 'Payment of 2,000,000 won completed.', order: { id } })
    expect((await allOrders(a.url)).filter((o) => o.dialogueId === dialogueId)).toHaveLength(1)
  })

  it.each(['stateful', 'shared'] as const)('refuses, in %s mode, a paid dialogue paid again with the other method: 409 already_paid, like stateless', async (mode) => {
    const customer = new Customer()
    const url = mode === 'shared' ? b.url : a.url
    await customer.post(`${url}/${mode}/ask`, { product: 'keyboard' })
    await customer.post(`${url}/${mode}/buy`, { quantity: 2 })
    const byCash = await customer.post(`${url}/${mode}/pay`, { method: 'cash' })
    expect(byCash.body).toMatchObject({ replayed: false, order: { total: 160_000, method: 'cash' } })
    const byCard = await customer.post(`${url}/${mode}/pay`, { method: 'card' })
    expect(byCard.status, JSON.stringify(byCard.body)).toBe(409)
    expect(byCard.body).toMatchObject({ error: 'already_paid', mode, step: 'pay' })
    const again = await customer.post(`${url}/${mode}/pay`, { method: 'cash' })
    expect(again.body).toMatchObject({ replayed: true, order: { id: byCash.body.order.id } })
  })

  it('charges nothing for a pay whose X-Request-Deadline has passed (the customer already got a 504), and refuses a malformed one', async () => {
    const customer = new Customer()
    await customer.post(`${a.url}/stateful/ask`, { product: 'mouse' })
    await customer.post(`${a.url}/stateful/buy`, { quantity: 4 })
    const late = await customer.post(`${a.url}/stateful/pay`, { method: 'card' }, { 'x-request-deadline': String(Date.now() - 1_000) })
    expect(late.status, JSON.stringify(late.body)).toBe(503)
    expect(late.body).toMatchObject({ error: 'redis_unavailable', message: expect.stringMatching(/Nothing was charged/) })
    const malformed = await customer.post(`${a.url}/stateful/pay`, { method: 'card' }, { 'x-request-deadline': 'soon' })
    expect(malformed.status).toBe(400)
    expect(malformed.body).toMatchObject({ error: 'invalid_body', field: 'X-Request-Deadline' })
    // still unpaid: a pay in time charges once
    const inTime = await customer.post(`${a.url}/stateful/pay`, { method: 'card' }, { 'x-request-deadline': String(Date.now() + 10_000) })
    expect(inTime.body).toMatchObject({ replayed: false, order: { total: 120_000 } })
    expect((await allOrders(a.url)).filter((o) => o.dialogueId === inTime.body.order.dialogueId)).toHaveLength(1)
  })

  it('writes one order when many pays of one dialogue race at two clerks', async () => {
    const customer = new Customer()
    await customer.post(`${a.url}/shared/ask`, { product: 'laptop' })
    await customer.post(`${a.url}/shared/buy`, { quantity: 3 })
    const pays = await Promise.all(Array.from({ length: 12 }, (_, i) => customer.post(`${(i % 2 ? a : b).url}/shared/pay`, { method: 'card' })))
    expect(pays.map((p) => p.status)).toEqual(Array(12).fill(200))
    const ids = new Set(pays.map((p) => p.body.order.id))
    expect(ids.size).toBe(1)
    expect(pays.filter((p) => p.body.replayed === false)).toHaveLength(1)
    const dialogueId = pays[0]?.body.order.dialogueId
    const ledger = await allOrders(a.url)
    expect(ledger.filter((o) => o.dialogueId === dialogueId)).toHaveLength(1)
  })
})

// Issue 10, item 3: customer B with customer A's Idempotency-Key, for the very same charge, used
// to get "Payment of 2,000,000 won completed.", `replayed: true`, A's order and a paid dialogue,
// with nothing charged. A key belongs to the dialogue (the session or token) that first used it.
describe.each(['stateful', 'stateless', 'shared'] as const)("another customer's Idempotency-Key in %s mode", (mode) => {
  async function bought(customer: Customer, url: string): Promise<Record<string, unknown>> {
    const asked = await customer.post(`${url}/${mode}/ask`, { product: 'laptop' })
    const carry = mode === 'stateless' ? { context: asked.body.context } : {}
    const buy = await customer.post(`${url}/${mode}/buy`, { ...carry, quantity: 2 })
    expect(buy.status).toBe(200)
    return mode === 'stateless' ? { context: buy.body.context } : {}
  }

  it('is 422 idempotency_key_reused for the same charge: nothing written, nothing marked paid, nothing of A shown', async () => {
    const key = `a-key-${mode}-${Date.now()}-${Math.random()}`
    const customerA = new Customer()
    const paidA = await customerA.post(`${a.url}/${mode}/pay`, { ...(await bought(customerA, a.url)), method: 'card' }, { 'idempotency-key': key })
    expect(paidA.body).toMatchObject({ replayed: false, order: { total: 2_000_000 } })
    const ordersBefore = (await allOrders(a.url)).length

    const customerB = new Customer()
    const carryB = await bought(customerB, mode === 'stateful' ? a.url : b.url)
    const urlB = mode === 'stateful' ? a.url : b.url
    const stolen = await customerB.post(`${urlB}/${mode}/pay`, { ...carryB, method: 'card' }, { 'idempotency-key': key })
    expect(stolen.status, JSON.stringify(stolen.body)).toBe(422)
    expect(stolen.body).toMatchObject({ error: 'idempotency_key_reused', mode, step: 'pay' })
    expect(stolen.body.order).toBeUndefined()
    expect(stolen.body.context).toBeUndefined() // no "paid" token either
    expect(stolen.body.say).toBeUndefined()
    expect(JSON.stringify(stolen.body)).not.toContain(paidA.body.order.id)
    expect((await allOrders(a.url)).length).toBe(ordersBefore)

    // B's dialogue is not paid: it may still change its quantity, and pays for itself with its own key
    const rebuy = await customerB.post(`${urlB}/${mode}/buy`, { ...carryB, quantity: 1 })
    expect(rebuy.status, JSON.stringify(rebuy.body)).toBe(200)
    const carryRebuy = mode === 'stateless' ? { context: rebuy.body.context } : {}
    const paidB = await customerB.post(`${urlB}/${mode}/pay`, { ...carryRebuy, method: 'card' }, { 'idempotency-key': `${key}-b` })
    expect(paidB.body).toMatchObject({ replayed: false, say: 'Payment of 1,000,000 won completed.' })
    expect(paidB.body.order.id).not.toBe(paidA.body.order.id)
    // and A's own retry with the key still replays A's order
    const retryA = await customerA.post(`${a.url}/${mode}/pay`, { ...(mode === 'stateless' ? { context: paidA.body.context } : {}), method: 'card' }, { 'idempotency-key': key })
    expect(retryA.body).toMatchObject({ replayed: true, order: { id: paidA.body.order.id } })
  })

  it("is 422 when B states A's charge in explicit stateless fields with A's key", async () => {
    const key = `explicit-${mode}-${Date.now()}-${Math.random()}`
    const customerA = new Customer()
    await customerA.post(`${a.url}/${mode}/pay`, { ...(await bought(customerA, a.url)), method: 'card' }, { 'idempotency-key': key })
    const explicit = await new Customer().post(`${b.url}/stateless/pay`, { product: 'laptop', quantity: 2, method: 'card' }, { 'idempotency-key': key })
    expect(explicit.status, JSON.stringify(explicit.body)).toBe(422)
    expect(explicit.body).toMatchObject({ error: 'idempotency_key_reused' })
  })
})

describe('reading the ledger', () => {
  it('lists orders only with the admin token', async () => {
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong-token' }, { 'x-admin-token': `${ADMIN_TOKEN}x` }]
    for (const headers of attempts) {
      const refused = await getJson(`${a.url}/orders?limit=5`, headers)
      expect(refused.status).toBe(401)
      expect(refused.body).toMatchObject({ error: 'unauthorized' })
      expect(refused.body.orders).toBeUndefined()
    }
    expect((await getJson(`${a.url}/orders?limit=5`, { 'x-admin-token': ADMIN_TOKEN })).status).toBe(200)
  })

  it('shows an order by its id without its seq, dialogue id or Idempotency-Key', async () => {
    const key = `secret-key-${Date.now()}`
    const paid = await new Customer().post(`${a.url}/stateless/pay`, { product: 'mouse', quantity: 3, method: 'cash' }, { 'idempotency-key': key })
    const read = await getJson(`${b.url}/orders/${paid.body.order.id}`)
    expect(read.status).toBe(200)
    expect(Object.keys(read.body.order).sort()).toEqual(['clerk', 'createdAt', 'id', 'method', 'mode', 'product', 'quantity', 'total', 'unitPrice'])
    expect(JSON.stringify(read.body)).not.toContain(key)
    expect(JSON.stringify(read.body)).not.toContain(paid.body.order.dialogueId)
  })
})

describe('the ledger listing', () => {
  it('pages through every order in seq order', async () => {
    const all = await allOrders(b.url, 3)
    const seqs = all.map((o) => o.seq)
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y))
    expect(new Set(all.map((o) => o.id)).size).toBe(all.length)
    expect(all.length).toBeGreaterThan(5)
  })

  it('answers an unknown order with 404 order_not_found and a bad id with 400', async () => {
    expect((await getJson(`${a.url}/orders/o-AAAAAAAAAAAAAAAAAAAAAA`)).body).toMatchObject({ error: 'order_not_found' })
    expect((await getJson(`${a.url}/orders/o-42`)).status).toBe(400) // the old, guessable ids are no ids

    expect((await getJson(`${a.url}/orders/nope`)).status).toBe(400)
    expect((await adminGet(`${a.url}/orders?limit=5000`)).status).toBe(400)
  })
})

async function allOrders(url: string, limit = 1000): Promise<Array<{ id: string; seq: number; dialogueId: string; idempotencyKey: string | null }>> {
  const orders = []
  let after = 0
  for (let page = 0; page < 1000; page++) {
    const res = await adminGet(`${url}/orders?after=${after}&limit=${limit}`)
    orders.push(...res.body.orders)
    if (res.body.next === null) return orders
    after = res.body.next
  }
  throw new Error('too many pages')
}
