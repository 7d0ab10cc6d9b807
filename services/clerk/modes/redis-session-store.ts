import type { Redis } from 'ioredis'
import { clerkError } from '../errors.js'
import { describeRedisFailure } from '../redis-client.js'

/**
 * The shared mode's session store: one Redis key per session (`clerk:sess:<id>`, JSON, expiring
 * with the session), so any clerk can read any customer's dialogue. A small class of ours rather
 * than a connect-redis style package: @fastify/session only needs get/set/destroy with callbacks,
 * and owning it lets every Redis failure become the same fast 503 redis_unavailable instead of
 * whatever the library would do (the ioredis client fails fast: see redis-client.ts).
 */
type Callback = (err?: Error | null) => void
// @fastify/session's Session type is an interface without an index signature; we treat it as data
type GetCallback = (err: any, session?: any) => void // eslint-disable-line @typescript-eslint/no-explicit-any

const PREFIX = 'clerk:sess:'

export class RedisSessionStore {
  readonly #redis: Redis
  readonly #ttlMs: number

  constructor(redis: Redis, ttlMs: number) {
    this.#redis = redis
    this.#ttlMs = ttlMs
  }

  get(id: string, callback: GetCallback): void {
    this.#redis.get(PREFIX + id).then(
      (json) => callback(null, json === null ? null : parse(json)),
      (err: Error) => callback(unavailable(err, this.#redis)),
    )
  }

  set(id: string, session: object, callback: Callback): void {
    this.#redis.set(PREFIX + id, JSON.stringify(session), 'PX', this.#ttlMs).then(
      () => callback(),
      (err: Error) => callback(unavailable(err, this.#redis)),
    )
  }

  destroy(id: string, callback: Callback): void {
    this.#redis.del(PREFIX + id).then(
      () => callback(),
      (err: Error) => callback(unavailable(err, this.#redis)),
    )
  }
}

// A value we cannot read back is as good as no session (the customer gets context_lost).
function parse(json: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(json)
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null
  } catch {
    return null
  }
}

function unavailable(err: Error, redis: Redis): Error {
  return clerkError('CLERK_ERR_REDIS_UNAVAILABLE', {
    message: `Shared sessions live in Redis, which is unavailable: ${describeRedisFailure(err, redis)}.`,
  })
}
