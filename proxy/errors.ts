import type { ServerResponse } from 'node:http'
import { defineErrors, type ErrorBody, type ErrorLike } from '../services/common/error-registry.js'

export type { ErrorBody }

/**
 * The proxy's one error registry, in the registry shape of every part
 * (services/common/error-registry.ts). Every error the proxy itself answers (as opposed to a
 * clerk's answer it passes through) is one of these, with a stable code, a status and a short
 * `error` name that clients and the load test match on (docs/contract.md).
 *
 * @example
 *   sendError(res, new ProxyErrors.PROXY_ERR_NO_UPSTREAM(), { reason: 'every clerk is down' })
 */
export const proxyErrors = defineErrors(
  {
    PROXY_ERR_BAD_GATEWAY: ['bad_gateway', 'The clerk broke off or answered something that is not HTTP: %s', 502],
    PROXY_ERR_GATEWAY_TIMEOUT: ['gateway_timeout', 'The clerk did not answer in time: %s', 504],
    PROXY_ERR_NO_UPSTREAM: ['no_upstream', 'No healthy clerk can take this request: %s', 503],
    PROXY_ERR_OVERLOADED: ['overloaded', 'The proxy is at one of its limits (%s): try again in a moment', 503],
    PROXY_ERR_BODY_TOO_LARGE: ['body_too_large', 'The request body is over the %s byte cap the proxy buffers for replay', 413],
    PROXY_ERR_NOT_FOUND: ['not_found', '%s', 404],
    PROXY_ERR_UNAUTHORIZED: ['unauthorized', '%s', 401],
    PROXY_ERR_CROSS_SITE: ['cross_site_request', '%s', 403],
    PROXY_ERR_BAD_REQUEST: ['bad_request', '%s', 400],
    PROXY_ERR_METHOD_NOT_ALLOWED: ['method_not_allowed', '%s', 405],
    PROXY_ERR_CONFLICT: ['conflict', '%s', 409],
    PROXY_ERR_REQUEST_TIMEOUT: ['request_timeout', '%s', 408],
    PROXY_ERR_EXPECTATION_FAILED: ['expectation_failed', '%s', 417],
    PROXY_ERR_HEADERS_TOO_LARGE: ['headers_too_large', '%s', 431],
    PROXY_ERR_INTERNAL: ['internal_error', 'The proxy failed on this request: %s', 500],
  },
  { internal: 'PROXY_ERR_INTERNAL' },
)

/** the constructors by code (`new ProxyErrors.PROXY_ERR_NOT_FOUND('No such clerk')`) */
export const ProxyErrors = proxyErrors.errors
export type ProxyErrorCode = (typeof proxyErrors.codes)[number]

/** `Retry-After` for a refusal at one of the proxy's limits: a second is enough for most to clear */
export const RETRY_SOON: Readonly<Record<string, string>> = Object.freeze({ 'retry-after': '1' })

/**
 * The 503 for a refusal at one of the proxy's own limits (connections, buffered bodies, event
 * subscribers), naming which; sent with RETRY_SOON.
 *
 * @example
 *   sendError(res, overloaded('PROXY_CLIENT_CONNECTIONS connections are open'), {}, { ...RETRY_SOON, connection: 'close' })
 */
export function overloaded(which: string): ProxyErrorLike {
  return new ProxyErrors.PROXY_ERR_OVERLOADED(which)
}

/** an error of the registry, or anything shaped like one */
export type ProxyErrorLike = ErrorLike

/** the wire body of `err` (the registry's one body builder) */
export const errorBody = proxyErrors.body

/**
 * Ends `res` with the JSON body of `err`, unless the response is already under way (then the only
 * honest thing left is to cut the connection so the client sees a broken answer, never a hang).
 */
export function sendError(res: ServerResponse, err: ProxyErrorLike, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  // ends in a newline, so a curl prompt starts on its own line
  const body = `${JSON.stringify(errorBody(err, extra))}\n`
  res.writeHead(err.statusCode ?? 500, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
}
