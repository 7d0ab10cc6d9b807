import { answerClientErrors, socketAnswer, type ClientError } from '../common/socket-answer.js'
import { clerkError, clerkErrors, type ClerkErrorCode } from './errors.js'

/**
 * Fastify's `clientErrorHandler`: answers what Node's HTTP parser refuses (a garbage request line,
 * both Transfer-Encoding and Content-Length, headers over the limit, a request that never finishes
 * arriving) in the contract's error shape, with X-Clerk, then closes the connection (the parser
 * cannot carry on after an error). Fastify's own handler answers `{"error":"Bad Request",
 * "message":"Client Error"}` without X-Clerk, which a client or the proxy cannot tell from another
 * server's answer. The socket side is services/common/socket-answer.ts, shared with the proxy.
 *
 * @example
 *   Fastify({ clientErrorHandler: clientErrorHandler('clerk-a') })
 *   // "GARBAGE\r\n\r\n" → 400 {"error":"bad_request","code":"CLERK_ERR_BAD_REQUEST",…,"clerk":"clerk-a"}
 */
export function clientErrorHandler(clerkId: string): ReturnType<typeof answerClientErrors> {
  return answerClientErrors((err: ClientError) => clientErrorAnswer(codeFor(err.code), clerkId))
}

export function codeFor(parserCode: string | undefined): ClerkErrorCode {
  if (parserCode === 'HPE_HEADER_OVERFLOW') return 'CLERK_ERR_HEADERS_TOO_LARGE'
  if (parserCode === 'ERR_HTTP_REQUEST_TIMEOUT') return 'CLERK_ERR_REQUEST_TIMEOUT'
  return 'CLERK_ERR_BAD_REQUEST'
}

function clientErrorAnswer(code: ClerkErrorCode, clerkId: string) {
  return { body: clerkErrors.body(clerkError(code), { clerk: clerkId }), headers: { 'x-clerk': clerkId } }
}

/** the whole HTTP/1.1 response, head and JSON body, for one registry code */
export function clientErrorResponse(code: ClerkErrorCode, clerkId: string): string {
  return socketAnswer(clientErrorAnswer(code, clerkId))
}
