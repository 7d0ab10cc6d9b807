import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import { stickySetCookie } from '../balance/affinity.js'
import { pinConnection } from '../balance/connection-pins.js'
import { choose, type Policy } from '../balance/policy.js'
import { ProxyErrors, overloaded, RETRY_SOON, sendError, type ProxyErrorLike } from '../errors.js'
import { ROUTES, type RouteKey } from '../../services/common/vocabulary.js'
import { discardRestOfBody, readRequestBody, type BodyBudget } from '../front/request-body.js'
import type { Counters } from '../state/counters.js'
import type { Upstream } from '../state/upstream.js'
import { EngineError, type ForwardCallbacks, type ForwardEngine, type ForwardRequest, type StreamSink } from './engines/engine.js'
import { FAILURES, classifyFailure, failureToError, isClosingRefusal, type UpstreamFailure } from './failures.js'
import { rawHeaderValue, requestHeadersForClerk, responseHeadersForCustomer, setRequestDeadline } from './headers.js'
import { decideRetry } from './retry-rules.js'
import type { RouteLookup, RouteRetryPolicy } from './route-table.js'

/** What the forwarder reads to route: the clerks' state and the policy per route. */
export interface RoutingView {
  readonly upstreams: readonly Upstream[]
  readonly policies: Readonly<Record<RouteKey, Policy>>
  /** the route table (retry policy, per-try timeout, deadline per route); replaced when it changes */
  readonly routes: RouteLookup
}

export interface ForwarderDeps {
  view: RoutingView
  counters: Counters
  engine: ForwardEngine
  /** request-body bytes held over all requests (PROXY_REQUEST_BUFFER_BYTES) */
  budget: BodyBudget
  bodyCapBytes: number
  /** PROXY_UPSTREAM_TIMEOUT_MS: the engines' own deadline per attempt, the longest any route may have */
  upstreamTimeoutMs: number
}

/**
 * The pause before an answer is retried on the clerk that gave it (route-table.ts
 * `retryStatusesOn: same-clerk`), times the attempts made: 100 ms, then 200 ms. A clerk whose Redis
 * call timed out fails fast until Redis answers its next probe (100 ms apart, services/clerk/
 * redis-breaker.ts), so an immediate retry would meet the same 503.
 */
export const SAME_CLERK_PAUSE_MS = 100 // 0.1 s

/** forwards one request; `done` is called once, when the customer's response is closed */
export type Forward = (req: IncomingMessage, res: ServerResponse, route: RouteKey, done: () => void) => void

/**
 * The hot path: buffer the body, pick a clerk by the route's policy, forward, and on failure ask
 * the retry rules whether another clerk may have it, within the route's retry policy, per-try
 * timeout and deadline (route-table.ts). Every path ends the customer's response.
 */
export function createForwarder(deps: ForwarderDeps): Forward {
  // the balancers' turn counter, one per route
  const turns = Object.fromEntries(ROUTES.map((route) => [route, 0])) as Record<RouteKey, number>

  function nextTurn(route: RouteKey): number {
    const t = turns[route]
    turns[route] = t >= 0x3fffffff ? 0 : t + 1
    return t
  }

  return function forward(req, res, route, done) {
    let exchange: Exchange | undefined
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
    const method = req.method ?? 'GET'
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
      exchange = new Exchange(deps, req, res, route, method, result.body, nextTurn)
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

/** One customer request and its attempts. */
class Exchange implements ForwardCallbacks {
  private readonly startedAt = performance.now()
  private readonly tried = new Set<string>()
  private readonly request: ForwardRequest
  private readonly policy: Policy
  private readonly retryPolicy: RouteRetryPolicy
  /** when the whole request must be answered (performance.now() ms) */
  private readonly deadlineAt: number
  /** the customer sent an Idempotency-Key, or the route gave a keyless request one of the proxy's */
  private readonly hasIdempotencyKey: boolean
  /** the attempt's own timer, when it ends before the engine's (a per-try timeout, a deadline's rest) */
  private attemptTimer: NodeJS.Timeout | undefined
  private attempts = 0
  private retries = 0
  private current: Upstream | undefined
  private abortAttempt: (() => void) | undefined
  private setCookie: string | undefined
  private redispatched = false
  private finished = false
  /** an event stream is flowing from `current` to the customer (onStream) */
  private streaming = false

  constructor(
    private readonly deps: ForwarderDeps,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly route: RouteKey,
    private readonly method: string,
    body: Buffer | undefined,
    private readonly nextTurn: (route: RouteKey) => number,
  ) {
    this.policy = deps.view.policies[route]
    const path = req.url ?? '/'
    this.retryPolicy = deps.view.routes.policyFor(route, path)
    this.deadlineAt = this.startedAt + (this.retryPolicy.deadlineMs ?? deps.upstreamTimeoutMs)
    const headers = requestHeadersForClerk(req.rawHeaders, body?.length ?? 0, req.socket.remoteAddress)
    const customerKey = req.headers['idempotency-key'] !== undefined
    // A keyless pay gets a key of the proxy's own, the same on every attempt: the ledger then
    // turns a retried pay into the same order in every mode, explicit stateless fields included
    // (docs/contract.md "Route table"). Random (122 bits), so it names this one request only.
    if (!customerKey && this.retryPolicy.proxyIdempotencyKey && method === 'POST') headers.push('idempotency-key', `lb-${randomUUID()}`)
    this.hasIdempotencyKey = customerKey || this.retryPolicy.proxyIdempotencyKey
    this.request = { method, path, headers, body }
  }

  start(): void {
    this.next()
  }

  /** a customer who leaves while we wait for a clerk: abort the attempt, free its connection */
  customerGone(): void {
    if (this.finished && !this.streaming) return
    this.finished = true
    this.clearAttemptTimer()
    this.stopStreaming()
    this.abortAttempt?.()
    this.release()
  }

  /** the open stream (if any) is over: its clerk counts one fewer (Upstream.openStreams) */
  private stopStreaming(): void {
    if (!this.streaming) return
    this.streaming = false
    if (this.current !== undefined) this.current.openStreams--
  }

  private clearAttemptTimer(): void {
    if (this.attemptTimer !== undefined) clearTimeout(this.attemptTimer)
    this.attemptTimer = undefined
  }

  private release(): void {
    if (this.current !== undefined) {
      this.current.inFlight--
      this.current = undefined
    }
  }

  /** the policy's choice for the next attempt; the forwarder turns it into counts and a Set-Cookie */
  private pick(): Upstream | undefined {
    const choice = choose(this.policy, this.deps.view.upstreams, this.req, () => this.nextTurn(this.route), this.tried)
    if (choice === undefined) return undefined
    const { upstream, redispatchedFrom } = choice
    if (redispatchedFrom !== undefined && !this.redispatched) {
      this.redispatched = true
      this.deps.counters.redispatched(redispatchedFrom, upstream)
    }
    // mcp-session pins browsers by the cookie too (an MCP client is pinned by its session id)
    if (choice.pin === 'cookie' || choice.pin === 'mcp-session') this.setCookie = stickySetCookie(upstream.cookieId, this.route)
    if (choice.pin === 'connection') pinConnection(this.req.socket, upstream.id)
    return upstream
  }

  private next(): void {
    const upstream = this.pick()
    if (upstream === undefined) {
      this.deps.counters.unrouted(503)
      this.fail(new ProxyErrors.PROXY_ERR_NO_UPSTREAM(describeNoUpstream(this.deps.view.upstreams)), 'no clerk is healthy and undrained')
      return
    }
    this.send(upstream)
  }

  private send(upstream: Upstream): void {
    // This attempt ends at its route's per-try timeout or at the request's deadline, whichever
    // comes first. The engine's own deadline (PROXY_UPSTREAM_TIMEOUT_MS) is the backstop; when
    // this one is shorter the forwarder keeps its own timer and abandons the attempt itself.
    const remaining = Math.max(1, Math.floor(this.deadlineAt - performance.now()))
    const perTry = this.retryPolicy.perTryTimeoutMs
    this.attempts++
    this.tried.add(upstream.id)
    // a per-try timeout only when another clerk could take the request after it (a single clerk
    // keeps the whole deadline, as without one)
    const attemptMs = perTry !== null && perTry < remaining && this.anotherAttemptPossible() ? perTry : remaining
    // The attempt's deadline, told to the clerk: a clerk that gets the request late (it was
    // SIGSTOPped, or starved), or whose attempt was abandoned at its per-try timeout, must not
    // charge a payment after the proxy stopped waiting for it. The clerk hands it to the ledger,
    // whose script refuses a charge past it (ledger.ts).
    setRequestDeadline(this.request.headers, Date.now() + attemptMs)
    this.current = upstream
    upstream.inFlight++
    this.clearAttemptTimer()
    if (attemptMs < this.deps.upstreamTimeoutMs) {
      const code = attemptMs < remaining ? 'PROXY_PER_TRY_TIMEOUT' : 'PROXY_UPSTREAM_TIMEOUT'
      this.attemptTimer = setTimeout(() => this.abandonAttempt(code), attemptMs)
    }
    this.abortAttempt = this.deps.engine.forward(upstream, this.request, this)
  }

  /**
   * The attempt's own timer fired: abort it (no engine callback follows) and treat it as its
   * failure. A per-try timeout with no clerk left to try (a single clerk, every one tried, or the
   * route's attempts spent) abandons nothing: the attempt keeps the rest of the request's deadline.
   */
  private abandonAttempt(code: 'PROXY_PER_TRY_TIMEOUT' | 'PROXY_UPSTREAM_TIMEOUT'): void {
    this.attemptTimer = undefined
    if (this.finished || this.current === undefined) return
    if (code === 'PROXY_PER_TRY_TIMEOUT' && !this.anotherAttemptPossible()) {
      const rest = Math.max(1, Math.floor(this.deadlineAt - performance.now()))
      this.attemptTimer = setTimeout(() => this.abandonAttempt('PROXY_UPSTREAM_TIMEOUT'), rest)
      return
    }
    this.abortAttempt?.()
    this.onError(new EngineError(code, code === 'PROXY_PER_TRY_TIMEOUT' ? "the route's per-try timeout passed" : "the request's deadline passed"), true)
  }

  onResponse(statusCode: number, rawHeaders: string[], body: Buffer): void {
    const upstream = this.current
    if (this.finished || upstream === undefined) return
    this.clearAttemptTimer()
    const refusal = isClosingRefusal(statusCode, rawHeaders, upstream.id)
    // a clerk shutting down turned the request away: another clerk may take it; if none can,
    // the customer gets the clerk's own 503
    if (refusal !== undefined && this.retryElsewhere(upstream, refusal)) return
    // an answer the route retries (retryOnStatuses), when repeating is harmless and a clerk is left
    if (refusal === undefined && this.retryPolicy.retryOnStatuses.includes(statusCode) && this.retryAnswer(upstream, statusCode)) return
    this.release()
    this.finished = true
    if (this.setCookie !== undefined) this.deps.counters.pinned(upstream)
    // a refusal passed through was already counted as a failed attempt
    if (refusal === undefined) this.deps.counters.answered(upstream, statusCode, (performance.now() - this.startedAt) / 1000)
    this.deps.counters.outcome(this.route, this.request.path, statusCode, body)
    const headers = responseHeadersForCustomer(rawHeaders)
    if (this.retries > 0) headers.push('x-retried', String(this.retries))
    if (this.redispatched) headers.push('x-redispatched', '1')
    if (this.setCookie !== undefined) headers.push('set-cookie', this.setCookie)
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

  /** an event stream (engine.ts: onStream): its headers now, each chunk as it comes, unbuffered */
  onStream(statusCode: number, rawHeaders: string[]): StreamSink {
    const upstream = this.current
    const ignore: StreamSink = { data() {}, end() {}, broke() {} }
    if (this.finished || upstream === undefined) return ignore
    this.finished = true
    this.streaming = true
    upstream.openStreams++
    if (this.setCookie !== undefined) this.deps.counters.pinned(upstream)
    // its duration is the time to the first byte: a stream may then last minutes
    this.deps.counters.answered(upstream, statusCode, (performance.now() - this.startedAt) / 1000)
    const headers = responseHeadersForCustomer(rawHeaders)
    if (this.retries > 0) headers.push('x-retried', String(this.retries))
    if (this.redispatched) headers.push('x-redispatched', '1')
    if (this.setCookie !== undefined) headers.push('set-cookie', this.setCookie)
    try {
      this.res.writeHead(statusCode, headers)
      this.res.flushHeaders()
    } catch {
      this.res.destroy()
    }
    // the clerk stays counted in flight while its stream is open (a drained clerk keeps it)
    const stop = (): void => {
      if (!this.streaming) return
      this.stopStreaming()
      this.release()
    }
    return {
      data: (chunk) => {
        if (this.streaming) this.res.write(chunk)
      },
      end: () => {
        if (!this.streaming) return
        stop()
        this.res.end()
      },
      // a clerk that died mid-stream: the customer's stream ends at once (an SSE client sees the
      // cut and may resume elsewhere with Last-Event-ID), never a hang
      broke: () => {
        if (!this.streaming) return
        stop()
        this.res.destroy()
      },
    }
  }

  onError(err: unknown, written: boolean): void {
    const upstream = this.current
    if (this.finished || upstream === undefined) return
    this.clearAttemptTimer()
    const failure = classifyFailure(err, written, upstream.id)
    if (FAILURES[failure.kind].fault === 'customer') {
      // the customer's request, not the clerk: no clerk's counters or health, no retry (a 400)
      this.release()
      const error = failureToError(failure)
      this.deps.counters.unrouted(error.statusCode ?? 400)
      this.fail(error, failure.reason)
      return
    }
    if (!this.retryElsewhere(upstream, failure)) this.fail(failureToError(failure), failure.reason, upstream.id)
  }

  /** counts the failed attempt; when the retry rules allow it and a clerk is left, sends it there */
  private retryElsewhere(upstream: Upstream, failure: UpstreamFailure): boolean {
    this.release()
    this.deps.counters.attemptFailed(upstream, failure, failureToError(failure).statusCode ?? 502)
    const decision = decideRetry(
      { attempt: this.attempts, failure, method: this.method, hasIdempotencyKey: this.hasIdempotencyKey, remainingMs: this.deadlineAt - performance.now() },
      this.retryPolicy,
    )
    if (!decision.retry) return false
    const next = this.pick()
    if (next === undefined) return false
    this.retries++
    this.deps.counters.retried(upstream, next, failure.kind, this.retryPolicy.prefix)
    this.send(next)
    return true
  }

  /** would a per-try timeout now be retried on another clerk? (no counting, no cookie) */
  private anotherAttemptPossible(): boolean {
    const question = { attempt: this.attempts, failure: { kind: 'per_try_timeout' as const }, method: this.method, hasIdempotencyKey: this.hasIdempotencyKey }
    if (!decideRetry({ ...question, remainingMs: this.deadlineAt - performance.now() }, this.retryPolicy).retry) return false
    return choose(this.policy, this.deps.view.upstreams, this.req, () => 0, this.tried) !== undefined
  }

  /**
   * An answer with a status the route retries: counted as answered, then sent again when allowed:
   * to another clerk, or (`retryStatusesOn: same-clerk`) back to the clerk that answered, which
   * holds the dialogue, after a pause that grows with each attempt (its Redis, say, gets a moment
   * to answer again), and only while it is in rotation and the deadline leaves room for the pause.
   */
  private retryAnswer(upstream: Upstream, statusCode: number): boolean {
    const decision = decideRetry(
      { attempt: this.attempts, status: statusCode, method: this.method, hasIdempotencyKey: this.hasIdempotencyKey, remainingMs: this.deadlineAt - performance.now() },
      this.retryPolicy,
    )
    if (!decision.retry) return false
    const sameClerk = this.retryPolicy.retryStatusesOn === 'same-clerk'
    const pauseMs = sameClerk ? SAME_CLERK_PAUSE_MS * this.attempts : 0
    if (sameClerk && (!upstream.healthy || pauseMs >= this.deadlineAt - performance.now())) return false
    const next = sameClerk ? upstream : this.pick()
    if (next === undefined) return false
    this.release()
    this.deps.counters.answered(upstream, statusCode, (performance.now() - this.startedAt) / 1000)
    this.retries++
    this.deps.counters.retried(upstream, next, 'retry-on-status', this.retryPolicy.prefix)
    if (pauseMs === 0) {
      this.send(next)
      return true
    }
    // nothing is in flight while the pause runs: a customer who leaves clears this timer
    this.abortAttempt = undefined
    this.attemptTimer = setTimeout(() => {
      this.attemptTimer = undefined
      if (!this.finished) this.send(next)
    }, pauseMs)
    return true
  }

  private fail(error: ProxyErrorLike, reason: string, clerk?: string): void {
    if (this.finished) return
    this.finished = true
    this.deps.counters.outcome(this.route, this.request.path, error.statusCode ?? 502)
    const headers: Record<string, string> = {}
    if (this.retries > 0) headers['x-retried'] = String(this.retries)
    if (this.redispatched) headers['x-redispatched'] = '1'
    sendError(this.res, error, clerk === undefined ? { reason } : { reason, clerk }, headers)
  }
}

function describeNoUpstream(upstreams: readonly Upstream[]): string {
  const down = upstreams.filter((u) => !u.healthy).length
  const drained = upstreams.filter((u) => u.healthy && u.drained).length
  return `${upstreams.length} clerk(s): ${down} down, ${drained} drained`
}
