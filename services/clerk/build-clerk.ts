import fastifyCookie from '@fastify/cookie'
import fastifyRateLimit from '@fastify/rate-limit'
import Fastify, { LogController, type FastifyInstance } from 'fastify'
import type { Redis } from 'ioredis'
import { adminTokenCheck } from '../common/admin-token.js'
import { registerAdminRoutes } from './admin-routes.js'
import { clientErrorHandler } from './client-error.js'
import { registerDialogueRoutes } from './dialogue-routes.js'
import { clerkError } from './errors.js'
import { installErrorHandling, sendError } from './error-handler.js'
import { DialogueHandoff } from './handoff.js'
import { installJsonBodyParser } from './json-body-parser.js'
import { Ledger } from './ledger.js'
import { createClerkMetrics } from './metrics.js'
import { MemorySessionStore } from './modes/memory-session-store.js'
import { useSharedSessions } from './modes/shared.js'
import { useStatefulSessions } from './modes/stateful.js'
import { statelessCarrier } from './modes/stateless.js'
import { resolveClerkOptions, type ClerkOptions } from './options.js'
import { registerOpsRoutes } from './ops-routes.js'
import { registerOrderRoutes } from './order-routes.js'
import { RedisBreaker } from './redis-breaker.js'
import { newSessionLimit } from './new-session-limit.js'
import { createRedisClient, redisIsUp } from './redis-client.js'
import { trustOneProxyHop } from './trusted-proxy.js'
import { trackRequest } from './request-tracking.js'
import type { ClerkRuntime } from './runtime.js'
import { WorkGate } from './work-gate.js'
import { registerMcpRoutes } from '../mcp/mcp-routes.js'

export interface ClerkDependencies {
  /** an ioredis client to use instead of connecting to options.redisUrl (it is closed with the app) */
  redis?: Redis
  /** what POST /_admin/crash does after answering; default SIGKILLs this process */
  crash?: () => void
}

// Routes that must keep answering while the clerk drains, so the proxy can see it draining.
const OPERATIONS = new Set(['/healthz', '/readyz', '/metrics'])

// While Redis is hung, one PING is out at a time (each bounded by the command timeout); this is the
// pause after one fails, so a Redis that comes back is seen within about this long.
const REDIS_PROBE_INTERVAL_MS = 100 // ms

/**
 * One clerk: a Fastify app serving all three modes, not listening yet (main.ts listens).
 * Redis need not be up: stateful and stateless work without it; shared and pay answer 503.
 *
 * @example
 *   const app = await buildClerk({ clerkId: 'clerk-a', redisUrl: redis.url, logLevel: 'silent' })
 *   const res = await app.inject({ method: 'POST', url: '/stateless/ask', payload: { product: 'laptop' } })
 *   await app.close()
 */
export async function buildClerk(partial: Partial<ClerkOptions> = {}, deps: ClerkDependencies = {}): Promise<FastifyInstance> {
  const options = resolveClerkOptions(partial)
  const statefulSessions = new MemorySessionStore({
    ttlMs: options.sessionTtlMs,
    maxEntries: options.memorySessionsMax,
    // a paid dialogue may make way for a new customer when the store is full; a live one never
    isFinished: (data) => (data.dialogue as { step?: unknown } | undefined)?.step === 'pay',
  })
  const isAdmin = adminTokenCheck(options.adminToken)
  // Connects at once (so /readyz tells the truth from the first request) and never throws:
  // with Redis away, commands fail fast and the clerk keeps serving stateful and stateless.
  const redis = deps.redis ?? createRedisClient(options.redisUrl, options.redisTimeoutMs, (msg) => app.log.warn(msg))
  // a hung Redis (connection still 'ready') fails fast and reads as down after one timeout
  const redisBreaker = new RedisBreaker(redis, {
    probeIntervalMs: REDIS_PROBE_INTERVAL_MS,
    onChange: (responsive) => app.log.warn(responsive ? 'redis answers again' : `redis did not answer within ${options.redisTimeoutMs} ms: failing fast until it does`),
  })
  const metrics = createClerkMetrics({
    statefulSessions: () => statefulSessions.size,
    redisUp: () => redisIsUp(redis, redisBreaker),
  })
  const handoff = new DialogueHandoff({
    redis,
    breaker: redisBreaker,
    store: statefulSessions,
    clerkId: options.clerkId,
    onClaimed: (from) => {
      metrics.handoffs.inc({ direction: 'claimed' })
      app.log.info({ from }, 'took over a stateful dialogue handed over by a clerk that left')
    },
    onParked: (count) => metrics.handoffs.inc({ direction: 'parked' }, count),
  })
  // every stateful clerk takes in dialogues parked by one that left (a miss costs one GETDEL)
  handoff.acceptHandoffs()
  const runtime: ClerkRuntime = {
    options,
    redis,
    redisBreaker,
    ledger: new Ledger(redis),
    gate: new WorkGate({ concurrency: options.concurrency, workMs: options.workMs }),
    isAdmin,
    newSessionLimit: newSessionLimit(options.newSessionsPerMinute, isAdmin),
    metrics,
    statefulSessions,
    handoff,
    handingOff: undefined,
    draining: false,
    lastCustomerRequestAt: 0,
    inFlight: 0,
    crash: deps.crash ?? (() => process.kill(process.pid, 'SIGKILL')),
  }

  const app = Fastify({
    logger: { level: options.logLevel },
    // no log line per request: a clerk under load would spend its time logging
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit,
    // we answer requests that arrive while closing ourselves, in the contract's error shape
    return503OnClosing: false,
    frameworkErrors: (err, request, reply) => {
      void sendError(err, request, reply, runtime)
    },
    // requests Node's HTTP parser refuses never reach Fastify: answer them in our shape too
    clientErrorHandler: clientErrorHandler(options.clerkId),
    // request.ip: the client behind the proxy, believed only from CLERK_TRUST_PROXY (trusted-proxy.ts)
    trustProxy: trustOneProxyHop(options.trustProxy),
  })
  app.decorate('clerk', runtime)

  // Only JSON bodies: without this, text/plain would be parsed and reach the dialogue as a string.
  app.removeContentTypeParser(['text/plain'])
  installJsonBodyParser(app)
  installErrorHandling(app, runtime)

  app.addHook('onRequest', async (request, reply) => {
    trackRequest(runtime, request, reply)
    reply.header('x-clerk', options.clerkId)
    if (OPERATIONS.has(request.routeOptions.url ?? '')) return
    runtime.lastCustomerRequestAt = Date.now()
    // a request that comes while the dialogues are being parked waits for the parking to end, so
    // the clerk it is retried on finds its dialogue already there
    if (runtime.handingOff !== undefined) await runtime.handingOff
    if (runtime.draining) throw clerkError('CLERK_ERR_SHUTTING_DOWN')
  })
  app.addHook('onSend', async (_request, reply) => {
    // in-flight answers finished during a drain close their connection, so the drain can end
    if (runtime.draining) reply.header('connection', 'close')
  })
  app.addHook('onClose', async () => {
    statefulSessions.close()
    redisBreaker.stop()
    await closeRedis(redis)
  })

  await app.register(fastifyCookie)
  // only where a route asks for it (the asks that may create a session: dialogue-routes.ts)
  await app.register(fastifyRateLimit, { global: false })
  await app.register(async (scope) => registerDialogueRoutes(scope, await useStatefulSessions(scope, options, statefulSessions), runtime), { prefix: '/stateful' })
  await app.register(async (scope) => registerDialogueRoutes(scope, statelessCarrier(options), runtime), {
    prefix: '/stateless',
  })
  await app.register(async (scope) => registerDialogueRoutes(scope, await useSharedSessions(scope, options, runtime.redis), runtime), { prefix: '/shared' })
  // the same shop as an MCP server at /{mode}/mcp (services/mcp/, docs/mcp.md)
  const mcp = registerMcpRoutes(app, runtime)
  app.addHook('onClose', async () => mcp.close())
  registerOrderRoutes(app, runtime)
  registerOpsRoutes(app, runtime)
  registerAdminRoutes(app, runtime)
  return app
}

// QUIT lets Redis finish what we sent; if it is down, QUIT fails fast and we just disconnect.
async function closeRedis(redis: Redis): Promise<void> {
  try {
    if (redis.status === 'ready') await redis.quit()
  } catch {
    // already gone
  } finally {
    redis.disconnect()
  }
}
