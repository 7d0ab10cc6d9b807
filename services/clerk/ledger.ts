import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { PaymentMethod } from './catalog.js'
import type { Charge } from './dialogue.js'
import { clerkError } from './errors.js'
import { replayConflict } from './order-replay.js'
import { describeRedisFailure } from './redis-client.js'

/**
 * Orders are durable facts shared by every clerk: one Redis (appendonly) holds them. `charge`
 * writes at most one order per dialogue id and per Idempotency-Key, and the check and the write
 * happen in ONE Lua script: Redis runs a script atomically, so two clerks paying the same
 * dialogue at the same moment cannot both find "no order yet" and charge twice. An order found
 * again is a replay only when it is this dialogue's and the pay asks for the same charge
 * (order-replay.ts decides); otherwise the pay is refused (already_paid, idempotency_key_reused)
 * and nothing is written. An Idempotency-Key belongs to the dialogue that first paid with it.
 *
 * Order ids are `o-` and 128 random bits (22 base64url characters), drawn by the clerk: they
 * never repeat, also when Redis lost its data, and nobody can guess another customer's, so
 * holding the id is what lets a customer read their order (GET /orders/:id). `seq` orders the
 * ledger for reconciliation and only ever grows: it is the larger of the last seq + 1 and Redis's
 * clock in microseconds, so a ledger that lost its data (and its counter) carries on above every
 * seq it issued before, instead of issuing them again.
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
  method: PaymentMethod
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
  /**
   * when the customer stops waiting (ms since the epoch): the proxy's X-Request-Deadline. Redis
   * refuses the charge past it, so a clerk that got the request late (SIGSTOPped, starved) does not
   * charge a customer who already got a 504.
   */
  customerDeadlineMs?: number | undefined
  /** the receipt id (receipt.ts) a new order is also filed under, so its customer can read it
   *  back from a clerk that lost the dialogue; undefined = none (no key, or no session cookie) */
  receiptId?: string | undefined
}

// what a charge must leave Redis before the customer's deadline, for its answer to travel back
// through the clerk and the proxy in time
const CUSTOMER_DEADLINE_MARGIN_MS = 50 // ms

/** the ledger's Redis keys (exported for the workshop's reset, which may clear the ledger on request) */
export const LEDGER_KEYS = {
  seq: 'clerk:ledger:seq',
  orders: 'clerk:ledger:orders', // hash id → order JSON
  bySeq: 'clerk:ledger:by-seq', // sorted set seq → id
  byDialogue: 'clerk:ledger:by-dialogue', // hash dialogueId → id
  byKey: 'clerk:ledger:by-idempotency-key', // hash key → id
  receipts: 'clerk:ledger:receipts', // hash receipt id (a hash of key + customer) → id
} as const
const KEYS = LEDGER_KEYS

// KEYS: seq, orders, bySeq, byDialogue, byKey, receipts. ARGV: dialogueId, idempotencyKey
// ('' = none), the order's JSON without its id and seq, starting after its opening brace, the
// deadline (ms since the epoch, '' = none), the new order's id and its receipt id ('' = none). Returns {status, orderJson}: see FOUND below.
// None of these keys has a TTL: under the `volatile-*` memory policy Redis never evicts them
// (services/common/redis-server.ts, LEDGER_SAFE_MEMORY_POLICY); a full Redis refuses the first
// write (the SET of the seq) and the script writes nothing.
//
// The deadline exists because a command the clerk gave up on is not a command Redis dropped: a
// hung Redis (SIGSTOP, a long fork) keeps it in the socket and runs it when it wakes, long after
// the customer read "503, nothing was charged". So the script reads Redis's own clock first and
// refuses to do anything once the clerk can no longer be waiting. This assumes the clerk and
// Redis share a clock (same host, or both on NTP; compose containers share the host's clock).
// TIME in a script is fine on Redis 7 (effects replication: replicas get the writes, not the
// script).
//
// Numbers: Lua's tostring() keeps 14 digits, and a seq has 16, so it is formatted with %d.
const CHARGE_SCRIPT = `
local now = redis.call('TIME')
if ARGV[4] ~= '' and tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) > tonumber(ARGV[4]) then
  return {-1, ''}
end
local existing = redis.call('HGET', KEYS[4], ARGV[1])
if existing then
  return {1, redis.call('HGET', KEYS[2], existing)}
end
if ARGV[2] ~= '' then
  existing = redis.call('HGET', KEYS[5], ARGV[2])
  if existing then
    return {2, redis.call('HGET', KEYS[2], existing)}
  end
end
local id = ARGV[5]
if redis.call('HEXISTS', KEYS[2], id) == 1 then
  return {-2, ''}
end
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local seq = string.format('%d', math.max(last + 1, tonumber(now[1]) * 1000000 + tonumber(now[2])))
redis.call('SET', KEYS[1], seq)
local json = '{"id":"' .. id .. '","seq":' .. seq .. ',' .. ARGV[3]
redis.call('HSET', KEYS[2], id, json)
redis.call('ZADD', KEYS[3], seq, id)
redis.call('HSET', KEYS[4], ARGV[1], id)
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[5], ARGV[2], id)
end
if ARGV[6] ~= '' then
  redis.call('HSET', KEYS[6], ARGV[6], id)
end
return {0, json}
`

/** the script's status: a new order, one found by dialogue id or by key, refused as late, or
 *  the drawn id is taken (2^-128 odds: draw again) */
const FOUND = { new: 0, byDialogue: 1, byKey: 2, late: -1, idTaken: -2 } as const

/** how many ids a charge draws before giving up (each clash has odds of about 2^-128) */
const ID_DRAWS = 3

// Every ledger 503 on pay says this, and it is true: Redis was not reached, or it refused the
// script as late (the deadline). Two narrow cases remain where Redis did write the order: the
// connection breaks after Redis ran the script, or this clerk is starved of CPU for longer than
// the margin so its timer fires before it reads an answer already waiting. Then a retry of the
// same dialogue or key replays that order, so retrying stays safe.
const NOTHING_CHARGED = ' Nothing was charged: a payment that reaches Redis after the clerk has given up is refused, so retrying is safe.'

/**
 * When Redis must refuse a charge: a little before this clerk's Redis client gives up on it
 * (its commandTimeout), so a script Redis runs in time also answers in time. The margin (10 %,
 * at least 20 ms, at most half the timeout) covers the millisecond clocks, the gap between
 * reading Date.now() and writing the command, and the script's own run.
 *
 * @example
 *   paymentDeadline(1_000_000, 500) // 1_000_450
 */
export function paymentDeadline(nowMs: number, timeoutMs: number): number {
  const margin = Math.min(Math.max(20, Math.ceil(timeoutMs / 10)), Math.floor(timeoutMs / 2))
  return nowMs + timeoutMs - margin
}

type LedgerRedis = Redis & {
  clerkCharge(...args: string[]): Promise<[number, string]>
}

export const ORDER_ID_PATTERN = /^o-[A-Za-z0-9_-]{22}$/

/** a new order id: `o-` and 128 random bits */
export function newOrderId(): string {
  return `o-${randomBytes(16).toString('base64url')}`
}

export class Ledger {
  readonly #redis: LedgerRedis

  readonly #drawId: () => string

  /** `drawId` draws order ids (tests give a clashing one) */
  constructor(redis: Redis, drawId: () => string = newOrderId) {
    if (!('clerkCharge' in redis)) redis.defineCommand('clerkCharge', { numberOfKeys: 6, lua: CHARGE_SCRIPT })
    this.#redis = redis as LedgerRedis
    this.#drawId = drawId
  }

  /**
   * Writes `charge` once, or returns the order already written for it (replayed). Throws
   * already_paid / idempotency_key_reused when the order found is another charge, and
   * redis_unavailable (nothing charged) when Redis cannot be reached or answers too late.
   */
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
    // the timeout this client really uses (ioredis: unset or 0 = it waits forever, so no deadline
    // is needed); `now` is the clerk's clock, read just before the command is issued
    const timeoutMs = this.#redis.options.commandTimeout
    const deadlines: number[] = []
    if (timeoutMs) deadlines.push(paymentDeadline(now.getTime(), timeoutMs))
    if (meta.customerDeadlineMs !== undefined) deadlines.push(meta.customerDeadlineMs - CUSTOMER_DEADLINE_MARGIN_MS)
    const deadline = deadlines.length > 0 ? String(Math.min(...deadlines)) : ''
    let status: number = FOUND.idTaken
    let json = ''
    for (let draw = 0; draw < ID_DRAWS && status === FOUND.idTaken; draw++) {
      ;[status, json] = await this.#call(
        () =>
          this.#redis.clerkCharge(
            KEYS.seq,
            KEYS.orders,
            KEYS.bySeq,
            KEYS.byDialogue,
            KEYS.byKey,
            KEYS.receipts,
            charge.dialogueId,
            meta.idempotencyKey ?? '',
            rest,
            deadline,
            this.#drawId(),
            meta.receiptId ?? '',
          ),
        NOTHING_CHARGED,
      )
    }
    if (status === FOUND.idTaken) throw new Error(`the ledger drew ${ID_DRAWS} order ids that were all taken`)
    if (status === FOUND.late) {
      throw clerkError('CLERK_ERR_REDIS_UNAVAILABLE', {
        message: `The ledger (Redis) answered too late: it reached the payment after its deadline and refused it.${NOTHING_CHARGED}`,
      })
    }
    const order = JSON.parse(json) as Order
    if (status === FOUND.new) return { order, replayed: false }
    const conflict = replayConflict(status === FOUND.byDialogue ? 'dialogue' : 'key', order, charge)
    if (conflict) throw conflict
    return { order, replayed: true }
  }

  /** the order filed under a receipt id (receipt.ts), if its customer paid one with that key */
  async receipt(receiptId: string): Promise<Order | undefined> {
    const id = await this.#call(() => this.#redis.hget(KEYS.receipts, receiptId))
    return id === null ? undefined : this.get(id)
  }

  async get(id: string): Promise<Order | undefined> {
    const json = await this.#call(() => this.#redis.hget(KEYS.orders, id))
    return json === null ? undefined : (JSON.parse(json) as Order)
  }

  /**
   * Orders with seq > after, in seq order; `next` is the cursor for the following page or null;
   * `head` the highest seq in the ledger (0 when empty), so a reader can note where it stands
   * without paging through a ledger that has grown for months.
   */
  async list(after: number, limit: number): Promise<{ orders: Order[]; next: number | null; head: number }> {
    const [ids, top] = await this.#call(() =>
      Promise.all([this.#redis.zrangebyscore(KEYS.bySeq, `(${after}`, '+inf', 'LIMIT', 0, limit), this.#redis.zrevrange(KEYS.bySeq, 0, 0, 'WITHSCORES')]),
    )
    const head = top[1] === undefined ? 0 : Number(top[1])
    if (ids.length === 0) return { orders: [], next: null, head }
    const jsons = await this.#call(() => this.#redis.hmget(KEYS.orders, ...ids))
    const orders = jsons.filter((j): j is string => j !== null).map((j) => JSON.parse(j) as Order)
    const last = orders.at(-1)
    return { orders, next: ids.length === limit && last ? last.seq : null, head }
  }

  // Every Redis failure (refused, offline, timed out) is the same thing to a customer: 503.
  async #call<T>(fn: () => Promise<T>, consequence = ''): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      throw clerkError('CLERK_ERR_REDIS_UNAVAILABLE', {
        message: `The ledger (Redis) is unavailable: ${describeRedisFailure(err as Error, this.#redis)}.${consequence}`,
      })
    }
  }
}
