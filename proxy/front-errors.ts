import { STATUS_CODES, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { ProxyErrors, errorBody, type ErrorBody } from './errors.js'

/**
 * The error bodies the HTTP front answers itself, before or instead of a normal request (bad HTTP,
 * CONNECT, upgrades, Expect, a missing Host), in the registry's shape
 * {"error","code","statusCode","message"}, and the two ways of sending one: on a ServerResponse,
 * or as raw bytes on a socket that node:http has given up on (a parser error, CONNECT, upgrade).
 *
 * @example
 *   answerOnSocket(socket, frontError('PROXY_ERR_HEADERS_TOO_LARGE', 'The request headers are over 16 KiB'))
 *   // HTTP/1.1 431 Request Header Fields Too Large ... {"error":"headers_too_large",...}
 */

export type FrontErrorCode = 'PROXY_ERR_BAD_REQUEST' | 'PROXY_ERR_HEADERS_TOO_LARGE' | 'PROXY_ERR_EXPECTATION_FAILED' | 'PROXY_ERR_REQUEST_TIMEOUT'

/** the JSON body for one of the front's codes; `message` is the whole sentence */
export function frontError(code: FrontErrorCode, message: string): ErrorBody {
  return errorBody(new ProxyErrors[code](message))
}

/** 413 body_too_large for a body announced over `capBytes` (the registry's own message) */
export function bodyTooLarge(capBytes: number): ErrorBody {
  return errorBody(new ProxyErrors.PROXY_ERR_BODY_TOO_LARGE(capBytes))
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

/**
 * Answers `body` on a response and closes the connection after it: whatever the client sends next
 * on it (a body it was not asked for, after a refused Expect) must not be read as a request.
 */
export function answerAndClose(res: ServerResponse, body: ErrorBody): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const json = JSON.stringify(body)
  res.writeHead(body.statusCode, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
    connection: 'close',
  })
  res.end(json)
}
