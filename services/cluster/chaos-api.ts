import { timingSafeEqual } from 'node:crypto'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import { ClusterErrors, clusterErrorNames, type ClusterErrorCode } from './errors.js'
import { CLERK_ACTIONS, REDIS_ACTIONS, type ClerkAction, type RedisAction } from './actions.js'
import type { Cluster } from './launcher.js'

/**
 * The launcher's HTTP API (loopback only; the proxy forwards `/_cluster/*` here, path unchanged):
 *
 *   GET  /_cluster/status                                     (no token: read-only, like /_lb/status)
 *   POST /_cluster/clerks/:id/kill|terminate|pause|resume|revive
 *   POST /_cluster/clerks/:id/slow   {"ms":N}                 (0..60000)
 *   POST /_cluster/redis/stop|start
 *
 * Every POST needs `Authorization: Bearer <ADMIN_TOKEN>` (or `X-Admin-Token`). Each answers once
 * the action is done (a killed clerk's pid is gone, a revived clerk answers) with
 * `{"ok":true,"verb":…,"target":…,"detail":…,"process"|"redis":{…status…}}`.
 *
 * @example
 *   const api = buildChaosApi({ cluster, adminToken })
 *   await api.listen({ port: 0, host: '127.0.0.1' })
 */
export interface ChaosApiOptions {
  cluster: Pick<Cluster, 'status' | 'clerkAction' | 'redisAction'>
  adminToken: string
  logLevel?: string
}

const MAX_SLOW_MS = 60_000 // 60 s, the clerk's own bound

export function buildChaosApi({ cluster, adminToken, logLevel = 'warn' }: ChaosApiOptions): FastifyInstance {
  const app = Fastify({ logger: { level: logLevel }, bodyLimit: 4096 })
  const expected = Buffer.from(adminToken)

  function requireToken(request: FastifyRequest): void {
    const header = request.headers.authorization
    const given =
      typeof header === 'string' && header.startsWith('Bearer ')
        ? header.slice('Bearer '.length)
        : request.headers['x-admin-token']
    const candidate = Buffer.from(typeof given === 'string' ? given : '')
    if (candidate.length !== expected.length || !timingSafeEqual(candidate, expected)) {
      throw new ClusterErrors.CLUSTER_ERR_UNAUTHORIZED()
    }
  }

  app.get('/_cluster/status', async () => cluster.status())

  app.post<{ Params: { id: string; verb: string }; Body: unknown }>(
    '/_cluster/clerks/:id/:verb',
    async (request) => {
      const { id, verb } = request.params
      if (!(CLERK_ACTIONS as readonly string[]).includes(verb)) {
        throw new ClusterErrors.CLUSTER_ERR_NOT_FOUND('POST', request.url)
      }
      requireToken(request)
      const ms = verb === 'slow' ? readSlowMs(request.body) : undefined
      return cluster.clerkAction(verb as ClerkAction, id, ms)
    },
  )

  app.post<{ Params: { verb: string } }>('/_cluster/redis/:verb', async (request) => {
    const { verb } = request.params
    if (!(REDIS_ACTIONS as readonly string[]).includes(verb)) {
      throw new ClusterErrors.CLUSTER_ERR_NOT_FOUND('POST', request.url)
    }
    requireToken(request)
    return cluster.redisAction(verb as RedisAction)
  })

  app.setNotFoundHandler((request, reply) => {
    const err = new ClusterErrors.CLUSTER_ERR_NOT_FOUND(request.method, request.url)
    void reply.code(404).send(errorBody(err.code as ClusterErrorCode, err.message, 404))
  })

  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, request, reply) => {
    if (err.code && err.code in clusterErrorNames) {
      const status = err.statusCode ?? 500
      return reply.code(status).send(errorBody(err.code as ClusterErrorCode, err.message, status))
    }
    const status = err.statusCode ?? 500
    if (status >= 400 && status < 500) {
      // Fastify's own: malformed JSON, body too large, wrong content type
      return reply.code(400).send(errorBody('CLUSTER_ERR_INVALID_BODY', err.message, 400))
    }
    request.log.error({ err }, 'chaos action failed')
    return reply.code(500).send({ error: 'internal', code: 'CLUSTER_ERR_INTERNAL', statusCode: 500, message: err.message })
  })

  return app
}

function readSlowMs(body: unknown): number {
  const ms = body && typeof body === 'object' ? (body as { ms?: unknown }).ms : undefined
  if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0 || ms > MAX_SLOW_MS) {
    throw new ClusterErrors.CLUSTER_ERR_INVALID_BODY(
      `slow needs a body {"ms":N} with N a whole number of milliseconds from 0 to ${MAX_SLOW_MS}`,
    )
  }
  return ms
}

function errorBody(code: ClusterErrorCode, message: string, statusCode: number) {
  return { error: clusterErrorNames[code], code, statusCode, message }
}
