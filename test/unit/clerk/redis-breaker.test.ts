import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisBreaker, UNRESPONSIVE_MESSAGE } from '../../../services/clerk/redis-breaker.js'
import { createRedisClient, redisIsUp, redisReady } from '../../../services/clerk/redis-client.js'
import { startRedisServer, type RedisServer } from '../../../services/common/redis-server.js'
import { waitFor } from '../../../services/common/wait-for.js'

// The clerk's own ioredis client against a real redis-server, hung with SIGSTOP. The timeout is
// generous for a starved machine; every check of time is relative to it.
const TIMEOUT_MS = 1000 // ms
let server: RedisServer
let redis: Redis
let breaker: RedisBreaker
const changes: boolean[] = []

beforeAll(async () => {
  server = await startRedisServer({ appendOnly: false })
  redis = createRedisClient(server.url, TIMEOUT_MS, () => {})
  breaker = new RedisBreaker(redis, { probeIntervalMs: 50, onChange: (up) => changes.push(up) })
  expect(await redisReady(redis, 10_000)).toBe(true)
})
afterAll(async () => {
  breaker?.stop()
  redis?.disconnect()
  await server?.stop()
})

/** how long `command` took to settle, ms, and whether it failed */
async function timed(command: Promise<unknown>): Promise<{ ms: number; error?: Error }> {
  const started = performance.now()
  try {
    await command
    return { ms: performance.now() - started }
  } catch (err) {
    return { ms: performance.now() - started, error: err as Error }
  }
}

function hung<T>(run: (pid: number) => Promise<T>): Promise<T> {
  const pid = server.pid()
  if (pid === undefined) throw new Error('redis-server is not running')
  process.kill(pid, 'SIGSTOP')
  return run(pid).finally(() => process.kill(pid, 'SIGCONT'))
}

describe('the Redis breaker', () => {
  it('fails every command of a burst within one timeout once Redis hangs, then fails fast until Redis answers', async () => {
    await hung(async () => {
      // one command per event-loop turn, as concurrent requests issue them: without the breaker,
      // all but the first wait for the first auto-pipeline to time out, then for their own
      const burst: Array<Promise<{ ms: number; error?: Error }>> = []
      for (let i = 0; i < 20; i++) {
        burst.push(timed(redis.get(`k${i}`)))
        await new Promise((resolve) => setImmediate(resolve))
      }
      for (const { ms, error } of await Promise.all(burst)) {
        expect(error).toBeInstanceOf(Error)
        expect(ms).toBeLessThan(1.5 * TIMEOUT_MS)
      }
      expect(breaker.responsive).toBe(false)
      expect(redis.status, 'a hung server keeps the connection ready').toBe('ready')
      expect(redisIsUp(redis, breaker)).toBe(false)

      const next = await timed(redis.set('k', 'v'))
      expect(next.error?.message).toBe(UNRESPONSIVE_MESSAGE)
      expect(next.ms).toBeLessThan(TIMEOUT_MS / 2)
    })
    await waitFor(() => breaker.responsive, { what: 'the breaker to close after SIGCONT' })
    expect(await redis.set('k', 'v')).toBe('OK')
    expect(redisIsUp(redis, breaker)).toBe(true)
    expect(changes).toEqual([false, true])
  })

  it('stays closed when Redis is simply gone (ioredis already fails those at once), and Redis back reads as up', async () => {
    changes.length = 0
    await server.kill()
    await waitFor(() => redis.status !== 'ready', { what: 'the client to see the crash' })
    const refused = await timed(redis.get('k'))
    expect(refused.error).toBeInstanceOf(Error)
    expect(breaker.responsive).toBe(true)
    expect(redisIsUp(redis, breaker)).toBe(false)
    await server.start()
    await waitFor(() => redisIsUp(redis, breaker), { what: 'the client to reconnect' })
    expect(changes).toEqual([])
  })
})
