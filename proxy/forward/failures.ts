import { ProxyErrors, type ProxyErrorLike } from '../errors.js'
import type { RetryCondition } from './route-table.js'

/**
 * THE failure table: every way an attempt on a clerk can fail, and everything that follows from
 * it, in one row. The engines report raw errors; classifyFailure() names the row; the readers
 * only look rows up:
 *
 * - the retry rules (retry-rules.ts) read `retry`, and `retryOn`: the route table's word for the
 *   row (route-table.ts), so a route says which of these failures it retries;
 * - passive health (state/health.ts), and a cluster worker's replica (cluster/worker.ts), read
 *   `ejectAtOnce` and `countsTowardsFall`;
 * - the forwarder reads `fault` (a customer's fault is counted against no clerk) and `answer`;
 * - the counters and /metrics label a failed attempt with its kind (proxy_errors_total{reason}).
 *
 * test/unit/proxy/forward/failure-table.test.ts states each row in words and checks that every
 * reader agrees with it.
 */
export interface FailureMeaning {
  /**
   * whose fault it is: a clerk's failure is evidence about that clerk (its health, its counters);
   * a customer's (a request no engine will write as it was sent) says nothing about any clerk
   */
  readonly fault: 'clerk' | 'customer'
  /** the clerk cannot have seen the request */
  readonly neverSent: boolean
  /** passive health: the clerk is ejected at once, without waiting for PROXY_HEALTH_FALL */
  readonly ejectAtOnce: boolean
  /** passive health: counts like a failed check towards PROXY_HEALTH_FALL */
  readonly countsTowardsFall: boolean
  readonly retry: RetryRule
  /** a `when-repeatable` row: the condition a route's `retryOn` names to retry it (route-table.ts) */
  readonly retryOn?: RetryCondition
  /** the customer's answer when no retry follows; `reason` is the row's sentence (`says`) */
  readonly answer: (reason: string) => ProxyErrorLike
  /**
   * the sentence for the answer's `reason`, in plain words. The engine's internal code
   * (ECONNREFUSED, UND_ERR_SOCKET, HPE_INVALID_CONSTANT, ...) stays in `code`, for the log line,
   * the health event and the metrics only.
   */
  readonly says: (clerk: string, code: string, err: unknown) => string
}

/**
 * - `whatever-the-method`: nothing reached a clerk, so any request may go to another one.
 * - `when-repeatable`: the clerk may have acted on it, so only a request that is harmless to
 *   repeat: an idempotent method (RFC 9110 §9.2.2), one with an Idempotency-Key (the clerks'
 *   ledger turns a repeated pay with the same key into the same order), or one on a route that is
 *   idempotent by design (route-table.ts), and only when its route retries on the row's `retryOn`.
 * - `never`: a timeout (the customer already waited PROXY_UPSTREAM_TIMEOUT_MS, a second wait doubles
 *   it), an answer too large to buffer (it would be as large on any clerk), or the customer's own
 *   fault (every clerk would refuse it alike).
 */
export type RetryRule = 'whatever-the-method' | 'when-repeatable' | 'never'

const noUpstream = (reason: string): ProxyErrorLike => new ProxyErrors.PROXY_ERR_NO_UPSTREAM(reason)
const gatewayTimeout = (reason: string): ProxyErrorLike => new ProxyErrors.PROXY_ERR_GATEWAY_TIMEOUT(reason)
const badGateway = (reason: string): ProxyErrorLike => new ProxyErrors.PROXY_ERR_BAD_GATEWAY(reason)
// bad_request's message is the sentence itself, so it starts with a capital
const badRequest = (reason: string): ProxyErrorLike => new ProxyErrors.PROXY_ERR_BAD_REQUEST(reason.charAt(0).toUpperCase() + reason.slice(1))

export const FAILURES = Object.freeze({
  /** the clerk's port refused the connection */
  refused: {
    fault: 'clerk',
    neverSent: true,
    ejectAtOnce: true,
    countsTowardsFall: false,
    retry: 'whatever-the-method',
    // every clerk we could try refused: none is there to take it
    answer: noUpstream,
    says: (clerk) => `${clerk} refused the connection`,
  },
  /** the TCP connect did not finish within PROXY_CONNECT_TIMEOUT_MS */
  connect_timeout: {
    fault: 'clerk',
    neverSent: true,
    ejectAtOnce: true,
    countsTowardsFall: false,
    retry: 'whatever-the-method',
    answer: gatewayTimeout,
    says: (clerk) => `${clerk} did not accept the connection in time`,
  },
  /** the connection broke before any byte of the request was written */
  reset_before_send: {
    fault: 'clerk',
    neverSent: true,
    ejectAtOnce: true,
    countsTowardsFall: false,
    retry: 'whatever-the-method',
    answer: badGateway,
    says: (clerk) => `the connection to ${clerk} broke before the request was written`,
  },
  /**
   * the clerk answered 503 with Connection: close before doing anything with the request: it is
   * shutting down (docs/contract.md: shutting_down), a refusal like a refused connection
   */
  closing: {
    fault: 'clerk',
    neverSent: true,
    ejectAtOnce: true,
    countsTowardsFall: false,
    retry: 'whatever-the-method',
    answer: noUpstream,
    says: (clerk) => `${clerk} is shutting down and turned the request away`,
  },
  /**
   * the attempt took its route's per-try timeout (route-table.ts) with time left before the
   * request's deadline and another clerk to try: abandoned, and its X-Request-Deadline passed, so
   * a clerk that wakes up later charges nothing for it. Not counted towards PROXY_HEALTH_FALL: a
   * second is slow, not broken, and on an overloaded machine every clerk is that slow (counting
   * it ejected healthy clerks one after another, into 503 no_upstream); a hung clerk fails its
   * /readyz checks and the active checks eject it
   */
  per_try_timeout: {
    fault: 'clerk',
    neverSent: false,
    ejectAtOnce: false,
    countsTowardsFall: false,
    retry: 'when-repeatable',
    retryOn: 'per-try-timeout',
    answer: gatewayTimeout,
    says: (clerk) => `${clerk} did not answer within the route's per-try timeout`,
  },
  /** no whole answer (headers and body) within the request's deadline (PROXY_UPSTREAM_TIMEOUT_MS, or its route's) */
  timeout: {
    fault: 'clerk',
    neverSent: false,
    ejectAtOnce: false,
    countsTowardsFall: true,
    retry: 'never',
    answer: gatewayTimeout,
    says: (clerk) => `${clerk} did not answer in time`,
  },
  /** the connection broke after the request was (maybe) written, before a whole answer came back */
  reset: {
    fault: 'clerk',
    neverSent: false,
    ejectAtOnce: false,
    countsTowardsFall: true,
    retry: 'when-repeatable',
    retryOn: 'reset',
    answer: badGateway,
    says: (clerk) => `the connection to ${clerk} broke before a whole answer came back`,
  },
  /** the clerk answered something that is not valid HTTP */
  bad_response: {
    fault: 'clerk',
    neverSent: false,
    ejectAtOnce: false,
    countsTowardsFall: true,
    retry: 'when-repeatable',
    retryOn: 'bad-response',
    answer: badGateway,
    says: (clerk) => `${clerk} answered something that is not valid HTTP`,
  },
  /** the answer was larger than the proxy buffers (PROXY_RESPONSE_TOO_LARGE): no sign of a sick clerk */
  response_too_large: {
    fault: 'clerk',
    neverSent: false,
    ejectAtOnce: false,
    countsTowardsFall: false,
    retry: 'never',
    answer: badGateway,
    says: (clerk) => `${clerk}'s answer is larger than the proxy buffers`,
  },
  /**
   * the engine refused to send the request as the customer wrote it (a header or a path it cannot
   * write) before a byte went out: the customer's 400, never retried, counted against no clerk
   */
  unforwardable: {
    fault: 'customer',
    neverSent: true,
    ejectAtOnce: false,
    countsTowardsFall: false,
    retry: 'never',
    answer: badRequest,
    says: (_clerk, code, err) => `the proxy cannot forward this request as it was sent: ${unforwardableDetail(code, err)}`,
  },
} as const satisfies Record<string, FailureMeaning>)

export type FailureKind = keyof typeof FAILURES
/** why an attempt was retried: its failure's row, or an answer its route retries (route-table.ts `retryOnStatuses`) */
export type RetryReason = FailureKind | 'retry-on-status'
export const FAILURE_KINDS = Object.freeze(Object.keys(FAILURES)) as readonly FailureKind[]

export interface UpstreamFailure {
  kind: FailureKind
  /** false only when we know the clerk cannot have seen the request (the row's `neverSent`) */
  mayHaveBeenSent: boolean
  /** the raw code (ECONNREFUSED, UND_ERR_SOCKET, HPE_INVALID_CONSTANT, ...) for logs and events, never for the customer */
  code: string
  /** a sentence for the JSON body, in plain words (no internal code) */
  reason: string
}

// What an engine raises about the request's own arguments, before a byte goes out: undici's
// InvalidArgumentError and NotSupportedError (two Host lines, a header name or value it will not
// write, a bad path, Expect), node:http's client checks (the http-proxy engine: a header value
// that is a list where a string must be, a character it will not write, a path with spaces).
const REQUEST_FAULT_CODES = new Set([
  'UND_ERR_INVALID_ARG',
  'UND_ERR_NOT_SUPPORTED',
  'ERR_INVALID_ARG_TYPE',
  'ERR_INVALID_ARG_VALUE',
  'ERR_INVALID_CHAR',
  'ERR_INVALID_HTTP_TOKEN',
  'ERR_HTTP_INVALID_HEADER_VALUE',
  'ERR_UNESCAPED_CHARACTERS',
  'ERR_INVALID_URL',
])

const REFUSED_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN'])
const CONNECT_TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'PROXY_CONNECT_TIMEOUT'])
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'PROXY_UPSTREAM_TIMEOUT', 'ETIMEDOUT'])
const PER_TRY_TIMEOUT_CODES = new Set(['PROXY_PER_TRY_TIMEOUT'])
const TOO_LARGE_CODES = new Set(['PROXY_RESPONSE_TOO_LARGE'])

/**
 * Which row of the table an engine's error is.
 *
 * @param err     what the engine caught
 * @param written whether the engine had started writing the request on a connected socket
 */
export function classifyFailure(err: unknown, written: boolean, clerk: string): UpstreamFailure {
  const code = errorCode(err)
  let kind: FailureKind
  if (REQUEST_FAULT_CODES.has(code)) kind = 'unforwardable'
  else if (REFUSED_CODES.has(code)) kind = 'refused'
  else if (CONNECT_TIMEOUT_CODES.has(code)) kind = 'connect_timeout'
  else if (TIMEOUT_CODES.has(code)) kind = 'timeout'
  else if (PER_TRY_TIMEOUT_CODES.has(code)) kind = 'per_try_timeout'
  else if (TOO_LARGE_CODES.has(code)) kind = 'response_too_large'
  else if (code.startsWith('HPE_') || code === 'UND_ERR_INFO' || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') kind = 'bad_response'
  else kind = written ? 'reset' : 'reset_before_send'
  return failure(kind, code, clerk, err)
}

function failure(kind: FailureKind, code: string, clerk: string, err?: unknown): UpstreamFailure {
  const row: FailureMeaning = FAILURES[kind]
  return { kind, mayHaveBeenSent: !row.neverSent, code, reason: row.says(clerk, code, err) }
}

export function errorCode(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; cause?: { code?: unknown } }
    if (typeof e.code === 'string' && e.code !== 'UND_ERR_SOCKET') return e.code
    // undici wraps "other side closed" as UND_ERR_SOCKET; the cause may say more
    if (e.cause && typeof e.cause.code === 'string') return e.cause.code
    if (typeof e.code === 'string') return e.code
    // undici's parser error carries no code for some refusals (a status line that is not HTTP)
    if ((err as { name?: unknown }).name === 'HTTPParserError') return 'HPE_INVALID_CONSTANT'
  }
  return 'UNKNOWN'
}

// undici's argument errors say what is wrong in plain words ("duplicate host header", "invalid
// x-a header"); node's name internals ('The "options.headers.host" property…'), so they get one
// sentence of ours
function unforwardableDetail(code: string, err: unknown): string {
  const message = err instanceof Error ? err.message : ''
  if ((code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED') && message !== '') return message
  return 'one of its header lines or its path has a form that cannot be written to a clerk'
}

/** The answer the customer gets when this failure is final (no retry left). */
export function failureToError(failure: UpstreamFailure): ProxyErrorLike {
  return FAILURES[failure.kind].answer(failure.reason)
}

/**
 * A clerk that is shutting down answers new requests `503` with `Connection: close` before it
 * does anything with them: the `closing` row, so the request may go to another clerk. The rule
 * the exchange applies (exchange.ts onResponse), on header strings.
 */
export function isClosingRefusal(statusCode: number, rawHeaders: readonly string[], clerk: string): UpstreamFailure | undefined {
  return statusCode === 503 && saysClose(rawHeaders) ? closingFailure(clerk) : undefined
}

/** an answer's Connection line says close (header strings; the fast path reads it on bytes: answer-head.ts) */
export function saysClose(rawHeaders: readonly string[]): boolean {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string
    if (name.length === 10 && name.toLowerCase() === 'connection' && /close/i.test(rawHeaders[i + 1] as string)) return true
  }
  return false
}

/** the `closing` row: a clerk shutting down answered 503 with Connection: close */
export function closingFailure(clerk: string): UpstreamFailure {
  return failure('closing', 'HTTP_503_CLOSE', clerk)
}

/**
 * Passive health from the answers themselves: a clerk that answers 500, 502 or 504 is broken
 * itself, and each such answer counts towards PROXY_HEALTH_FALL like a failed check, so a clerk whose
 * /readyz still says ready but whose dialogue routes fail gets ejected until its checks rise again.
 *
 * 503 is left out on purpose: a clerk answers 503 when Redis is down (shared mode, payments) or
 * while it shuts down. Readiness and the `closing` row handle those; ejecting every clerk for a
 * Redis outage would take stateful and stateless mode down with it.
 *
 * @example
 *   isFailingAnswer(500) // true
 *   isFailingAnswer(503) // false
 */
const FAILING_STATUSES: ReadonlySet<number> = new Set([500, 502, 504])

export function isFailingAnswer(status: number): boolean {
  return FAILING_STATUSES.has(status)
}
