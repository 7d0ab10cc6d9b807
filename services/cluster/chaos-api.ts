import Fastify, { type FastifyInstance } from 'fastify'
import { adminTokenCheck, presentedToken } from '../common/admin-token.js'
import { charsetIsUtf8 } from '../common/json-charset.js'
import { isClerkVerb, isRedisVerb, MAX_SLOW_MS } from '../common/vocabulary.js'
import { ClusterErrors, clusterErrors } from './errors.js'
import type { Cluster } from './launcher.js'
import { publicStatus } from './public-status.js'

/**
 * The launcher's HTTP API (loopback only; the proxy forwards `/_cluster/*` here, path unchanged):
 *
 *   GET  /_cluster/status     no token: states only (public-status.ts); with the token: pids,
 *                             ports and the Redis URL (its credentials redacted); a wrong token 401
 *   POST /_cluster/clerks/:id/kill|terminate|pause|resume|revive
 *   POST /_cluster/clerks/:id/slow   {"ms":N}                 (0..60000)
 *   POST /_cluster/clerks            a new clerk (next free id and port) behind the proxy: 201
 *   POST /_cluster/clerks/:id/remove drain, SIGTERM (the handoff), deregister, forget
 *   POST /_cluster/redis/stop|start
 *   POST /_cluster/ledger/clear      empties the ledger (`npm run reset -- --ledger` only)
 *
 * Every POST needs `Authorization: Bearer <ADMIN_TOKEN>` (or `X-Admin-Token`), checked in
 * onRequest, i.e. before the body is read or parsed: without the token, nothing of the request
 * is looked at. Each answers once the action is done (a killed clerk's pid is gone, a revived
 * clerk answers) with `{"ok":true,"verb":…,"target":…,"detail":…,"process"|"redis":{…status…}}`.
 *
 * @example
 *   const api = buildChaosApi({ cluster, adminToken })
 *   await api.listen({ port: 0, host: '127.0.0.1' })
 */
export interface ChaosApiOptions {
  cluster: Pick<Cluster, 'status' | 'clerkAction' | 'redisAction' | 'clearLedger'> & Partial<Pick<Cluster, 'addClerk'>>
  adminToken: string
  logLevel?: string
}

export function buildChaosApi({ cluster, adminToken, logLevel = 'warn' }: ChaosApiOptions): FastifyInstance {
  const app = Fastify({ logger: { level: logLevel }, bodyLimit: 4096 })
  const isAdmin = adminTokenCheck(adminToken)

  // Auth first: onRequest runs before the body is read, so a caller without the token cannot
  // make the launcher parse anything (and learns nothing from a parse error). Reading is open
  // (the status without details); a token that is presented must be the right one.
  app.addHook('onRequest', async (request) => {
    const reading = request.method === 'GET' || request.method === 'HEAD'
    if (reading ? presentedToken(request.headers) !== undefined && !isAdmin(request.headers) : !isAdmin(request.headers)) {
      throw new ClusterErrors.CLUSTER_ERR_UNAUTHORIZED()
    }
  })

  // JSON in UTF-8 only: Fastify would decode another declared charset as UTF-8 and misread it
  // (text/plain stays: the proxy forwards an empty body as text/plain, and a text body that
  // matters, slow's, is refused by readSlowMs as not {"ms":N})
  const json = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (!charsetIsUtf8(request.headers['content-type'])) return done(new ClusterErrors.CLUSTER_ERR_UNSUPPORTED_MEDIA_TYPE(), undefined)
    void json(request, body as string, done)
  })

  // every answer ends in a newline, so a curl prompt starts on its own line
  app.addHook('onSend', async (_request, _reply, payload) => (typeof payload === 'string' && !payload.endsWith('\n') ? `${payload}\n` : payload))

  app.get('/_cluster/status', async (request) => (isAdmin(request.headers) ? cluster.status() : publicStatus(cluster.status())))

  app.post('/_cluster/clerks', async (request, reply) => {
    if (cluster.addClerk === undefined) throw new ClusterErrors.CLUSTER_ERR_NOT_FOUND('POST', request.url)
    const result = await cluster.addClerk()
    void reply.code(201)
    return result
  })

  app.post<{ Params: { id: string; verb: string }; Body: unknown }>('/_cluster/clerks/:id/:verb', async (request) => {
    const { id, verb } = request.params
    if (!isClerkVerb(verb)) {
      throw new ClusterErrors.CLUSTER_ERR_NOT_FOUND('POST', request.url)
    }
    const ms = verb === 'slow' ? readSlowMs(request.body) : undefined
    return cluster.clerkAction(verb, id, ms)
  })

  app.post<{ Params: { verb: string } }>('/_cluster/redis/:verb', async (request) => {
    const { verb } = request.params
    if (!isRedisVerb(verb)) {
      throw new ClusterErrors.CLUSTER_ERR_NOT_FOUND('POST', request.url)
    }
    return cluster.redisAction(verb)
  })

  app.post('/_cluster/ledger/clear', async () => cluster.clearLedger())

  app.setNotFoundHandler((request, reply) => {
    const err = new ClusterErrors.CLUSTER_ERR_NOT_FOUND(request.method, request.url)
    void reply.code(404).send(clusterErrors.body(err))
  })

  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, request, reply) => {
    if (clusterErrors.owns(err)) {
      return reply.code(err.statusCode).send(clusterErrors.body(err))
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      const refused = new ClusterErrors.CLUSTER_ERR_UNSUPPORTED_MEDIA_TYPE()
      return reply.code(415).send(clusterErrors.body(refused))
    }
    const status = err.statusCode ?? 500
    if (status >= 400 && status < 500) {
      // Fastify's own: malformed JSON, body too large
      return reply.code(400).send(clusterErrors.body(new ClusterErrors.CLUSTER_ERR_INVALID_BODY(err.message)))
    }
    request.log.error({ err }, 'chaos action failed')
    return reply.code(500).send(clusterErrors.body(new ClusterErrors.CLUSTER_ERR_INTERNAL(err.message)))
  })

  return app
}

function readSlowMs(body: unknown): number {
  const ms = body && typeof body === 'object' ? (body as { ms?: unknown }).ms : undefined
  if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0 || ms > MAX_SLOW_MS) {
    throw new ClusterErrors.CLUSTER_ERR_INVALID_BODY(`slow needs a body {"ms":N} with N a whole number of milliseconds from 0 to ${MAX_SLOW_MS}`)
  }
  return ms
}
