import type { Registry } from 'prom-client'
import { adminTokenCheck, presentedToken, type AdminTokenCheck } from '../../services/common/admin-token.js'
import { MAX_SLOW_MS, ROUTES, isRouteKey } from '../../services/common/vocabulary.js'
import { ACCEPTED_POLICY_NAMES, isAcceptedPolicyName } from '../balance/policy.js'
import { ProxyErrors, errorBody, type ProxyErrorLike } from '../errors.js'
import type { ProxyOptions } from '../options.js'
import { readRouteChange } from '../forward/route-table.js'
import { ConfigError } from '../../services/common/options.js'
import type { ProxyState } from '../state/proxy-state.js'
import { checkNewClerk, checkRemoval, drainAndRemove } from './membership.js'
import { createMetrics } from './metrics.js'
import { NEW_CUSTOMER_PATH, newCustomer } from './new-customer.js'

/**
 * The admin API as plain data in, plain data out, so the same handler answers in a single proxy
 * and, over IPC, in the cluster primary (which holds the one truth) for any worker.
 */
export interface AdminRequest {
  method: string
  /** path without the query */
  path: string
  query: string
  headers: Record<string, string | undefined>
  body: string
}

export interface AdminResponse {
  status: number
  /** a list for a header sent several times (Set-Cookie) */
  headers: Record<string, string | string[]>
  body: string
}

export interface AdminDeps {
  state: ProxyState
  metrics: Registry
  adminToken: string | undefined
  launcherUrl: URL | undefined
  /** deadline for calls the proxy makes on an admin's behalf (clerk admin, launcher) */
  callTimeoutMs: number
}

export type AdminHandler = (request: AdminRequest) => Promise<AdminResponse>

/** headers an admin request carries to the handler (and over IPC) */
export const ADMIN_HEADER_NAMES = ['authorization', 'x-admin-token', 'content-type'] as const

function json(status: number, value: unknown): AdminResponse {
  // ends in a newline, so a curl prompt starts on its own line
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: `${JSON.stringify(value)}\n` }
}

function error(err: ProxyErrorLike, extra: Record<string, unknown> = {}): AdminResponse {
  return json(err.statusCode ?? 500, errorBody(err, extra))
}

function parseBody(body: string): { ok: true; value: Record<string, unknown> } | { ok: false; response: AdminResponse } {
  if (body.trim() === '') return { ok: true, value: {} }
  try {
    const value: unknown = JSON.parse(body)
    if (value && typeof value === 'object' && !Array.isArray(value)) return { ok: true, value: value as Record<string, unknown> }
  } catch {
    // answered below
  }
  return { ok: false, response: error(new ProxyErrors.PROXY_ERR_BAD_REQUEST('The body must be a JSON object')) }
}

const CLERK_PATH = /^\/_lb\/clerks\/([^/]+)$/
const CLERK_ACTION = /^\/_lb\/clerks\/([^/]+)\/(drain|undrain|crash|slow)$/
const CLUSTER_CLERK_VERB = /^\/_cluster\/clerks\/([^/]+)\/([a-z]+)$/
const CLUSTER_REDIS_VERB = /^\/_cluster\/redis\/([a-z]+)$/

/** a path segment, percent-decoded; undefined when its escapes are malformed (`%zz`) */
function decodeSegment(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw)
  } catch {
    return undefined
  }
}

/**
 * Admin routes that change anything need the token (services/common/admin-token.ts reads and
 * compares it, in constant time): undefined when `headers` carry it, else the sentence for the
 * 401. Without an ADMIN_TOKEN the proxy refuses every change and says why.
 */
export function adminTokenRefusal(configured: boolean, isAdmin: AdminTokenCheck, headers: Record<string, string | undefined>): string | undefined {
  if (!configured) return 'ADMIN_TOKEN is not configured on the proxy, so admin changes are disabled: start it with ADMIN_TOKEN set'
  // only the admin header names travel here (ADMIN_HEADER_NAMES), each a single string
  const given = presentedToken(headers)
  if (given === undefined || given === '') return 'This admin route needs the token: send Authorization: Bearer <ADMIN_TOKEN> or X-Admin-Token'
  return isAdmin(headers) ? undefined : 'The admin token is wrong'
}

/** The admin handler of a proxy process that holds the state (single process, or the primary). */
export function createAdminHandlerFor(state: AdminDeps['state'], options: ProxyOptions): AdminHandler {
  return createAdminHandler({
    state,
    metrics: createMetrics(state),
    adminToken: options.adminToken,
    launcherUrl: options.launcherUrl,
    callTimeoutMs: 10_000, // 10 s
  })
}

export function createAdminHandler(deps: AdminDeps): AdminHandler {
  const { state } = deps

  const isAdmin = adminTokenCheck(deps.adminToken)
  function requireToken(request: AdminRequest): AdminResponse | undefined {
    const refusal = adminTokenRefusal(deps.adminToken !== undefined, isAdmin, request.headers)
    return refusal === undefined ? undefined : error(new ProxyErrors.PROXY_ERR_UNAUTHORIZED(refusal))
  }

  async function callClerk(id: string, path: string, body: unknown): Promise<AdminResponse> {
    const upstream = state.byId.get(id)
    if (!upstream) return error(new ProxyErrors.PROXY_ERR_NOT_FOUND(`No clerk named "${id}"`))
    try {
      const res = await fetch(new URL(path, upstream.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${deps.adminToken ?? ''}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(deps.callTimeoutMs),
      })
      const text = await res.text()
      let parsed: unknown = text
      try {
        parsed = JSON.parse(text)
      } catch {
        // keep the text
      }
      return json(res.ok ? 200 : 502, { clerk: id, status: res.status, body: parsed })
    } catch (err) {
      // a crash that kills the clerk before it answers is still a crash
      const reason = (err as Error).message
      return error(new ProxyErrors.PROXY_ERR_BAD_GATEWAY(`${id} did not answer its admin call`), { reason, clerk: id })
    }
  }

  async function clusterCall(request: AdminRequest): Promise<AdminResponse> {
    if (deps.launcherUrl === undefined) {
      return error(new ProxyErrors.PROXY_ERR_NOT_FOUND('no launcher: this proxy was started without PROXY_LAUNCHER_URL (npm start sets it)'))
    }
    const headers: Record<string, string> = {}
    for (const name of ADMIN_HEADER_NAMES) {
      const v = request.headers[name]
      if (v !== undefined) headers[name] = v
    }
    try {
      const target = new URL(request.path + (request.query ? `?${request.query}` : ''), deps.launcherUrl)
      const hasBody = request.method !== 'GET' && request.method !== 'HEAD'
      const res = await fetch(target, {
        method: request.method,
        headers,
        body: hasBody ? request.body : undefined,
        signal: AbortSignal.timeout(deps.callTimeoutMs),
      })
      const text = await res.text()
      if (res.ok && request.method === 'POST') {
        const clerkVerb = CLUSTER_CLERK_VERB.exec(request.path)
        const redisVerb = CLUSTER_REDIS_VERB.exec(request.path)
        if (clerkVerb) state.events.emit('chaos', { verb: clerkVerb[2], target: decodeSegment(clerkVerb[1] as string) ?? clerkVerb[1], by: 'launcher' })
        else if (redisVerb) state.events.emit('chaos', { verb: redisVerb[1], target: 'redis', by: 'launcher' })
      }
      return { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'application/json; charset=utf-8' }, body: text }
    } catch (err) {
      return error(new ProxyErrors.PROXY_ERR_BAD_GATEWAY('the launcher did not answer'), { reason: (err as Error).message })
    }
  }

  return async function handle(request: AdminRequest): Promise<AdminResponse> {
    const { method, path } = request
    if (path === '/metrics') {
      if (method !== 'GET' && method !== 'HEAD') return error(new ProxyErrors.PROXY_ERR_METHOD_NOT_ALLOWED('GET /metrics only'))
      return { status: 200, headers: { 'content-type': deps.metrics.contentType }, body: await deps.metrics.metrics() }
    }
    if (path.startsWith('/_cluster')) return clusterCall(request)

    // open: it only expires the caller's own cookies (proxy/new-customer.ts)
    if (path === NEW_CUSTOMER_PATH) {
      if (method !== 'POST') return error(new ProxyErrors.PROXY_ERR_METHOD_NOT_ALLOWED(`POST ${NEW_CUSTOMER_PATH}[?mode=stateful|shared|stateless|all] only`))
      const answer = newCustomer(request.query)
      if (!answer.ok) return error(new ProxyErrors.PROXY_ERR_BAD_REQUEST(answer.message))
      const response = json(200, { mode: answer.mode, expired: answer.expired })
      response.headers['set-cookie'] = answer.setCookie
      response.headers['cache-control'] = 'no-store'
      return response
    }

    if (path === '/_lb/status' || path === '/_lb/status/') {
      if (method !== 'GET' && method !== 'HEAD') return error(new ProxyErrors.PROXY_ERR_METHOD_NOT_ALLOWED('GET /_lb/status only'))
      return json(200, state.status())
    }

    if (path === '/_lb/policy') {
      if (method !== 'PUT') return error(new ProxyErrors.PROXY_ERR_METHOD_NOT_ALLOWED('PUT /_lb/policy {"route":…,"policy":…}'))
      const denied = requireToken(request)
      if (denied) return denied
      const parsed = parseBody(request.body)
      if (!parsed.ok) return parsed.response
      const { route, policy } = parsed.value
      if (!isRouteKey(route)) {
        return error(new ProxyErrors.PROXY_ERR_BAD_REQUEST(`"route" must be one of ${ROUTES.join(', ')}, got ${JSON.stringify(route)}`))
      }
      if (!isAcceptedPolicyName(policy)) {
        return error(new ProxyErrors.PROXY_ERR_BAD_REQUEST(`"policy" must be one of ${ACCEPTED_POLICY_NAMES.join(', ')}, got ${JSON.stringify(policy)}`))
      }
      state.setPolicy(route, policy)
      return json(200, state.policyNames())
    }

    if (path === '/_lb/routes') {
      if (method === 'GET' || method === 'HEAD') return json(200, { routes: state.routes.table })
      if (method !== 'PUT') return error(new ProxyErrors.PROXY_ERR_METHOD_NOT_ALLOWED('GET /_lb/routes, or PUT /_lb/routes {"prefix":…, <fields to change>}'))
      const denied = requireToken(request)
      if (denied) return denied
      const parsed = parseBody(request.body)
      if (!parsed.ok) return parsed.response
      try {
        return json(200, { routes: state.changeRoute(readRouteChange(parsed.value, 'The body')) })
      } catch (err) {
        if (err instanceof ConfigError) return error(new ProxyErrors.PROXY_ERR_BAD_REQUEST(err.message))
        throw err
      }
    }

    if (path === '/_lb/clerks') {
      if (method !== 'POST') return error(new ProxyErrors.PROXY_ERR_METHOD_NOT_ALLOWED('POST /_lb/clerks {"id":…,"url":…}'))
      const denied = requireToken(request)
      if (denied) return denied
      const parsed = parseBody(request.body)
      if (!parsed.ok) return parsed.response
      const checked = checkNewClerk(state, parsed.value)
      if (!checked.ok) return error(checked.error)
      const added = state.addClerk(checked.value.id, checked.value.url, 'admin')
      return json(201, { clerk: added.id, url: added.url.origin, clerks: state.upstreams.map((u) => u.id) })
    }

    const clerkPath = CLERK_PATH.exec(path)
    if (clerkPath) {
      if (method !== 'DELETE') return error(new ProxyErrors.PROXY_ERR_METHOD_NOT_ALLOWED(`DELETE ${path} only`))
      const denied = requireToken(request)
      if (denied) return denied
      const id = decodeSegment(clerkPath[1] as string)
      if (id === undefined) return error(new ProxyErrors.PROXY_ERR_BAD_REQUEST(`The clerk id "${clerkPath[1] as string}" in the path is not valid percent-encoding`))
      const checked = checkRemoval(state, id)
      if (!checked.ok) return error(checked.error)
      const { waitedMs, inFlight } = await drainAndRemove(state, checked.value, 'admin', deps.callTimeoutMs)
      return json(200, { clerk: id, removed: true, waitedMs, inFlightLeft: inFlight, clerks: state.upstreams.map((u) => u.id) })
    }

    const action = CLERK_ACTION.exec(path)
    if (action) {
      if (method !== 'POST') return error(new ProxyErrors.PROXY_ERR_METHOD_NOT_ALLOWED(`POST ${path} only`))
      const denied = requireToken(request)
      if (denied) return denied
      const id = decodeSegment(action[1] as string)
      if (id === undefined) return error(new ProxyErrors.PROXY_ERR_BAD_REQUEST(`The clerk id "${action[1] as string}" in the path is not valid percent-encoding`))
      const verb = action[2] as 'drain' | 'undrain' | 'crash' | 'slow'
      const upstream = state.byId.get(id)
      if (!upstream) return error(new ProxyErrors.PROXY_ERR_NOT_FOUND(`No clerk named "${id}"`))
      switch (verb) {
        case 'drain':
        case 'undrain':
          state.setDrained(upstream, verb === 'drain')
          return json(200, { clerk: id, drained: upstream.drained })
        case 'crash':
          state.events.emit('chaos', { verb: 'crash', target: id, by: 'proxy' })
          return callClerk(id, '/_admin/crash', {})
        case 'slow': {
          const parsed = parseBody(request.body)
          if (!parsed.ok) return parsed.response
          const ms = parsed.value.ms
          if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0 || ms > MAX_SLOW_MS) {
            return error(new ProxyErrors.PROXY_ERR_BAD_REQUEST(`"ms" must be a whole number of milliseconds from 0 to ${MAX_SLOW_MS}, got ${JSON.stringify(ms)}`))
          }
          state.events.emit('chaos', { verb: 'slow', target: id, by: 'proxy', ms })
          return callClerk(id, '/_admin/slow', { ms })
        }
      }
    }

    if (path === '/_lb/reset') {
      if (method !== 'POST') return error(new ProxyErrors.PROXY_ERR_METHOD_NOT_ALLOWED('POST /_lb/reset only'))
      const denied = requireToken(request)
      if (denied) return denied
      const parsed = parseBody(request.body)
      if (!parsed.ok) return parsed.response
      const by = parsed.value.by
      // a label for the event log, never echoed anywhere else: short plain text only
      const label = typeof by === 'string' && /^[\w .:-]{1,40}$/.test(by) ? by : 'admin'
      return json(200, state.reset(label))
    }

    if (path === '/_lb/loadtest') {
      if (method !== 'POST') return error(new ProxyErrors.PROXY_ERR_METHOD_NOT_ALLOWED('POST /_lb/loadtest only'))
      const denied = requireToken(request)
      if (denied) return denied
      const parsed = parseBody(request.body)
      if (!parsed.ok) return parsed.response
      const { type: _type, at: _at, ...fields } = parsed.value
      state.events.emit('loadtest', fields)
      return json(202, { ok: true })
    }

    return error(new ProxyErrors.PROXY_ERR_NOT_FOUND(`No admin route ${method} ${path}`))
  }
}
