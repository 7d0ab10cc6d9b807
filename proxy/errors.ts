import createError from '@fastify/error'
import type { ServerResponse } from 'node:http'

/**
 * The proxy's one error registry. Every error the proxy itself answers (as opposed to a clerk's
 * answer it passes through) is one of these, with a stable code, a status and a short `error` name
 * that clients and the load test match on.
 *
 * @example
 *   sendError(res, new ProxyErrors.PROXY_ERR_NO_UPSTREAM(), { reason: 'every clerk is down' })
 */
export const ProxyErrors = {
  PROXY_ERR_BAD_GATEWAY: createError('PROXY_ERR_BAD_GATEWAY', 'The clerk broke off or answered something that is not HTTP: %s', 502),
  PROXY_ERR_GATEWAY_TIMEOUT: createError('PROXY_ERR_GATEWAY_TIMEOUT', 'The clerk did not answer in time: %s', 504),
  PROXY_ERR_NO_UPSTREAM: createError('PROXY_ERR_NO_UPSTREAM', 'No healthy clerk can take this request: %s', 503),
  PROXY_ERR_OVERLOADED: createError('PROXY_ERR_OVERLOADED', 'The proxy is at one of its limits (%s): try again in a moment', 503),
  PROXY_ERR_BODY_TOO_LARGE: createError('PROXY_ERR_BODY_TOO_LARGE', 'The request body is over the %s byte cap the proxy buffers for replay', 413),
  PROXY_ERR_NOT_FOUND: createError('PROXY_ERR_NOT_FOUND', '%s', 404),
  PROXY_ERR_UNAUTHORIZED: createError('PROXY_ERR_UNAUTHORIZED', '%s', 401),
  PROXY_ERR_CROSS_SITE: createError('PROXY_ERR_CROSS_SITE', '%s', 403),
  PROXY_ERR_BAD_REQUEST: createError('PROXY_ERR_BAD_REQUEST', '%s', 400),
  PROXY_ERR_METHOD_NOT_ALLOWED: createError('PROXY_ERR_METHOD_NOT_ALLOWED', '%s', 405),
  PROXY_ERR_REQUEST_TIMEOUT: createError('PROXY_ERR_REQUEST_TIMEOUT', '%s', 408),
  PROXY_ERR_EXPECTATION_FAILED: createError('PROXY_ERR_EXPECTATION_FAILED', '%s', 417),
  PROXY_ERR_HEADERS_TOO_LARGE: createError('PROXY_ERR_HEADERS_TOO_LARGE', '%s', 431),
  PROXY_ERR_INTERNAL: createError('PROXY_ERR_INTERNAL', 'The proxy failed on this request: %s', 500),
} as const

export type ProxyErrorCode = keyof typeof ProxyErrors

/** The short names in the `error` field of a body, one per code (docs/contract.md). */
export const ERROR_NAMES: Readonly<Record<ProxyErrorCode, string>> = Object.freeze({
  PROXY_ERR_BAD_GATEWAY: 'bad_gateway',
  PROXY_ERR_GATEWAY_TIMEOUT: 'gateway_timeout',
  PROXY_ERR_NO_UPSTREAM: 'no_upstream',
  PROXY_ERR_OVERLOADED: 'overloaded',
  PROXY_ERR_BODY_TOO_LARGE: 'body_too_large',
  PROXY_ERR_NOT_FOUND: 'not_found',
  PROXY_ERR_UNAUTHORIZED: 'unauthorized',
  PROXY_ERR_CROSS_SITE: 'cross_site_request',
  PROXY_ERR_BAD_REQUEST: 'bad_request',
  PROXY_ERR_METHOD_NOT_ALLOWED: 'method_not_allowed',
  PROXY_ERR_REQUEST_TIMEOUT: 'request_timeout',
  PROXY_ERR_EXPECTATION_FAILED: 'expectation_failed',
  PROXY_ERR_HEADERS_TOO_LARGE: 'headers_too_large',
  PROXY_ERR_INTERNAL: 'internal_error',
})

/** `Retry-After` for a refusal at one of the proxy's limits: a second is enough for most to clear */
export const RETRY_SOON: Readonly<Record<string, string>> = Object.freeze({ 'retry-after': '1' })

/**
 * The 503 for a refusal at one of the proxy's own limits (connections, buffered bodies, event
 * subscribers), naming which; sent with RETRY_SOON.
 *
 * @example
 *   sendError(res, overloaded('CLIENT_CONNECTIONS connections are open'), {}, { ...RETRY_SOON, connection: 'close' })
 */
export function overloaded(which: string): ProxyErrorLike {
  return new ProxyErrors.PROXY_ERR_OVERLOADED(which)
}

export interface ProxyErrorLike {
  code: string
  statusCode?: number
  message: string
}

export interface ErrorBody {
  error: string
  code: string
  statusCode: number
  message: string
  reason?: string
  [extra: string]: unknown
}

export function errorBody(err: ProxyErrorLike, extra: Record<string, unknown> = {}): ErrorBody {
  const statusCode = err.statusCode ?? 500
  const name = ERROR_NAMES[err.code as ProxyErrorCode] ?? 'internal_error'
  return { error: name, code: err.code, statusCode, message: err.message, ...extra }
}

/**
 * Ends `res` with the JSON body of `err`, unless the response is already under way (then the only
 * honest thing left is to cut the connection so the client sees a broken answer, never a hang).
 */
export function sendError(
  res: ServerResponse,
  err: ProxyErrorLike,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const body = JSON.stringify(errorBody(err, extra))
  res.writeHead(err.statusCode ?? 500, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
}
