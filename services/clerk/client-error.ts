import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import { responseStarted } from '../common/response-started.js'
import { clerkError, clerkErrors, type ClerkErrorCode } from './errors.js'

/**
 * Fastify's `clientErrorHandler`: answers what Node's HTTP parser refuses (a garbage request line,
 * both Transfer-Encoding and Content-Length, headers over the limit, a request that never finishes
 * arriving) in the contract's error shape, with X-Clerk, then closes the connection (the parser
 * cannot carry on after an error). Fastify's own handler answers `{"error":"Bad Request",
 * "message":"Client Error"}` without X-Clerk, which a client or the proxy cannot tell from another
 * server's answer.
 *
 * @example
 *   Fastify({ clientErrorHandler: clientErrorHandler('clerk-a') })
 *   // "GARBAGE\r\n\r\n" → 400 {"error":"bad_request","code":"CLERK_ERR_BAD_REQUEST",…,"clerk":"clerk-a"}
 */
export function clientErrorHandler(clerkId: string): (err: Error & { code?: string }, socket: Socket) => void {
  return (err, socket) => {
    // the client is gone: nothing to answer
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || socket.destroyed) {
      socket.destroy()
      return
    }
    if (socket.writable && !responseStarted(socket)) {
      socket.end(clientErrorResponse(codeFor(err.code), clerkId), () => socket.destroy())
    } else {
      socket.destroy()
    }
  }
}

export function codeFor(parserCode: string | undefined): ClerkErrorCode {
  if (parserCode === 'HPE_HEADER_OVERFLOW') return 'CLERK_ERR_HEADERS_TOO_LARGE'
  if (parserCode === 'ERR_HTTP_REQUEST_TIMEOUT') return 'CLERK_ERR_REQUEST_TIMEOUT'
  return 'CLERK_ERR_BAD_REQUEST'
}

/** the whole HTTP/1.1 response, head and JSON body, for one registry code */
export function clientErrorResponse(code: ClerkErrorCode, clerkId: string): string {
  const err = clerkError(code)
  const { statusCode } = err
  const body = JSON.stringify(clerkErrors.body(err, { clerk: clerkId }))
  return (
    `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? 'Error'}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    `X-Clerk: ${clerkId}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  )
}
