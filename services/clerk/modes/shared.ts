import fastifySession from '@fastify/session'
import type { FastifyInstance } from 'fastify'
import type { Redis } from 'ioredis'
import type { ClerkOptions } from '../options.js'
import { RedisSessionStore } from './redis-session-store.js'
import { sessionCarrier } from './session-carrier.js'
import type { StateCarrier } from './carrier.js'

export const SHARED_COOKIE = 'shared_sid'

/**
 * shared: the dialogue lives in Redis, found through the `shared_sid` cookie, so every clerk
 * with the same SESSION_SECRET and Redis can carry on any customer's dialogue. With Redis down
 * this mode answers 503 redis_unavailable at once (see redis-client.ts), never a hang.
 *
 * Call inside an encapsulated plugin registered with prefix /shared.
 */
export async function useSharedSessions(scope: FastifyInstance, options: Readonly<ClerkOptions>, redis: Redis): Promise<StateCarrier> {
  await scope.register(fastifySession, {
    secret: options.sessionSecret,
    cookieName: SHARED_COOKIE,
    store: new RedisSessionStore(redis, options.sessionTtlMs),
    saveUninitialized: false,
    rolling: false,
    cookie: { path: '/shared', httpOnly: true, sameSite: 'lax', secure: false, maxAge: options.sessionTtlMs },
  })
  return sessionCarrier('shared', SHARED_COOKIE)
}
