import { Redis } from 'ioredis'
import { LEDGER_KEYS } from '../clerk/ledger.js'

/**
 * Empties the ledger (every order and its indexes) in the Redis at `url`: the workshop's
 * `npm run reset -- --ledger`, so a room starts each exercise from an empty ledger. Never part of
 * a plain reset: orders are facts, and clearing them is asked for by name. The sequence goes too;
 * the next order's seq is still larger than every earlier one (the ledger takes Redis's clock in
 * microseconds when that is larger: services/clerk/ledger.ts).
 *
 * @example
 *   const { orders } = await clearLedger(redis.url) // orders: how many were in it
 */
const CLEAR_TIMEOUT_MS = 3_000 // 3 s: a Redis that is down answers 503 well before

export async function clearLedger(url: string): Promise<{ orders: number }> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: CLEAR_TIMEOUT_MS,
    commandTimeout: CLEAR_TIMEOUT_MS,
    enableOfflineQueue: false,
    retryStrategy: () => null, // one try: the caller says Redis is down
  })
  redis.on('error', () => {}) // the rejected command carries the error
  try {
    await redis.connect()
    const orders = await redis.hlen(LEDGER_KEYS.orders)
    await redis.del(...Object.values(LEDGER_KEYS))
    return { orders }
  } finally {
    redis.disconnect()
  }
}
