import type { FastifyInstance } from 'fastify'
import { isMode, MODES } from '../common/vocabulary.js'
import { clerkError } from './errors.js'
import { redisIsUp } from './redis-client.js'
import type { ClerkRuntime } from './runtime.js'

/**
 * GET /healthz (alive), GET /readyz (ready to take customers; `?mode=shared` also needs Redis),
 * GET /metrics (Prometheus text).
 */
export function registerOpsRoutes(app: FastifyInstance, runtime: ClerkRuntime): void {
  const clerk = runtime.options.clerkId

  app.get('/healthz', async () => ({ status: 'ok', clerk }))

  app.get('/readyz', async (request, reply) => {
    const query = request.query as { mode?: unknown }
    if (query.mode !== undefined && !isMode(query.mode)) {
      throw clerkError('CLERK_ERR_INVALID_BODY', { message: `mode must be one of ${MODES.join(', ')}.`, field: 'mode' })
    }
    // down also while the connection is open but Redis does not answer (hung: see redis-breaker.ts)
    // while the dialogues are being parked, the proxy must not see "draining" yet: it would send
    // this clerk's customers elsewhere before their dialogues are there to be claimed
    if (runtime.handingOff !== undefined) await runtime.handingOff
    const redisUp = redisIsUp(runtime.redis, runtime.redisBreaker)
    const modes = { stateful: true, stateless: true, shared: redisUp }
    const ready = !runtime.draining && (query.mode === undefined || modes[query.mode])
    reply.code(ready ? 200 : 503)
    return {
      status: runtime.draining ? 'draining' : ready ? 'ready' : 'unavailable',
      clerk,
      redis: redisUp ? 'up' : 'down',
      modes,
      sessions: { stateful: runtime.statefulSessions.size },
      // the others: this readyz is in flight too, and an idle clerk should read 0
      inFlight: Math.max(0, runtime.inFlight - 1),
      slowMs: runtime.gate.slowMs,
      handoff: runtime.handoff.report(),
    }
  })

  app.get('/metrics', async (_request, reply) => {
    reply.type(runtime.metrics.registry.contentType)
    return runtime.metrics.registry.metrics()
  })
}
