import type { RateLimitOptions } from '@fastify/rate-limit'
import type { FastifyRequest } from 'fastify'
import type { AdminTokenCheck } from '../common/admin-token.js'
import { clerkError } from './errors.js'

/**
 * The limit on new sessions per client (CLERK_NEW_SESSIONS_PER_MINUTE, per clerk), as the route
 * config of @fastify/rate-limit on the `ask` of the modes that keep sessions on the server
 * (stateful: this clerk's memory; shared: Redis). Without it one client could fill the session
 * store with a flood of asks. What counts is an ask that would create a session: one whose
 * session already holds a dialogue starts the next dialogue in it and is not counted. The client
 * is request.ip (trusted-proxy.ts: the address behind the proxy); a request that carries the
 * admin token (the load test's customers) is not counted. Over the limit: 429
 * too_many_new_sessions with Retry-After. Checked in preHandler, where the session is loaded.
 *
 * @example
 *   scope.post('/ask', { config: { rateLimit: newSessionLimit(120, isAdmin) } }, handler)
 */
export function newSessionLimit(perMinute: number, isAdmin: AdminTokenCheck): RateLimitOptions | undefined {
  if (perMinute === 0) return undefined
  return {
    max: perMinute,
    timeWindow: 60_000, // 1 min
    hook: 'preHandler',
    allowList: (request: FastifyRequest) => isAdmin(request.headers) || hasDialogue(request),
    errorResponseBuilder: (_request, context) =>
      clerkError('CLERK_ERR_TOO_MANY_NEW_SESSIONS', {
        message: `Too many new dialogues from your address: ${context.max} a minute on this clerk. Try again in ${context.after}, or carry on a dialogue you have.`,
      }),
  }
}

function hasDialogue(request: FastifyRequest): boolean {
  const session = (request as { session?: { get(key: string): unknown } }).session
  return session?.get('dialogue') !== undefined
}
