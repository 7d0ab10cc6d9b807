import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { AffinityRequest } from '../balance/affinity.js'
import { stickySetCookie } from '../balance/affinity.js'
import { pinConnection } from '../balance/connection-pins.js'
import type { TriedClerks } from '../balance/pickers.js'
import { canChoose, choose, type Policy } from '../balance/policy.js'
import { ProxyErrors, type ProxyErrorLike } from '../errors.js'
import { ROUTES, type RouteKey } from '../../services/common/vocabulary.js'
import type { Counters } from '../state/counters.js'
import type { Upstream } from '../state/upstream.js'
import { EngineError, type ForwardCallbacks, type StreamSink } from './engines/engine.js'
import { FAILURES, classifyFailure, closingFailure, failureToError, type UpstreamFailure } from './failures.js'
import { decideRetry } from './retry-rules.js'
import type { RouteLookup, RouteRetryPolicy } from './route-table.js'

/** What the forwarder reads to route: the clerks' state and the policy per route. */
export interface RoutingView {
  readonly upstreams: readonly Upstream[]
  readonly policies: Readonly<Record<RouteKey, Policy>>
  /** the route table (retry policy, per-try timeout, deadline per route); replaced when it changes */
  readonly routes: RouteLookup
}

/** What every exchange shares, whichever front took its request. */
export interface ExchangeDeps {
  view: RoutingView
  counters: Counters
  turns: BalancerTurns
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

/**
 * The balancers' turn counter, one per route, shared by every front of a process: a client pool
 * that holds one connection on each front must still see round-robin alternate.
 */
export class BalancerTurns {
  private readonly turns = Object.fromEntries(ROUTES.map((route) => [route, 0])) as Record<RouteKey, number>
  /** per route, the function policy.ts choose() calls to take a turn: made once, not per request */
  readonly taker = Object.fromEntries(ROUTES.map((route) => [route, () => this.next(route)])) as Record<RouteKey, () => number>

  next(route: RouteKey): number {
    const t = this.turns[route]
    this.turns[route] = t >= 0x3fffffff ? 0 : t + 1
    return t
  }
}

/** how often the attempts' own deadlines are checked: one may end this much after its time, never before */
const DEADLINE_SWEEP_MS = 10 // 0.01 s

/** What the sweep holds: an exchange whose attempt has a deadline, linked to the others through its own fields. */
interface Due {
  duePrev: Due | undefined
  dueNext: Due | undefined
  checkDeadline(now: number): void
}

/**
 * The attempts' own deadlines (a per-try timeout, the rest of a request's deadline), checked by one
 * interval for every exchange of the process instead of a timer per attempt: an attempt set and
 * cleared a timer on every request. It runs only while an attempt has a deadline.
 *
 * The exchanges are a list linked through their own fields, not a Set: a long-lived Set that
 * every request is added to and deleted from kept its deleted entries reachable until it was
 * compacted, so every exchange and all it held survived the young generation's collections and
 * went to the old one (measured: 98 % of the survivors promoted, a major collection every 2.5 s
 * under load; 0 % with the list).
 */
class DeadlineSweep {
  private head: Due | undefined
  private timer: NodeJS.Timeout | undefined

  add(due: Due): void {
    due.duePrev = undefined
    due.dueNext = this.head
    if (this.head !== undefined) this.head.duePrev = due
    this.head = due
    if (this.timer === undefined) {
      this.timer = setInterval(this.tick, DEADLINE_SWEEP_MS)
      this.timer.unref()
    }
  }

  /** only for a `due` that was added and not yet deleted */
  delete(due: Due): void {
    if (due.duePrev !== undefined) due.duePrev.dueNext = due.dueNext
    else this.head = due.dueNext
    if (due.dueNext !== undefined) due.dueNext.duePrev = due.duePrev
    due.duePrev = undefined
    due.dueNext = undefined
  }

  private readonly tick = (): void => {
    const now = performance.now()
    // a check may delete its own exchange (and add it again at the head): the next one is read first
    for (let due = this.head; due !== undefined;) {
      const next = due.dueNext
      due.checkDeadline(now)
      due = next
    }
    if (this.head === undefined) {
      clearInterval(this.timer)
      this.timer = undefined
    }
  }
}

const deadlines = new DeadlineSweep()
const PER_TRY_TIMEOUT = Object.freeze({ kind: 'per_try_timeout' as const })

/** The headers the proxy adds to a clerk's answer (or to its own error): what the exchange did. */
export interface ProxyLines {
  readonly retries: number
  readonly redispatched: boolean
  /** the sticky cookie to hand the customer, when the policy pinned it to a clerk just now */
  readonly setCookie: string | undefined
}

/** An attempt in flight: abort() stops it, and no engine callback follows. */
export interface Abortable {
  abort(): void
}

/** Where a streamed answer goes on the customer's side. */
export interface CustomerStream {
  write(chunk: Buffer): void
  end(): void
  /** the clerk broke off: the customer's stream is cut at once (never a hang) */
  destroy(): void
}

/**
 * One customer request as the front that took it holds it: what the exchange reads of it, how an
 * attempt goes out (the front's request form and engine), and how the customer is answered. The
 * node:http front's is node-http-customer.ts (header strings, ServerResponse); the fast path's is
 * its connection itself (proxy/fast/: byte ranges, one socket write).
 */
export interface CustomerPort<A> {
  /** the request's method and its path and query */
  readonly method: string
  readonly path: string
  /** the customer sent an Idempotency-Key */
  readonly hasIdempotencyKey: boolean
  /** what the policy's affinity reads: the Cookie and Mcp-Session-Id headers, the connection */
  readonly affinity: AffinityRequest
  /** makes the request for clerks, once; `proxyKey`: an Idempotency-Key of the proxy's own to add */
  prepare(proxyKey: string | undefined): void
  /** sends the request to `upstream`, telling it the attempt's deadline (ms since the epoch) */
  send(upstream: Upstream, deadlineEpochMs: number, callbacks: ForwardCallbacks<A>): Abortable
  /** a 503 with Connection: close: the clerk is shutting down and did nothing with the request */
  closes(answer: A): boolean
  answer(statusCode: number, answer: A, body: Buffer, lines: ProxyLines): void
  stream(statusCode: number, answer: A, lines: ProxyLines): CustomerStream
  fail(error: ProxyErrorLike, details: Record<string, unknown>, lines: ProxyLines): void
}

/**
 * One customer request and its attempts: pick a clerk by the route's policy, forward, and on
 * failure ask the retry rules whether another clerk may have it, within the route's retry policy,
 * per-try timeout and deadline (route-table.ts). Every path ends in exactly one of the port's
 * answer, stream or fail, unless the customer left first (customerGone).
 */
export class Exchange<A> implements ForwardCallbacks<A>, ProxyLines, Due {
  private readonly startedAt = performance.now()
  private readonly tried = new ClerksTried()
  private readonly policy: Policy
  private readonly retryPolicy: RouteRetryPolicy
  /** when the whole request must be answered (performance.now() ms) */
  private readonly deadlineAt: number
  /** the customer sent an Idempotency-Key, or the route gave a keyless request one of the proxy's */
  private readonly hasIdempotencyKey: boolean
  /** the attempt's own deadline (performance.now() ms, 0 for none), when it ends before the engine's (DeadlineSweep) */
  private dueAt = 0
  private dueCode: 'PROXY_PER_TRY_TIMEOUT' | 'PROXY_UPSTREAM_TIMEOUT' = 'PROXY_UPSTREAM_TIMEOUT'
  /** DeadlineSweep's links */
  duePrev: Due | undefined = undefined
  dueNext: Due | undefined = undefined
  /** the pause before a same-clerk retry (retryAnswer) */
  private pauseTimer: NodeJS.Timeout | undefined
  private attempts = 0
  retries = 0
  private current: Upstream | undefined
  private attempt: Abortable | undefined
  setCookie: string | undefined
  redispatched = false
  private finished = false
  /** an event stream is flowing from `current` to the customer (onStream) */
  private streaming = false

  constructor(
    private readonly deps: ExchangeDeps,
    private readonly port: CustomerPort<A>,
    private readonly route: RouteKey,
  ) {
    this.policy = deps.view.policies[route]
    this.retryPolicy = deps.view.routes.policyFor(route, port.path)
    this.deadlineAt = this.startedAt + (this.retryPolicy.deadlineMs ?? deps.upstreamTimeoutMs)
    // A keyless pay gets a key of the proxy's own, the same on every attempt: the ledger then
    // turns a retried pay into the same order in every mode, explicit stateless fields included
    // (docs/contract.md "Route table"). Random (122 bits), so it names this one request only.
    const proxyKey = !port.hasIdempotencyKey && this.retryPolicy.proxyIdempotencyKey && port.method === 'POST' ? `lb-${randomUUID()}` : undefined
    port.prepare(proxyKey)
    this.hasIdempotencyKey = port.hasIdempotencyKey || this.retryPolicy.proxyIdempotencyKey
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
    this.attempt?.abort()
    this.release()
  }

  /** the open stream (if any) is over: its clerk counts one fewer (Upstream.openStreams) */
  private stopStreaming(): void {
    if (!this.streaming) return
    this.streaming = false
    if (this.current !== undefined) this.current.openStreams--
  }

  private clearAttemptTimer(): void {
    if (this.dueAt !== 0) {
      deadlines.delete(this)
      this.dueAt = 0
    }
    if (this.pauseTimer !== undefined) clearTimeout(this.pauseTimer)
    this.pauseTimer = undefined
  }

  /** the attempt ends at `ms` from now unless it is settled first */
  private armDeadline(ms: number, code: 'PROXY_PER_TRY_TIMEOUT' | 'PROXY_UPSTREAM_TIMEOUT'): void {
    this.dueAt = performance.now() + ms
    this.dueCode = code
    deadlines.add(this)
  }

  /** DeadlineSweep's check */
  checkDeadline(now: number): void {
    if (now < this.dueAt) return
    deadlines.delete(this)
    this.dueAt = 0
    this.abandonAttempt(this.dueCode)
  }

  private release(): void {
    if (this.current !== undefined) {
      this.current.inFlight--
      this.current = undefined
    }
  }

  /** the policy's choice for the next attempt; the exchange turns it into counts and a Set-Cookie */
  private pick(): Upstream | undefined {
    const choice = choose(this.policy, this.deps.view.upstreams, this.port.affinity, this.deps.turns.taker[this.route], this.tried)
    if (choice === undefined) return undefined
    const { upstream, redispatchedFrom } = choice
    if (redispatchedFrom !== undefined && !this.redispatched) {
      this.redispatched = true
      this.deps.counters.redispatched(redispatchedFrom, upstream)
    }
    // mcp-session pins browsers by the cookie too (an MCP client is pinned by its session id)
    if (choice.pin === 'cookie' || choice.pin === 'mcp-session') this.setCookie = stickySetCookie(upstream.cookieId, this.route)
    if (choice.pin === 'connection' && this.port.affinity.socket !== undefined) pinConnection(this.port.affinity.socket, upstream.id)
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
    // this one is shorter the exchange keeps its own timer and abandons the attempt itself.
    const remaining = Math.max(1, Math.floor(this.deadlineAt - performance.now()))
    const perTry = this.retryPolicy.perTryTimeoutMs
    this.attempts++
    this.tried.add(upstream.id)
    // a per-try timeout only when another clerk could take the request after it (a single clerk
    // keeps the whole deadline, as without one)
    const attemptMs = perTry !== null && perTry < remaining && this.anotherAttemptPossible() ? perTry : remaining
    this.current = upstream
    upstream.inFlight++
    this.clearAttemptTimer()
    if (attemptMs < this.deps.upstreamTimeoutMs) this.armDeadline(attemptMs, attemptMs < remaining ? 'PROXY_PER_TRY_TIMEOUT' : 'PROXY_UPSTREAM_TIMEOUT')
    // The attempt's deadline, told to the clerk: a clerk that gets the request late (it was
    // SIGSTOPped, or starved), or whose attempt was abandoned at its per-try timeout, must not
    // charge a payment after the proxy stopped waiting for it. The clerk hands it to the ledger,
    // whose script refuses a charge past it (ledger.ts).
    this.attempt = this.port.send(upstream, Date.now() + attemptMs, this)
  }

  /**
   * The attempt's own timer fired: abort it (no engine callback follows) and treat it as its
   * failure. A per-try timeout with no clerk left to try (a single clerk, every one tried, or the
   * route's attempts spent) abandons nothing: the attempt keeps the rest of the request's deadline.
   */
  private abandonAttempt(code: 'PROXY_PER_TRY_TIMEOUT' | 'PROXY_UPSTREAM_TIMEOUT'): void {
    if (this.finished || this.current === undefined) return
    if (code === 'PROXY_PER_TRY_TIMEOUT' && !this.anotherAttemptPossible()) {
      this.armDeadline(Math.max(1, Math.floor(this.deadlineAt - performance.now())), 'PROXY_UPSTREAM_TIMEOUT')
      return
    }
    this.attempt?.abort()
    this.onError(new EngineError(code, code === 'PROXY_PER_TRY_TIMEOUT' ? "the route's per-try timeout passed" : "the request's deadline passed"), true)
  }

  onResponse(statusCode: number, answer: A, body: Buffer): void {
    const upstream = this.current
    if (this.finished || upstream === undefined) return
    this.clearAttemptTimer()
    // a clerk shutting down turned the request away: another clerk may take it; if none can,
    // the customer gets the clerk's own 503
    const refusal = statusCode === 503 && this.port.closes(answer) ? closingFailure(upstream.id) : undefined
    if (refusal !== undefined && this.retryElsewhere(upstream, refusal)) return
    // an answer the route retries (retryOnStatuses), when repeating is harmless and a clerk is left
    if (refusal === undefined && this.retryPolicy.retryOnStatuses.includes(statusCode) && this.retryAnswer(upstream, statusCode)) return
    this.release()
    this.finished = true
    if (this.setCookie !== undefined) this.deps.counters.pinned(upstream)
    // a refusal passed through was already counted as a failed attempt
    if (refusal === undefined) this.deps.counters.answered(upstream, statusCode, (performance.now() - this.startedAt) / 1000)
    this.deps.counters.outcome(this.route, this.port.path, statusCode, body)
    this.port.answer(statusCode, answer, body, this)
  }

  /** an event stream (engine.ts: onStream): its headers now, each chunk as it comes, unbuffered */
  onStream(statusCode: number, answer: A): StreamSink {
    const upstream = this.current
    const ignore: StreamSink = { data() {}, end() {}, broke() {} }
    if (this.finished || upstream === undefined) return ignore
    this.finished = true
    this.streaming = true
    upstream.openStreams++
    if (this.setCookie !== undefined) this.deps.counters.pinned(upstream)
    // its duration is the time to the first byte: a stream may then last minutes
    this.deps.counters.answered(upstream, statusCode, (performance.now() - this.startedAt) / 1000)
    const customer = this.port.stream(statusCode, answer, this)
    // the clerk stays counted in flight while its stream is open (a drained clerk keeps it)
    const stop = (): void => {
      if (!this.streaming) return
      this.stopStreaming()
      this.release()
    }
    return {
      data: (chunk) => {
        if (this.streaming) customer.write(chunk)
      },
      end: () => {
        if (!this.streaming) return
        stop()
        customer.end()
      },
      // a clerk that died mid-stream: the customer's stream ends at once (an SSE client sees the
      // cut and may resume elsewhere with Last-Event-ID), never a hang
      broke: () => {
        if (!this.streaming) return
        stop()
        customer.destroy()
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
      { attempt: this.attempts, failure, method: this.port.method, hasIdempotencyKey: this.hasIdempotencyKey, remainingMs: this.deadlineAt - performance.now() },
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
    const question = {
      attempt: this.attempts,
      failure: PER_TRY_TIMEOUT,
      method: this.port.method,
      hasIdempotencyKey: this.hasIdempotencyKey,
      remainingMs: this.deadlineAt - performance.now(),
    }
    if (!decideRetry(question, this.retryPolicy).retry) return false
    return canChoose(this.policy, this.deps.view.upstreams, this.port.affinity, this.tried)
  }

  /**
   * An answer with a status the route retries: counted as answered, then sent again when allowed:
   * to another clerk, or (`retryStatusesOn: same-clerk`) back to the clerk that answered, which
   * holds the dialogue, after a pause that grows with each attempt (its Redis, say, gets a moment
   * to answer again), and only while it is in rotation and the deadline leaves room for the pause.
   */
  private retryAnswer(upstream: Upstream, statusCode: number): boolean {
    const decision = decideRetry(
      { attempt: this.attempts, status: statusCode, method: this.port.method, hasIdempotencyKey: this.hasIdempotencyKey, remainingMs: this.deadlineAt - performance.now() },
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
    this.attempt = undefined
    this.pauseTimer = setTimeout(() => {
      this.pauseTimer = undefined
      if (!this.finished) this.send(next)
    }, pauseMs)
    return true
  }

  private fail(error: ProxyErrorLike, reason: string, clerk?: string): void {
    if (this.finished) return
    this.finished = true
    this.deps.counters.outcome(this.route, this.port.path, error.statusCode ?? 502)
    this.port.fail(error, clerk === undefined ? { reason } : { reason, clerk }, this)
  }
}

/**
 * The clerks a request was sent to, by id. Nearly every request is sent once, and the exchange
 * makes one of these per request: a field for the first, an array only for a retry's.
 */
class ClerksTried implements TriedClerks {
  private first: string | undefined
  private more: string[] | undefined

  add(id: string): void {
    if (this.first === undefined) this.first = id
    else if (!this.has(id)) (this.more ??= []).push(id)
  }

  has(id: string): boolean {
    return id === this.first || (this.more !== undefined && this.more.includes(id))
  }
}

function describeNoUpstream(upstreams: readonly Upstream[]): string {
  const down = upstreams.filter((u) => !u.healthy).length
  const drained = upstreams.filter((u) => u.healthy && u.drained).length
  return `${upstreams.length} clerk(s): ${down} down, ${drained} drained`
}
