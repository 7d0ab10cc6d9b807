import fastifySession from '@fastify/session'
import type { FastifyInstance } from 'fastify'
import type { ClerkOptions } from '../options.js'
import { MemorySessionStore } from './memory-session-store.js'
import { sessionCarrier } from './session-carrier.js'
import type { StateCarrier } from './carrier.js'

export const STATEFUL_COOKIE = 'stateful_sid'

/**
 * stateful: the dialogue lives in THIS clerk's memory, found again through the `stateful_sid`
 * cookie. Another clerk (or this one after a restart) knows nothing of it: that is the demo's
 * "2 of what?" (409 context_lost), and why stateful needs sticky routing.
 *
 * Call inside an encapsulated plugin registered with prefix /stateful.
 */
export async function useStatefulSessions(scope: FastifyInstance, options: Readonly<ClerkOptions>, store: MemorySessionStore): Promise<StateCarrier> {
  await scope.register(fastifySession, {
    secret: options.sessionSecret,
    cookieName: STATEFUL_COOKIE,
    store,
    saveUninitialized: false,
    rolling: false,
    cookie: { path: '/stateful', httpOnly: true, sameSite: 'lax', secure: false, maxAge: options.sessionTtlMs },
  })
  return sessionCarrier('stateful', STATEFUL_COOKIE)
}
