import { ProxyErrors, errorBody, type ErrorBody } from './errors.js'

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
