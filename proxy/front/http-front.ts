import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { ADMIN_HEADER_NAMES, type AdminHandler, type AdminRequest } from '../admin/admin-api.js'
import { BodyBudget } from './request-body.js'
import { capConnections } from './connection-cap.js'
import { serveDashboard } from './dashboard-files.js'
import type { ForwardEngine } from '../forward/engines/engine.js'
import { clientErrorHandler } from './client-errors.js'
import { crossSiteRefusal } from './cross-site.js'
import { overloaded, ProxyErrors, RETRY_SOON, sendError } from '../errors.js'
import { serveEventStream, type EventSource } from '../admin/event-stream.js'
import { BalancerTurns, type RoutingView } from '../forward/exchange.js'
import { createForwarder, refuseBody } from '../forward/forwarder.js'
import type { FrontLimits } from '../options.js'
import type { FrontUsage } from '../state/status.js'
import { discardRestOfBody, readRequestBody } from './request-body.js'
import { continueUnderCap, refuseExpectation, refuseBadHost, refuseTunnel, refuseUpgradeHeader } from './protocol-refusals.js'
import type { Counters } from '../state/counters.js'
import { classifyPath } from './classify-path.js'

/**
 * What the HTTP front needs from the rest of the proxy. In a single process these are the truth
 * itself; in a cluster worker they are replicas and IPC bridges to the primary.
 */
export interface ProxyPlane {
  view: RoutingView
  counters: Counters
  admin: AdminHandler
  events: EventSource
}

export interface FrontOptions {
  bodyCapBytes: number
  /** each attempt's deadline, also told to the clerk (X-Request-Deadline) */
  upstreamTimeoutMs: number
  dashboardDir: string
  /** this front's request deadline and caps (a worker's share of them: options.ts frontLimits) */
  limits: FrontLimits
}

export interface HttpFront {
  readonly server: Server
  /** what this front holds now against its limits (GET /_lb/status `limits`) */
  usage(): FrontUsage
  /** stop accepting, let in-flight requests finish (up to `graceMs`), then close every connection */
  shutdown(graceMs: number): Promise<void>
  /** what another front of this process shares with this one (proxy/fast/): one balancer turn per route, one body budget */
  readonly shared: { readonly turns: BalancerTurns; readonly budget: BodyBudget }
}

const ADMIN_BODY_CAP = 64 * 1024 // 64 KiB
// node checks every connection's request deadline this often, so a request is cut at most this
// late (node's default is 30 s)
const DEADLINE_CHECK_MS = 1_000 // 1 s

/**
 * The proxy's HTTP server: a plain node:http handler (no framework on the hot path). Dialogue
 * routes and /orders go to the forwarder; /_lb, /_cluster and /metrics to the admin handler;
 * / and /dashboard/* to the static files; anything else is a 404 JSON.
 */
export function createHttpFront(plane: ProxyPlane, engine: ForwardEngine, options: FrontOptions, othersOpen?: () => number): HttpFront {
  const { limits } = options
  const budget = new BodyBudget(limits.requestBufferBytes)
  const turns = new BalancerTurns()
  const forward = createForwarder({
    view: plane.view,
    counters: plane.counters,
    turns,
    engine,
    budget,
    bodyCapBytes: options.bodyCapBytes,
    upstreamTimeoutMs: options.upstreamTimeoutMs,
  })
  let inFlight = 0
  let closing = false
  let onIdle: (() => void) | undefined
  const streams = new Set<ServerResponse>()

  const done = () => {
    inFlight--
    if (inFlight === 0 && onIdle) onIdle()
  }

  const count = (status: number) => plane.counters.unrouted(status)

  function handle(req: IncomingMessage, res: ServerResponse): void {
    if (closing) res.shouldKeepAlive = false
    if (connections.isRefused(req.socket)) {
      refuseOverCap(req, res)
      return
    }
    if (refuseBadHost(req, res, count) || refuseUpgradeHeader(req, res, count)) return
    const crossSite = crossSiteRefusal(req)
    if (crossSite !== undefined) {
      count(403)
      discardRestOfBody(req)
      sendError(res, new ProxyErrors.PROXY_ERR_CROSS_SITE(crossSite))
      return
    }
    const url = req.url ?? '/'
    const kind = classifyPath(url)
    try {
      switch (kind) {
        case 'stateless':
        case 'stateful':
        case 'shared':
        case 'orders':
          inFlight++
          forward(req, res, kind, done)
          return
        case 'dashboard':
          serveDashboard(req, res, options.dashboardDir)
          return
        case 'admin':
          if (url === '/_lb/events' || url.startsWith('/_lb/events?')) {
            if (req.method !== 'GET') {
              sendError(res, new ProxyErrors.PROXY_ERR_METHOD_NOT_ALLOWED('GET /_lb/events only'))
              return
            }
            if (streams.size >= limits.eventSubscribers) {
              count(503)
              sendError(res, overloaded('PROXY_EVENT_SUBSCRIBERS event streams are open'), {}, RETRY_SOON)
              return
            }
            streams.add(res)
            res.once('close', () => streams.delete(res))
            serveEventStream(req, res, plane.events)
            return
          }
          answerAdmin(req, res)
          return
        case 'metrics':
        case 'cluster':
          answerAdmin(req, res)
          return
        default:
          plane.counters.unrouted(404)
          sendError(
            res,
            new ProxyErrors.PROXY_ERR_NOT_FOUND(
              `No route ${req.method} ${url.split('?')[0]}: the proxy serves /stateful, /stateless, /shared, /orders, /_lb, /_cluster, /metrics and the dashboard at /`,
            ),
          )
      }
    } catch (err) {
      sendError(res, new ProxyErrors.PROXY_ERR_INTERNAL((err as Error).message))
    }
  }

  // node answers a missing Host with a bare 400 of its own; refuseBadHost answers JSON.
  // PROXY_REQUEST_TIMEOUT_MS: node's own deadlines, checked every DEADLINE_CHECK_MS: the headers from
  // the connection's first byte (or its opening, for one that sends nothing), the whole request,
  // body included, from its first byte. A request past it gets 408 (clientErrorHandler) and its
  // connection is closed, whatever the forwarder had read of it.
  const server = createServer(
    {
      requireHostHeader: false,
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(DEADLINE_CHECK_MS, limits.requestTimeoutMs),
    },
    handle,
  )
  // longer than any client's idle keep-alive, so the proxy is not the one closing a reused socket
  server.keepAliveTimeout = 65_000 // 65 s
  const connections = capConnections(server, limits.clientConnections, othersOpen)
  // What node:http would otherwise answer by itself, bare or not at all: bad HTTP (400/431 JSON
  // and a closed socket, never a crash), CONNECT and upgrades (never forwarded), Expect.
  server.on('clientError', clientErrorHandler(count, limits.requestTimeoutMs))
  server.on('connect', refuseTunnel('CONNECT', count))
  server.on('upgrade', refuseTunnel('upgrade', count))
  server.on('checkExpectation', refuseExpectation(count))
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    // over the connection cap: the 503 without a 100 Continue, so the body is never sent
    if (connections.isRefused(req.socket)) refuseOverCap(req, res)
    else continueUnderCap(capFor, handle, count)(req, res)
  })

  /** a request on a connection that came in over PROXY_CLIENT_CONNECTIONS: 503, and the connection closes */
  function refuseOverCap(req: IncomingMessage, res: ServerResponse): void {
    count(503)
    discardRestOfBody(req)
    sendError(res, overloaded('PROXY_CLIENT_CONNECTIONS connections are open'), {}, { ...RETRY_SOON, connection: 'close' })
  }

  // the cap answerAdmin or the forwarder would apply to this request's body
  function capFor(req: IncomingMessage): number {
    const kind = classifyPath(req.url ?? '/')
    return kind === 'admin' || kind === 'metrics' || kind === 'cluster' ? ADMIN_BODY_CAP : options.bodyCapBytes
  }

  function answerAdmin(req: IncomingMessage, res: ServerResponse): void {
    inFlight++
    let heldBytes = 0
    let closed = false
    res.once('close', () => {
      closed = true
      budget.release(heldBytes)
      heldBytes = 0
      done()
    })
    readRequestBody(req, ADMIN_BODY_CAP, budget, (result) => {
      if (!result.ok) {
        refuseBody(req, res, result.refusal, { bodyCapBytes: ADMIN_BODY_CAP, counters: plane.counters })
        return
      }
      if (closed) {
        budget.release(result.held)
        return
      }
      heldBytes = result.held
      const url = req.url ?? '/'
      const q = url.indexOf('?')
      const headers: Record<string, string | undefined> = {}
      for (const name of ADMIN_HEADER_NAMES) {
        const v = req.headers[name]
        headers[name] = Array.isArray(v) ? v[0] : v
      }
      const request: AdminRequest = {
        method: req.method ?? 'GET',
        path: q === -1 ? url : url.slice(0, q),
        query: q === -1 ? '' : url.slice(q + 1),
        headers,
        body: result.body?.toString('utf8') ?? '',
      }
      plane.admin(request).then(
        (answer) => {
          if (res.destroyed) return
          res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) })
          res.end(req.method === 'HEAD' ? undefined : answer.body)
        },
        (err: Error) => sendError(res, new ProxyErrors.PROXY_ERR_INTERNAL(err.message)),
      )
    })
  }

  return {
    server,
    shared: { turns, budget },
    usage: () => ({ connections: connections.open, bufferedBytes: budget.heldBytes, eventStreams: streams.size }),
    shutdown(graceMs: number) {
      closing = true
      return new Promise<void>((resolve) => {
        let finished = false
        const finish = () => {
          if (finished) return
          finished = true
          clearTimeout(timer)
          server.closeAllConnections()
          resolve()
        }
        const timer = setTimeout(finish, graceMs)
        timer.unref()
        // behind the fast front (proxy/fast/) this server never listened: its connections were
        // handed to it, and it is done when their requests are (or at the grace)
        if (server.listening) server.close(() => finish())
        else server.closeIdleConnections()
        // streams never end by themselves; idle keep-alive sockets are closed by close()
        for (const res of streams) res.end()
        if (inFlight === 0) finish()
        else onIdle = finish
      })
    },
  }
}
