import { answerClientErrors, type ClientError } from '../../services/common/socket-answer.js'
import { ProxyErrors, errorBody, type ErrorBody } from '../errors.js'

export type { ClientError }

// What each llhttp code means for the customer, in words; anything else falls back to the
// parser's own `reason`. The code itself is always appended, so a client can search for it.
const PROBLEMS: Readonly<Record<string, string>> = {
  HPE_INVALID_CONTENT_LENGTH: 'the Content-Length is not a whole number',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'Content-Length appears twice, or next to Transfer-Encoding',
  HPE_INVALID_TRANSFER_ENCODING: 'Transfer-Encoding comes with a Content-Length, or does not end with chunked',
  HPE_INVALID_CHUNK_SIZE: 'a chunk size is not a hexadecimal number',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 'the chunk extensions are too long',
  HPE_INVALID_METHOD: 'the method is not one HTTP knows',
  HPE_INVALID_VERSION: 'the version is not HTTP/1.0 or HTTP/1.1',
  HPE_INVALID_CONSTANT: 'the request line is not "METHOD /path HTTP/1.1" (a space in the path?)',
  HPE_INVALID_URL: 'the request target has characters a URL may not have',
  HPE_INVALID_HEADER_TOKEN: 'a header name or value has characters HTTP does not allow',
  HPE_LF_EXPECTED: 'a line does not end with CRLF',
  HPE_CR_EXPECTED: 'a line does not end with CRLF',
  HPE_PAUSED_H2_UPGRADE: 'it starts with the HTTP/2 preface (PRI * HTTP/2.0); the proxy speaks HTTP/1.1 only',
}

/** the answer for a request node's parser refused, or for one that did not arrive in time */
export function clientErrorBody(err: ClientError, requestTimeoutMs?: number): ErrorBody {
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    return frontError('PROXY_ERR_HEADERS_TOO_LARGE', 'The request headers are over the 16 KiB the proxy reads (HPE_HEADER_OVERFLOW)')
  }
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    const within = requestTimeoutMs === undefined ? 'in time' : `within ${requestTimeoutMs / 1000} s (PROXY_REQUEST_TIMEOUT_MS)`
    return frontError('PROXY_ERR_REQUEST_TIMEOUT', `The request, headers and body, did not arrive ${within} (ERR_HTTP_REQUEST_TIMEOUT)`)
  }
  const what = PROBLEMS[err.code ?? ''] ?? (err.reason ?? err.message).toLowerCase()
  return frontError('PROXY_ERR_BAD_REQUEST', `The request is not valid HTTP/1.1: ${what} (${err.code ?? 'no code'})`)
}

/**
 * The server's 'clientError' handler: a request node's parser refuses gets a JSON answer and a
 * closed connection, never a crash and never node's bare 400 (the rule and the writing:
 * services/common/socket-answer.ts, shared with the clerk). `onAnswered` hears the status, for
 * the counters.
 *
 * @example
 *   server.on('clientError', clientErrorHandler((status) => recorder.unrouted(status)))
 *   // "POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n" → 400 {"error":"bad_request","code":"PROXY_ERR_BAD_REQUEST",…}
 */
export function clientErrorHandler(onAnswered: (status: number) => void = () => {}, requestTimeoutMs?: number): ReturnType<typeof answerClientErrors> {
  return answerClientErrors((err) => {
    const body = clientErrorBody(err, requestTimeoutMs)
    onAnswered(body.statusCode)
    return { body }
  })
}

/**
 * The error bodies the HTTP front writes raw, on a socket node:http has given up on (a parser
 * error, CONNECT, an upgrade), in the registry's shape {"error","code","statusCode","message"};
 * services/common/socket-answer.ts writes them. On a ServerResponse the front uses errors.ts's
 * sendError like everything else.
 *
 * @example
 *   answerOnSocket(socket, { body: frontError('PROXY_ERR_HEADERS_TOO_LARGE', 'The request headers are over 16 KiB') })
 *   // HTTP/1.1 431 Request Header Fields Too Large ... {"error":"headers_too_large",...}
 */

export type FrontErrorCode = 'PROXY_ERR_BAD_REQUEST' | 'PROXY_ERR_HEADERS_TOO_LARGE' | 'PROXY_ERR_REQUEST_TIMEOUT'

/** the JSON body for one of the front's codes; `message` is the whole sentence */
export function frontError(code: FrontErrorCode, message: string): ErrorBody {
  return errorBody(new ProxyErrors[code](message))
}
