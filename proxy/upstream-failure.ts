import { ProxyErrors, type ProxyErrorLike } from './errors.js'

/**
 * THE one place where what went wrong between the proxy and a clerk becomes (a) a kind the retry
 * rules understand, (b) whether the request may have reached the clerk, and (c) the status the
 * customer sees. Both engines report raw errors here; nothing else maps socket errors.
 */
export type FailureKind =
  /** the clerk's port refused the connection: nothing was sent */
  | 'refused'
  /** the TCP connect did not finish in time: nothing was sent */
  | 'connect_timeout'
  /** the connection broke before any byte of the request was written */
  | 'reset_before_send'
  /** no answer (headers or body) before PROXY_UPSTREAM_TIMEOUT_MS */
  | 'timeout'
  /** the connection broke after the request was (maybe) written, before a whole answer came back */
  | 'reset'
  /** the clerk answered something that is not valid HTTP */
  | 'bad_response'
  /** the answer was larger than the proxy buffers */
  | 'response_too_large'
  /** the clerk answered 503 and closed the connection: it is shutting down and did not take the request */
  | 'closing'
  /**
   * the engine refused to send the request as the customer wrote it (a header or a path it cannot
   * write): nothing was sent, and it says nothing about the clerk. The customer gets a 400; the
   * request is neither retried nor counted against any clerk.
   */
  | 'unforwardable'

export interface UpstreamFailure {
  kind: FailureKind
  /** false only when we know the clerk cannot have seen the request */
  mayHaveBeenSent: boolean
  /** the raw code (ECONNREFUSED, UND_ERR_SOCKET, HPE_INVALID_CONSTANT, ...) for logs and events, never for the customer */
  code: string
  /** a sentence for the JSON body, in plain words (no internal code) */
  reason: string
}

const NEVER_SENT: ReadonlySet<FailureKind> = new Set(['refused', 'connect_timeout', 'reset_before_send', 'closing', 'unforwardable'])

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
const TOO_LARGE_CODES = new Set(['PROXY_RESPONSE_TOO_LARGE'])

/**
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
  else if (TOO_LARGE_CODES.has(code)) kind = 'response_too_large'
  else if (code.startsWith('HPE_') || code === 'UND_ERR_INFO' || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') kind = 'bad_response'
  else kind = written ? 'reset' : 'reset_before_send'
  const mayHaveBeenSent = !NEVER_SENT.has(kind)
  return { kind, mayHaveBeenSent, code, reason: describe(kind, clerk, code, err) }
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

// Customer-facing sentences in plain words: the engine's internal code (ECONNREFUSED,
// UND_ERR_SOCKET, HPE_INVALID_CONSTANT, ...) stays in `code`, for logs, events and metrics only.
function describe(kind: FailureKind, clerk: string, code: string, err: unknown): string {
  switch (kind) {
    case 'unforwardable':
      return `the proxy cannot forward this request as it was sent: ${unforwardableDetail(code, err)}`
    case 'refused':
      return `${clerk} refused the connection`
    case 'connect_timeout':
      return `${clerk} did not accept the connection in time`
    case 'reset_before_send':
      return `the connection to ${clerk} broke before the request was written`
    case 'timeout':
      return `${clerk} did not answer in time`
    case 'reset':
      return `the connection to ${clerk} broke before a whole answer came back`
    case 'bad_response':
      return `${clerk} answered something that is not valid HTTP`
    case 'response_too_large':
      return `${clerk}'s answer is larger than the proxy buffers`
    case 'closing':
      return `${clerk} is shutting down and turned the request away`
  }
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
  switch (failure.kind) {
    case 'unforwardable':
      return new ProxyErrors.PROXY_ERR_BAD_REQUEST(failure.reason.charAt(0).toUpperCase() + failure.reason.slice(1))
    case 'timeout':
    case 'connect_timeout':
      return new ProxyErrors.PROXY_ERR_GATEWAY_TIMEOUT(failure.reason)
    case 'refused':
    case 'closing':
      // every clerk we could try refused: none is there to take it
      return new ProxyErrors.PROXY_ERR_NO_UPSTREAM(failure.reason)
    default:
      return new ProxyErrors.PROXY_ERR_BAD_GATEWAY(failure.reason)
  }
}

/**
 * A clerk that is shutting down answers new requests `503` with `Connection: close` before it
 * does anything with them (docs/contract.md: shutting_down). That answer is a refusal, like a
 * refused connection, so it may go to another clerk.
 */
export function isClosingRefusal(statusCode: number, rawHeaders: readonly string[]): UpstreamFailure | undefined {
  if (statusCode !== 503) return undefined
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string
    if (name.length === 10 && name.toLowerCase() === 'connection' && /close/i.test(rawHeaders[i + 1] as string)) {
      return { kind: 'closing', mayHaveBeenSent: false, code: 'HTTP_503_CLOSE', reason: '' }
    }
  }
  return undefined
}

/** The short label used in proxy_errors_total{reason} and in events. */
export function failureLabel(failure: UpstreamFailure): string {
  return failure.kind
}
