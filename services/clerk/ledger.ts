import type { Redis } from 'ioredis'
import type { Charge } from './dialogue.js'
import { clerkError } from './errors.js'
import { describeRedisFailure } from './redis-client.js'

/**
 * Orders are durable facts shared by every clerk: one Redis (appendonly) holds them. `charge`
 * writes at most one order per dialogue id and per Idempotency-Key, and the check and the write
 * happen in ONE Lua script: Redis runs a script atomically, so two clerks paying the same
 * dialogue at the same moment cannot both find "no order yet" and charge twice.
 *
 * @example
 *   const { order, replayed } = await ledger.charge(charge, { mode: 'shared', clerk: 'clerk-a', idempotencyKey: null })
 */
export interface Order {
  id: string
  seq: number
  product: string
  quantity: number
  unitPrice: number
  total: number
  method: string
  mode: string
  clerk: string
  dialogueId: string
  idempotencyKey: string | null
  createdAt: string
}

export interface ChargeMeta {
  mode: string
  clerk: string
  idempotencyKey: string | null
}

const KEYS = {
  seq: 'clerk:ledger:seq',
  orders: 'clerk:ledger:orders', // hash id → order JSON
  bySeq: 'clerk:ledger:by-seq', // sorted set seq → id
  byDialogue: 'clerk:ledger:by-dialogue', // hash dialogueId → id
  byKey: 'clerk:ledger:by-idempotency-key', // hash key → id
} as const

// KEYS: seq, orders, bySeq, byDialogue, byKey. ARGV: dialogueId, idempotencyKey ('' = none),
// the order's JSON without its id and seq, starting after its opening brace.
// Returns {orderJson, replayed (0|1)}.
const CHARGE_SCRIPT = `
local existing = redis.call('HGET', KEYS[4], ARGV[1])
if (not existing) and ARGV[2] ~= '' then
  existing = redis.call('HGET', KEYS[5], ARGV[2])
end
if existing then
  return {redis.call('HGET', KEYS[2], existing), 1}
end
local seq = redis.call('INCR', KEYS[1])
local id = 'o-' .. seq
local json = '{"id":"' .. id .. '","seq":' .. seq .. ',' .. ARGV[3]
redis.call('HSET', KEYS[2], id, json)
redis.call('ZADD', KEYS[3], seq, id)
redis.call('HSET', KEYS[4], ARGV[1], id)
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[5], ARGV[2], id)
end
return {json, 0}
`

type LedgerRedis = Redis & {
  clerkCharge(...args: string[]): Promise<[string, number]>
}

export const ORDER_ID_PATTERN = /^o-[1-9]\d{0,14}$/

export class Ledger {
  readonly #redis: LedgerRedis

  constructor(redis: Redis) {
    if (!('clerkCharge' in redis)) redis.defineCommand('clerkCharge', { numberOfKeys: 5, lua: CHARGE_SCRIPT })
    this.#redis = redis as LedgerRedis
  }

  async charge(charge: Charge, meta: ChargeMeta, now = new Date()): Promise<{ order: Order; replayed: boolean }> {
    const rest = JSON.stringify({
      product: charge.productId,
      quantity: charge.quantity,
      unitPrice: charge.unitPrice,
      total: charge.total,
      method: charge.method,
      mode: meta.mode,
      clerk: meta.clerk,
      dialogueId: charge.dialogueId,
      idempotencyKey: meta.idempotencyKey,
      createdAt: now.toISOString(),
    }).slice(1)
    const [json, replayed] = await this.#call(() =>
      this.#redis.clerkCharge(
        KEYS.seq, KEYS.orders, KEYS.bySeq, KEYS.byDialogue, KEYS.byKey,
        charge.dialogueId, meta.idempotencyKey ?? '', rest,
      ),
      ' Nothing was charged.',
    )
    return { order: JSON.parse(json) as Order, replayed: replayed === 1 }
  }

  async get(id: string): Promise<Order | undefined> {
    const json = await this.#call(() => this.#redis.hget(KEYS.orders, id))
    return json === null ? undefined : (JSON.parse(json) as Order)
  }

  /** orders with seq > after, in seq order; `next` is the cursor for the following page or null */
  async list(after: number, limit: number): Promise<{ orders: Order[]; next: number | null }> {
    const ids = await this.#call(() =>
      this.#redis.zrangebyscore(KEYS.bySeq, `(${after}`, '+inf', 'LIMIT', 0, limit),
    )
    if (ids.length === 0) return { orders: [], next: null }
    const jsons = await this.#call(() => this.#redis.hmget(KEYS.orders, ...ids))
    const orders = jsons.filter((j): j is string => j !== null).map((j) => JSON.parse(j) as Order)
    const last = orders.at(-1)
    return { orders, next: ids.length === limit && last ? last.seq : null }
  }

  // Every Redis failure (refused, offline, timed out) is the same thing to a customer: 503.
  async #call<T>(fn: () => Promise<T>, consequence = ''): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      throw clerkError('CLERK_ERR_REDIS_UNAVAILABLE', {
        message: `The ledger (Redis) is unavailable: ${describeRedisFailure(err as Error)}.${consequence}`,
      })
    }
  }
}
