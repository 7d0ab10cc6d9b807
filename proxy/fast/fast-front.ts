import { createServer, type Server, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import type { NetEngine } from '../forward/engines/net-engine.js'
import { createHttpFront, type FrontOptions, type HttpFront, type ProxyPlane } from '../front/http-front.js'
import type { FrontUsage } from '../state/status.js'
import { CustomerConnection, type FastContext } from './customer-connection.js'

/**
 * PROXY_ENGINE=fast: the customer side on node:net in front of the node:http front. The dialogue
 * routes and /orders are read and forwarded here, on byte ranges (customer-connection.ts), with
 * the same exchange as node:http's (forward/exchange.ts: policies, sticky cookie, redispatch,
 * retries, route table, deadlines, Idempotency-Key, counters, events) and the clerk lines of
 * clerk-lines.ts, which the node:http front's net engine forwards on too; everything else, and every request this path does not take, is handed to
 * the node:http front with its connection, before any answer is owed on it: the dashboard, the
 * admin API and its event stream, /metrics, /_cluster, unknown paths, browsers' requests (Origin,
 * Sec-Fetch-Site: the cross-site rule), Expect, Upgrade, CONNECT, chunked bodies, not HTTP/1.1,
 * and anything strict llhttp refuses (node:http, whose parser is llhttp too, refuses it exactly
 * as without this front).
 *
 * Both fronts share one balancer turn per route, one body budget (PROXY_REQUEST_BUFFER_BYTES) and
 * one connection cap (PROXY_CLIENT_CONNECTIONS: a connection over it goes to node:http at once,
 * which answers its first request 503). A customer that shuts down its side has left, as on
 * node:http (no allowHalfOpen): its request in flight is abandoned and the clerk's line freed.
 */

export interface ProxyFront {
  readonly server: Server
  usage(): FrontUsage
  shutdown(graceMs: number): Promise<void>
}

/** how often request deadlines and idle keep-alive connections are checked (as node:http's connectionsCheckingInterval) */
const CHECK_MS = 1_000 // 1 s

export function createFastFront(plane: ProxyPlane, engine: NetEngine, options: FrontOptions): ProxyFront {
  const { limits } = options
  const connections = new Set<CustomerConnection>()
  const http: HttpFront = createHttpFront(plane, engine, options, () => connections.size)
  // one pool of lines per clerk for both fronts: the net engine's (it closes them with the engine)
  const lines = engine.lines
  let inFlight = 0
  let onIdle: (() => void) | undefined

  const context: FastContext = {
    deps: { view: plane.view, counters: plane.counters, turns: http.shared.turns, upstreamTimeoutMs: options.upstreamTimeoutMs },
    lines,
    budget: http.shared.budget,
    bodyCapBytes: options.bodyCapBytes,
    requestTimeoutMs: limits.requestTimeoutMs,
    closing: false,
    handOver(socket: Socket, bytes: Buffer | undefined) {
      if (bytes !== undefined) socket.unshift(bytes)
      http.server.emit('connection', socket)
      // node:http's 'data' listener does not restart a paused socket by itself
      socket.resume()
    },
    started() {
      inFlight++
    },
    done() {
      inFlight--
      if (inFlight === 0) onIdle?.()
    },
    gone(connection) {
      connections.delete(connection)
    },
  }

  const server = createServer({ noDelay: true }, (socket) => {
    // over PROXY_CLIENT_CONNECTIONS: node:http's cap answers its first request 503 and closes it
    if (context.closing || connections.size + http.usage().connections >= limits.clientConnections) {
      context.handOver(socket, undefined)
      return
    }
    connections.add(new CustomerConnection(socket, context))
  })

  const sweep = setInterval(
    () => {
      const now = performance.now()
      for (const connection of connections) connection.check(now)
    },
    Math.min(CHECK_MS, limits.requestTimeoutMs),
  )
  sweep.unref()

  return {
    server,
    usage() {
      const theirs = http.usage()
      return { ...theirs, connections: connections.size + theirs.connections }
    },
    async shutdown(graceMs: number) {
      context.closing = true
      server.close()
      for (const connection of connections) connection.closeIfIdle()
      const ours = new Promise<void>((resolve) => {
        const timer = setTimeout(finish, graceMs)
        timer.unref()
        function finish(): void {
          clearTimeout(timer)
          clearInterval(sweep)
          for (const connection of connections) connection.socket.destroy()
          resolve()
        }
        if (inFlight === 0) finish()
        else onIdle = finish
      })
      await Promise.all([ours, http.shutdown(graceMs)])
    },
  }
}
