import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'

/**
 * The one way a JSON error is written straight on a socket, as a whole HTTP/1.1 response that
 * closes the connection: for a request node's parser gave up on (the clerk's and the proxy's
 * 'clientError' handlers), and for a socket node:http handed over (the proxy's CONNECT and
 * upgrade refusals). Header names are written in lower case, as node writes the services' other
 * answers (HTTP/1.1 header names are case-insensitive, RFC 9110 §5.1).
 *
 * @example
 *   Fastify({ clientErrorHandler: answerClientErrors((err) => ({ body: bodyFor(err), headers: { 'x-clerk': 'clerk-a' } })) })
 *   // "GARBAGE\r\n\r\n" → HTTP/1.1 400 Bad Request … connection: close … {"error":"bad_request",…}
 */

/** what node:http passes to 'clientError': a parser error (HPE_*, with rawPacket), a timeout or a socket error */
export type ClientError = Error & { code?: string; reason?: string; rawPacket?: unknown }

/** a JSON error body: the registry's (services/common/error-registry.ts), whose statusCode is the status */
export interface SocketAnswerBody {
  readonly statusCode: number
}

export interface SocketAnswer {
  body: SocketAnswerBody
  /** more header lines, between content-length and connection (e.g. x-clerk) */
  headers?: Readonly<Record<string, string>>
}

/** the whole response, head and JSON body, ending with `connection: close` */
export function socketAnswer({ body, headers = {} }: SocketAnswer): string {
  const json = JSON.stringify(body)
  const lines = [
    `HTTP/1.1 ${body.statusCode} ${STATUS_CODES[body.statusCode] ?? 'Error'}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(json)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    'connection: close',
  ]
  return `${lines.join('\r\n')}\r\n\r\n${json}`
}

/**
 * Writes the answer on a socket node:http no longer manages, then closes it. The socket may be
 * reset by the client meanwhile: without an 'error' listener that reset would be an uncaught
 * exception (node removes its own listener from a CONNECT or upgraded socket).
 */
export function answerOnSocket(socket: Duplex, answer: SocketAnswer): void {
  socket.on('error', () => socket.destroy())
  if (!socket.writable) {
    socket.destroy()
    return
  }
  socket.end(socketAnswer(answer), () => socket.destroy())
}

/**
 * Whether node:http has started a response on this socket (keep-alive: at most one is writing at
 * a time). A 'clientError' handler must not write a whole answer of its own into the middle of
 * one, which would corrupt what the client reads; node's own handler follows the same rule.
 */
export function responseStarted(socket: Duplex): boolean {
  const current = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage
  return current?.headersSent === true
}

/**
 * A 'clientError' handler (node:http's event, Fastify's clientErrorHandler option): a request
 * node's parser refused (HPE_*) or that did not arrive in time (ERR_HTTP_REQUEST_TIMEOUT) gets
 * the answer `answerOf` builds and a closed connection (the parser cannot carry on after an
 * error), never a crash and never node's bare 400. Everything else only destroys the socket: a
 * socket error (the client reset or left: nobody to answer), and a connection on which a
 * response has already started.
 */
export function answerClientErrors(answerOf: (err: ClientError) => SocketAnswer): (err: ClientError, socket: Duplex) => void {
  return (err, socket) => {
    const httpProblem = err.code?.startsWith('HPE_') === true || err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
    if (!httpProblem || socket.destroyed || !socket.writable || responseStarted(socket)) {
      socket.destroy()
      return
    }
    answerOnSocket(socket, answerOf(err))
  }
}
