import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Charge } from '../../../services/clerk/dialogue.js'
import { Ledger, paymentDeadline } from '../../../services/clerk/ledger.js'
import { startRedisServer, type RedisServer } from '../../../services/common/redis-server.js'

describe('the payment deadline Redis must meet', () => {
  // timeout (ms) → how long after `now` Redis may still run the charge
  it.each([
    [500, 450], // the default: 10 %
    [2000, 1800],
    [100, 80], // at least 20 ms of margin
    [10, 5], // never more than half the timeout
  ])('with a %i ms Redis timeout is %i ms after now', (timeoutMs, after) => {
    expect(paymentDeadline(1_000_000, timeoutMs)).toBe(1_000_000 + after)
  })

  it('always falls before the clerk gives up', () => {
    for (let timeoutMs = 10; timeoutMs <= 10_000; timeoutMs += 7) {
      expect(paymentDeadline(0, timeoutMs)).toBeLessThan(timeoutMs)
    }
  })
})

// The charge script against a real redis-server: what it writes, and what it refuses to write.
describe('the ledger charge script', () => {
  let server: RedisServer
  let redis: Redis
  let ledger: Ledger
  const meta = { mode: 'stateless', clerk: 'clerk-t', idempotencyKey: null }
  const laptops = (dialogueId: string, quantity = 2): Charge => ({
    dialogueId,
    productId: 'laptop',
    quantity,
    unitPrice: 1_000_000,
    total: quantity * 1_000_000,
    method: 'card',
  })

  beforeAll(async () => {
    server = await startRedisServer({ appendOnly: false })
    redis = new Redis(server.url, { commandTimeout: 2000, maxRetriesPerRequest: 0 })
    ledger = new Ledger(redis)
  })
  afterAll(async () => {
    redis?.disconnect()
    await server?.stop()
  })

  it('refuses a charge Redis reaches after its deadline, and writes nothing', async () => {
    const before = (await ledger.list(0, 1000)).orders.length
    const anHourAgo = new Date(Date.now() - 3_600_000)
    await expect(ledger.charge(laptops('d-late'), meta, anHourAgo)).rejects.toMatchObject({
      code: 'CLERK_ERR_REDIS_UNAVAILABLE',
      message: expect.stringContaining('Nothing was charged'),
    })
    expect((await ledger.list(0, 1000)).orders.length).toBe(before)
    // the same pay in time is a new order, not a replay of anything the late one left behind
    expect(await ledger.charge(laptops('d-late'), meta)).toMatchObject({ replayed: false })
  })

  it('replays the same charge and refuses another one for the same dialogue or key, writing nothing', async () => {
    const keyed = { ...meta, idempotencyKey: 'k-1' }
    const first = await ledger.charge(laptops('d-1'), keyed)
    expect(await ledger.charge(laptops('d-1'), keyed)).toEqual({ order: first.order, replayed: true })
    const before = (await ledger.list(0, 1000)).orders.length
    await expect(ledger.charge(laptops('d-1', 5), meta)).rejects.toMatchObject({ code: 'CLERK_ERR_ALREADY_PAID' })
    await expect(ledger.charge(laptops('d-2', 1), keyed)).rejects.toMatchObject({ code: 'CLERK_ERR_IDEMPOTENCY_KEY_REUSED' })
    expect((await ledger.list(0, 1000)).orders.length).toBe(before)
  })

  it("refuses another dialogue's key even for the very same charge, writing nothing", async () => {
    const keyed = { ...meta, idempotencyKey: 'k-same' }
    await ledger.charge(laptops('d-owner'), keyed)
    const before = (await ledger.list(0, 1000)).orders.length
    await expect(ledger.charge(laptops('d-thief'), keyed)).rejects.toMatchObject({ code: 'CLERK_ERR_IDEMPOTENCY_KEY_REUSED' })
    expect((await ledger.list(0, 1000)).orders.length).toBe(before)
  })

  it('gives each order a random id and a seq that only grows, also after the ledger is lost', async () => {
    const first = (await ledger.charge(laptops('d-seq-1'), meta)).order
    const second = (await ledger.charge(laptops('d-seq-2'), meta)).order
    expect(first.id).toMatch(/^o-[A-Za-z0-9_-]{22}$/)
    expect(second.id).not.toBe(first.id)
    expect(second.seq).toBeGreaterThan(first.seq)
    // at least Redis's clock in microseconds: a lost ledger cannot make it start again at 1
    expect(first.seq).toBeGreaterThanOrEqual((Date.now() - 60_000) * 1000)
    expect(Number.isSafeInteger(second.seq)).toBe(true)
    await redis.flushall() // the data is gone, the counter with it
    const after = (await ledger.charge(laptops('d-seq-3'), meta)).order
    expect(after.seq).toBeGreaterThan(second.seq)
    expect((await ledger.list(second.seq, 10)).orders.map((o) => o.id)).toEqual([after.id])
  })

  it('draws another id when the one drawn is taken, and never overwrites an order', async () => {
    const taken = (await ledger.charge(laptops('d-taken'), meta)).order
    const draws = [taken.id, 'o-BBBBBBBBBBBBBBBBBBBBBB']
    const clashing = new Ledger(redis, () => draws.shift() ?? 'o-CCCCCCCCCCCCCCCCCCCCCC')
    const next = (await clashing.charge(laptops('d-clash'), meta)).order
    expect(next.id).toBe('o-BBBBBBBBBBBBBBBBBBBBBB')
    expect(await ledger.get(taken.id)).toEqual(taken)
  })
})
