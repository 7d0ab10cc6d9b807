import { afterEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildChaosApi } from '../../../services/cluster/chaos-api.js'
import { ClusterErrors } from '../../../services/cluster/errors.js'
import type { ActionResult, ClusterStatus } from '../../../services/cluster/launcher.js'

// The routes, auth and error bodies of the launcher's API, with a recording stand-in for the
// cluster; the real processes are exercised in test/integration/cluster/npm-start.test.ts.
const token = 'the-admin-token'
const status: ClusterStatus = {
  processes: [{ id: 'clerk-a', kind: 'clerk', pid: 10, port: 8081, state: 'running', restarts: 0, slowMs: 0 }],
  redis: { state: 'running', url: 'redis://127.0.0.1:6390', managed: true, pid: 11 },
}

function build() {
  const calls: unknown[][] = []
  const cluster = {
    status: () => status,
    clerkAction: async (verb: string, id: string, ms?: number): Promise<ActionResult> => {
      calls.push([verb, id, ms])
      if (id === 'clerk-z') throw new ClusterErrors.CLUSTER_ERR_UNKNOWN_CLERK(id, 'clerk-a')
      if (verb === 'resume') throw new ClusterErrors.CLUSTER_ERR_WRONG_STATE('clerk-a is not paused (it is running)')
      return { ok: true, verb, target: id, detail: 'done' }
    },
    redisAction: async (verb: string): Promise<ActionResult> => {
      calls.push(['redis', verb])
      return { ok: true, verb, target: 'redis', detail: 'done' }
    },
    clearLedger: async () => {
      calls.push(['ledger', 'clear'])
      return { ok: true as const, orders: 0 }
    },
  }
  const app = buildChaosApi({ cluster, adminToken: token, logLevel: 'silent' })
  return { app, calls }
}

let app: FastifyInstance | undefined
afterEach(async () => {
  await app?.close()
})

const auth = { authorization: `Bearer ${token}` }

describe('the chaos API', () => {
  it('shows only states without a token, and pids, ports and the URL with it', async () => {
    const built = build()
    app = built.app
    const open = await app.inject({ method: 'GET', url: '/_cluster/status' })
    expect(open.statusCode).toBe(200)
    expect(open.json()).toEqual({
      processes: [{ id: 'clerk-a', kind: 'clerk', state: 'running', restarts: 0, slowMs: 0 }],
      redis: { state: 'running', managed: true },
    })
    const full = await app.inject({ method: 'GET', url: '/_cluster/status', headers: auth })
    expect(full.json()).toEqual(status)
    const wrong = await app.inject({ method: 'GET', url: '/_cluster/status', headers: { authorization: 'Bearer nope' } })
    expect(wrong.statusCode).toBe(401)
  })

  it('checks the token before it reads the body: no token and a malformed body is 401, not 400', async () => {
    const built = build()
    app = built.app
    for (const headers of [{}, { authorization: `Bearer ${token}x` }, { 'x-admin-token': token.slice(0, -1) }]) {
      const res = await app.inject({
        method: 'POST',
        url: '/_cluster/clerks/clerk-a/slow',
        headers: { ...headers, 'content-type': 'application/json' },
        payload: '{"ms":',
      })
      expect(res.statusCode).toBe(401)
      expect(res.json()).toMatchObject({ error: 'unauthorized' })
    }
    expect(built.calls).toEqual([])
  })

  it.each(['utf-16', 'UTF-16LE', 'latin1'])('answers a JSON body in charset %s with 415 and does nothing', async (charset) => {
    const built = build()
    app = built.app
    const res = await app.inject({
      method: 'POST',
      url: '/_cluster/clerks/clerk-a/slow',
      headers: { ...auth, 'content-type': `application/json; charset=${charset}` },
      payload: '{"ms":300}',
    })
    expect(res.statusCode).toBe(415)
    expect(res.json()).toMatchObject({ error: 'unsupported_media_type', code: 'CLUSTER_ERR_UNSUPPORTED_MEDIA_TYPE' })
    expect(built.calls).toEqual([])
  })

  it('answers a slow body that is not JSON with 400, and an unknown media type with 415', async () => {
    const built = build()
    app = built.app
    const text = await app.inject({ method: 'POST', url: '/_cluster/clerks/clerk-a/slow', headers: { ...auth, 'content-type': 'text/plain' }, payload: 'ms=3' })
    expect(text.statusCode).toBe(400)
    const form = await app.inject({
      method: 'POST',
      url: '/_cluster/clerks/clerk-a/slow',
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'ms=3',
    })
    expect(form.statusCode).toBe(415)
    expect(form.json()).toMatchObject({ error: 'unsupported_media_type' })
    expect(built.calls).toEqual([])
  })

  it.each(['kill', 'terminate', 'pause', 'revive'])('carries out %s on a clerk with the token', async (verb) => {
    const built = build()
    app = built.app
    const res = await app.inject({ method: 'POST', url: `/_cluster/clerks/clerk-a/${verb}`, headers: auth })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ ok: true, verb, target: 'clerk-a' })
    expect(built.calls).toEqual([[verb, 'clerk-a', undefined]])
  })

  it('also accepts the token as X-Admin-Token', async () => {
    const built = build()
    app = built.app
    const res = await app.inject({ method: 'POST', url: '/_cluster/clerks/clerk-a/kill', headers: { 'x-admin-token': token } })
    expect(res.statusCode).toBe(200)
  })

  it('refuses a missing or wrong token with 401 and does nothing', async () => {
    const built = build()
    app = built.app
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: token }]) {
      const res = await app.inject({ method: 'POST', url: '/_cluster/clerks/clerk-a/kill', headers })
      expect(res.statusCode).toBe(401)
      expect(res.json()).toMatchObject({ error: 'unauthorized', code: 'CLUSTER_ERR_UNAUTHORIZED', statusCode: 401 })
    }
    expect(built.calls).toEqual([])
  })

  it('passes the delay of slow and refuses a bad one with 400', async () => {
    const built = build()
    app = built.app
    const ok = await app.inject({ method: 'POST', url: '/_cluster/clerks/clerk-a/slow', headers: auth, payload: { ms: 300 } })
    expect(ok.statusCode).toBe(200)
    expect(built.calls).toEqual([['slow', 'clerk-a', 300]])
    for (const payload of [{}, { ms: -1 }, { ms: 1.5 }, { ms: 'lots' }, { ms: 60_001 }]) {
      const res = await app.inject({ method: 'POST', url: '/_cluster/clerks/clerk-a/slow', headers: auth, payload })
      expect(res.statusCode).toBe(400)
      expect(res.json()).toMatchObject({ error: 'invalid_body', code: 'CLUSTER_ERR_INVALID_BODY' })
    }
  })

  it('answers malformed JSON with 400, not 500', async () => {
    const built = build()
    app = built.app
    const res = await app.inject({
      method: 'POST',
      url: '/_cluster/clerks/clerk-a/slow',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"ms":',
    })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ error: 'invalid_body' })
  })

  it('stops and starts redis', async () => {
    const built = build()
    app = built.app
    for (const verb of ['stop', 'start']) {
      const res = await app.inject({ method: 'POST', url: `/_cluster/redis/${verb}`, headers: auth })
      expect(res.statusCode).toBe(200)
    }
    expect(built.calls).toEqual([
      ['redis', 'stop'],
      ['redis', 'start'],
    ])
  })

  it('answers unknown verbs, clerks and routes with 404 JSON', async () => {
    const built = build()
    app = built.app
    const verb = await app.inject({ method: 'POST', url: '/_cluster/clerks/clerk-a/explode', headers: auth })
    expect(verb.statusCode).toBe(404)
    expect(verb.json()).toMatchObject({ error: 'not_found' })
    const clerk = await app.inject({ method: 'POST', url: '/_cluster/clerks/clerk-z/kill', headers: auth })
    expect(clerk.statusCode).toBe(404)
    expect(clerk.json()).toMatchObject({ error: 'unknown_clerk', message: expect.stringContaining('clerk-z') })
    const route = await app.inject({ method: 'GET', url: '/elsewhere' })
    expect(route.statusCode).toBe(404)
    const redis = await app.inject({ method: 'POST', url: '/_cluster/redis/flush', headers: auth })
    expect(redis.statusCode).toBe(404)
  })

  it('answers an action that does not fit the state with 409 and a sentence', async () => {
    const built = build()
    app = built.app
    const res = await app.inject({ method: 'POST', url: '/_cluster/clerks/clerk-a/resume', headers: auth })
    expect(res.statusCode).toBe(409)
    expect(res.json()).toMatchObject({ error: 'wrong_state', message: 'clerk-a is not paused (it is running)' })
  })
})
