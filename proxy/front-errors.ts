import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import { ProxyErrors, errorBody, type ErrorBody } from './errors.js'

/**
 * The error bodies the HTTP front writes raw, on a socket node:http has given up on (a parser
 * error, CONNECT, an upgrade), in the registry's shape {"error","code","statusCode","message"}.
 * On a ServerResponse the front uses errors.ts's sendError like everything else.
 *
 * @example
 *   answerOnSocket(socket, frontError('PROXY_ERR_HEADERS_TOO_LARGE', 'The request headers are over 16 KiB'))
 *   // HTTP/1.1 431 Request Header Fields Too Large ... {"error":"headers_too_large",...}
 */

export type FrontErrorCode = 'PROXY_ERR_BAD_REQUEST' | 'PROXY_ERR_HEADERS_TOO_LARGE' | 'PROXY_ERR_REQUEST_TIMEOUT'

/** the JSON body for one of the front's codes; `message` is the whole sentence */
export function frontError(code: FrontErrorCode, message: string): ErrorBody {
  return errorBody(new ProxyErrors[code](message))
}

/** the whole HTTP/1.1 response, head and body, ending the connection */
export function rawAnswer(body: ErrorBody): string {
  const json = JSON.stringify(body)
  return (
    `HTTP/1.1 ${body.statusCode} ${STATUS_CODES[body.statusCode] ?? 'Error'}\r\n` +
    'content-type: application/json; charset=utf-8\r\n' +
    `content-length: ${Buffer.byteLength(json)}\r\n` +
    'connection: close\r\n\r\n' +
    json
  )
}

/**
 * Writes `body` as a whole response on a socket node:http no longer manages, then closes it. The
 * socket may be reset by the client meanwhile: without an 'error' listener that reset would be
 * an uncaught exception (node removes its own listener from a CONNECT or upgraded socket).
 */
export function answerOnSocket(socket: Duplex, body: ErrorBody): void {
  socket.on('error', () => socket.destroy())
  if (!socket.writable) {
    socket.destroy()
    return
  }
  socket.end(rawAnswer(body), () => socket.destroy())
}
