import { Redis } from 'ioredis'
import { redactUrl } from '../common/redact-url.js'
import type { RedisBreaker } from './redis-breaker.js'

/**
 * The one ioredis connection a clerk uses for the ledger and shared sessions, configured so that a
 * dead Redis answers fast instead of hanging: without `enableOfflineQueue: false` every command
 * issued while Redis is down waits in a queue until it comes back (a request hangs for minutes);
 * without `commandTimeout` a Redis that stops answering (SIGSTOP, a full network) hangs it too.
 * commandTimeout bounds one command, not a burst of them: buildClerk wraps this client in a
 * RedisBreaker (redis-breaker.ts) so that every request of a burst fails within one timeout.
 * The retry strategy never gives up, so the clerk recovers by itself when Redis returns.
 *
 * @example
 *   const redis = createRedisClient('redis://127.0.0.1:6379', 300, (msg) => log.warn(msg))
 *   redis.status === 'ready'
 */
/** the clients that have been connected at least once: a failure after that is an outage, not an installation problem */
const everReady = new WeakSet<Redis>()

export function createRedisClient(url: string, timeoutMs: number, warn: (message: string) => void): Redis {
  const redis = new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    enableReadyCheck: true,
    connectTimeout: Math.max(timeoutMs, 200), // ms
    commandTimeout: timeoutMs, // ms
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // commands issued in the same tick by concurrent requests go out in one write
    enableAutoPipelining: true,
    // reconnect every 50..500 ms, forever: recovery must not need a restart
    retryStrategy: (attempt) => Math.min(50 * attempt, 500),
  })
  // Without an 'error' listener ioredis errors become unhandled 'error' events and crash the
  // process; with Redis down they arrive on every reconnect attempt, so say it once per outage.
  let down = false
  const shown = redactUrl(url)
  redis.on('error', (err: Error) => {
    if (!down) warn(`redis unavailable at ${shown}: ${redactUrl(err.message)}`)
    down = true
  })
  redis.on('ready', () => {
    everReady.add(redis)
    if (down) warn(`redis is back at ${shown}`)
    down = false
  })
  return redis
}

/**
 * Connected and answering. The status alone is not enough: a SIGSTOPped Redis keeps the connection
 * 'ready' while every command times out, which only the breaker sees.
 */
export function redisIsUp(redis: Redis, breaker: RedisBreaker): boolean {
  return redis.status === 'ready' && breaker.responsive
}

/** resolves true once the client is ready, false if it is not within `timeoutMs` */
export function redisReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true)
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer)
      redis.off('ready', onReady)
      resolve(ok)
    }
    const onReady = () => done(true)
    const timer = setTimeout(() => done(false), timeoutMs)
    redis.on('ready', onReady)
  })
}

/**
 * Words a Redis failure for a customer's error answer. ioredis says "Stream isn't writeable and
 * enableOfflineQueue options is false" when it is not connected; a person wants to hear that.
 * A client that was connected before is living through an outage (Redis stopped, killed, hung: a
 * demo does that on purpose), which recovers by itself; only one that never reached Redis gets
 * the installation hint.
 */
export function describeRedisFailure(err: Error, redis?: Redis): string {
  // a full Redis (maxmemory reached, nothing evictable left) refuses writes: it is running fine
  if (/^OOM /.test(err.message)) return 'Redis is full (maxmemory) and refuses new writes; the ledger is never evicted to make room'
  const reason = /enableOfflineQueue|Connection is closed|ECONNREFUSED/.test(err.message)
    ? 'not connected'
    : /timed? ?out/i.test(err.message)
      ? 'no answer in time'
      : redactUrl(err.message)
  if (redis !== undefined && everReady.has(redis)) return `Redis is stopped or not answering (${reason}); this recovers by itself once Redis is back`
  return `${reason}; is Redis running at REDIS_URL? (npm run setup installs redis-server)`
}
