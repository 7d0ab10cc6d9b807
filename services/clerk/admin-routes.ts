import type { FastifyInstance } from 'fastify'
import { MAX_SLOW_MS } from '../common/vocabulary.js'
import { clerkError } from './errors.js'
import type { ClerkRuntime } from './runtime.js'

/**
 * Chaos hooks for the load test and the workshop, only when ADMIN_TOKEN is set (otherwise these
 * routes do not exist: 404). POST /_admin/crash answers 202 and then SIGKILLs this process (no
 * cleanup, like a real crash); POST /_admin/slow {"ms":N} delays every dialogue answer by N ms.
 */
export function registerAdminRoutes(app: FastifyInstance, runtime: ClerkRuntime): void {
  if (runtime.options.adminToken === undefined) return

  app.register(
    async (admin) => {
      admin.addHook('onRequest', async (request) => {
        // in onRequest, before the body is read; constant time (services/common/admin-token.ts)
        if (!runtime.isAdmin(request.headers)) throw clerkError('CLERK_ERR_UNAUTHORIZED')
      })

      admin.post('/crash', async (_request, reply) => {
        reply.raw.once('finish', () => runtime.crash())
        reply.code(202)
        return { status: 'crashing', clerk: runtime.options.clerkId }
      })

      admin.post('/slow', async (request) => {
        const body = request.body as { ms?: unknown } | null | undefined
        const ms = body && typeof body === 'object' ? body.ms : undefined
        const keys = body && typeof body === 'object' ? Object.keys(body) : []
        if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0 || ms > MAX_SLOW_MS || keys.length !== 1) {
          throw clerkError('CLERK_ERR_INVALID_BODY', {
            message: `Send {"ms":N} with N a whole number of milliseconds from 0 to ${MAX_SLOW_MS}.`,
            field: 'ms',
          })
        }
        runtime.gate.slowMs = ms
        return { clerk: runtime.options.clerkId, slowMs: ms }
      })
    },
    { prefix: '/_admin' },
  )
}
