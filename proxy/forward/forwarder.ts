import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AffinityRequest } from '../balance/affinity.js'
import { ProxyErrors, overloaded, RETRY_SOON, sendError, type ProxyErrorLike } from '../errors.js'
import type { RouteKey } from '../../services/common/vocabulary.js'
import { discardRestOfBody, readRequestBody, type BodyBudget } from '../front/request-body.js'
import type { Counters } from '../state/counters.js'
import type { Upstream } from '../state/upstream.js'
import type { ForwardCallbacks, ForwardEngine, ForwardRequest } from './engines/engine.js'
import { Exchange, type Abortable, type CustomerPort, type CustomerStream, type ExchangeDeps, type ProxyLines } from './exchange.js'
import { saysClose } from './failures.js'
import { rawHeaderValue, requestHeadersForClerk, responseHeadersForCustomer, setRequestDeadline } from './headers.js'

export interface ForwarderDeps extends ExchangeDeps {
  engine: ForwardEngine
  /** request-body bytes held over all requests (PROXY_REQUEST_BUFFER_BYTES) */
  budget: BodyBudget
  bodyCapBytes: number
}

/** forwards one request; `done` is called once, when the customer's response is closed */
export type Forward = (req: IncomingMessage, res: ServerResponse, route: RouteKey, done: () => void) => void

/**
 * The node:http front's way to a clerk: buffer the body, then one Exchange (exchange.ts: policy,
 * retries, deadlines) over this request and its ServerResponse. Every path ends the response.
 */
export function createForwarder(deps: ForwarderDeps): Forward {
  return function forward(req, res, route, done) {
    let exchange: Exchange<string[]> | undefined
    let heldBytes = 0
    let closed = false
    // one listener per request: the end of the response, or a customer who left before it
    res.once('close', () => {
      closed = true
      exchange?.customerGone()
      deps.budget.release(heldBytes)
      heldBytes = 0
      done()
    })
    // CONNECT and upgrades never get here: the HTTP front refuses them (protocol-refusals.ts)
    readRequestBody(req, deps.bodyCapBytes, deps.budget, (result) => {
      if (!result.ok) {
        refuseBody(req, res, result.refusal, deps)
        return
      }
      if (closed) {
        // the customer left as the body's last bytes came in: nobody to forward it for
        deps.budget.release(result.held)
        return
      }
      heldBytes = result.held
      exchange = new Exchange(deps, new NodeHttpCustomer(req, res, result.body, deps.engine), route)
      exchange.start()
    })
  }
}

/** the answer to a body the proxy will not hold (413, 503), or nothing to a customer who broke off */
export function refuseBody(req: IncomingMessage, res: ServerResponse, refusal: 'too_large' | 'busy' | 'broken', limits: { bodyCapBytes: number; counters: Counters }): void {
  if (refusal === 'broken') {
    res.destroy() // the customer's request broke off (or ran out of time): nobody to answer
    return
  }
  const tooLarge = refusal === 'too_large'
  limits.counters.unrouted(tooLarge ? 413 : 503)
  discardRestOfBody(req)
  if (tooLarge) sendError(res, new ProxyErrors.PROXY_ERR_BODY_TOO_LARGE(limits.bodyCapBytes))
  else sendError(res, overloaded('the request bodies it holds are at PROXY_REQUEST_BUFFER_BYTES'), {}, RETRY_SOON)
}

/** One request of the node:http front, as an exchange sees it: header strings in, writeHead out. */
class NodeHttpCustomer implements CustomerPort<string[]> {
  readonly method: string
  readonly path: string
  readonly hasIdempotencyKey: boolean
  readonly affinity: AffinityRequest
  private request: ForwardRequest | undefined

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly body: Buffer | undefined,
    private readonly engine: ForwardEngine,
  ) {
    this.method = req.method ?? 'GET'
    this.path = req.url ?? '/'
    this.hasIdempotencyKey = req.headers['idempotency-key'] !== undefined
    this.affinity = req
  }

  prepare(proxyKey: string | undefined): void {
    const headers = requestHeadersForClerk(this.req.rawHeaders, this.body?.length ?? 0, this.req.socket.remoteAddress)
    if (proxyKey !== undefined) headers.push('idempotency-key', proxyKey)
    this.request = { method: this.method, path: this.path, headers, body: this.body }
  }

  send(upstream: Upstream, deadlineEpochMs: number, callbacks: ForwardCallbacks<string[]>): Abortable {
    const request = this.request as ForwardRequest
    setRequestDeadline(request.headers, deadlineEpochMs)
    return { abort: this.engine.forward(upstream, request, callbacks) }
  }

  closes(rawHeaders: string[]): boolean {
    return saysClose(rawHeaders)
  }

  answer(statusCode: number, rawHeaders: string[], body: Buffer, lines: ProxyLines): void {
    const headers = withProxyLines(responseHeadersForCustomer(rawHeaders), lines)
    // a HEAD answer has no body but the length a GET would have (RFC 9110 §9.3.2)
    const length = this.method === 'HEAD' ? (rawHeaderValue(rawHeaders, 'content-length') ?? '0') : String(body.length)
    headers.push('content-length', length)
    try {
      this.res.writeHead(statusCode, headers)
      this.res.end(body)
    } catch {
      // a header the clerk sent that node refuses to write: not the customer's fault, but all we can do
      this.res.destroy()
    }
  }

  stream(statusCode: number, rawHeaders: string[], lines: ProxyLines): CustomerStream {
    const res = this.res
    try {
      res.writeHead(statusCode, withProxyLines(responseHeadersForCustomer(rawHeaders), lines))
      res.flushHeaders()
    } catch {
      res.destroy()
    }
    return {
      write: (chunk) => res.write(chunk),
      end: () => res.end(),
      destroy: () => res.destroy(),
    }
  }

  fail(error: ProxyErrorLike, details: Record<string, unknown>, lines: ProxyLines): void {
    const headers: Record<string, string> = {}
    if (lines.retries > 0) headers['x-retried'] = String(lines.retries)
    if (lines.redispatched) headers['x-redispatched'] = '1'
    sendError(this.res, error, details, headers)
  }
}

function withProxyLines(headers: string[], lines: ProxyLines): string[] {
  if (lines.retries > 0) headers.push('x-retried', String(lines.retries))
  if (lines.redispatched) headers.push('x-redispatched', '1')
  if (lines.setCookie !== undefined) headers.push('set-cookie', lines.setCookie)
  return headers
}
