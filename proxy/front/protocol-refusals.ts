import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { answerOnSocket } from '../../services/common/socket-answer.js'
import { ProxyErrors, sendError } from '../errors.js'
import { frontError } from './client-errors.js'

/**
 * HTTP/1.1 features the proxy does not serve, each refused with a JSON answer instead of node's
 * defaults (a silently closed socket for CONNECT, a bare 400 or 417). node:http hands these over
 * through server events rather than the request handler; http-front.ts wires them.
 */

type Count = (status: number) => void
type Handle = (req: IncomingMessage, res: ServerResponse) => void

// each refusal closes the connection: whatever the client sends next on it (a body it was not
// asked for, after a refused Expect) must not be read as a request
const CLOSE = { connection: 'close' }

/**
 * For the server's 'connect' and 'upgrade' events: node has detached the socket from HTTP, so the
 * answer is written on it raw. Without a 'connect' listener node just closes the socket; without
 * an 'upgrade' listener it passes an upgrade to the request handler (see `refuseUpgradeHeader`).
 *
 * @example
 *   server.on('connect', refuseTunnel('CONNECT', count))
 *   // "CONNECT example.com:443 HTTP/1.1" → 400 {"code":"PROXY_ERR_BAD_REQUEST","message":"The proxy does not forward CONNECT"}
 */
export function refuseTunnel(kind: 'CONNECT' | 'upgrade', count: Count): (req: IncomingMessage, socket: Duplex) => void {
  const message = kind === 'CONNECT' ? 'The proxy does not forward CONNECT' : 'The proxy does not forward protocol upgrades'
  return (req, socket) => {
    count(400)
    answerOnSocket(socket, { body: frontError('PROXY_ERR_BAD_REQUEST', `${message} (${req.method ?? '?'} ${req.url ?? ''})`) })
  }
}

/**
 * In the request handler: an `Upgrade` header that node did not treat as an upgrade (no
 * `Connection: upgrade` next to it) is refused the same way. True when it answered.
 */
export function refuseUpgradeHeader(req: IncomingMessage, res: ServerResponse, count: Count): boolean {
  if (req.headers.upgrade === undefined) return false
  count(400)
  sendError(res, new ProxyErrors.PROXY_ERR_BAD_REQUEST('The proxy does not forward protocol upgrades'), {}, CLOSE)
  return true
}

/**
 * RFC 9112 §3.2: a request with more than one Host line, or an HTTP/1.1 request with none, is
 * answered 400 (HTTP/1.0 may omit it). Two Host lines are refused here, before any route, as
 * HAProxy does: node keeps the first, but the engines refuse to forward such a request, and
 * whichever Host a clerk would see, the request is ambiguous. The server is created with
 * `requireHostHeader: false` so the missing-Host answer is JSON, not node's bare 400.
 * True when it answered.
 *
 * @example
 *   // "GET /orders HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" → 400 {"error":"bad_request",…,"message":"The request carries 2 Host headers: …"}
 */
export function refuseBadHost(req: IncomingMessage, res: ServerResponse, count: Count): boolean {
  const hosts = countHostLines(req.rawHeaders)
  if (hosts === 1 || (hosts === 0 && req.httpVersion !== '1.1')) return false
  count(400)
  const message = hosts === 0 ? 'An HTTP/1.1 request must carry a Host header' : `The request carries ${hosts} Host headers: send exactly one`
  sendError(res, new ProxyErrors.PROXY_ERR_BAD_REQUEST(message), {}, CLOSE)
  return true
}

function countHostLines(rawHeaders: readonly string[]): number {
  let n = 0
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string
    if (name.length === 4 && name.toLowerCase() === 'host') n++
  }
  return n
}

/**
 * For 'checkExpectation' (an Expect other than 100-continue): 417, as RFC 9110 §10.1.1 asks, but
 * JSON. The connection closes: the client may send its body anyway, which must not be read as
 * the next request.
 */
export function refuseExpectation(count: Count): Handle {
  return (req, res) => {
    count(417)
    const expect = String(req.headers.expect ?? '').slice(0, 100)
    sendError(res, new ProxyErrors.PROXY_ERR_EXPECTATION_FAILED(`The proxy only meets "Expect: 100-continue", not "${expect}"`), {}, CLOSE)
  }
}

/**
 * For 'checkContinue' (`Expect: 100-continue`): a body announced over the cap is refused with 413
 * at once, without `100 Continue`, so the client never sends it; the connection closes since the
 * client may still send it. Otherwise the client is told to go on and the request is handled
 * exactly as one without Expect (node emits only this event, not 'request', for it).
 *
 * @example
 *   server.on('checkContinue', continueUnderCap(() => 1024 * 1024, handle, count))
 */
export function continueUnderCap(capFor: (req: IncomingMessage) => number, handle: Handle, count: Count): Handle {
  return (req, res) => {
    if (refuseBadHost(req, res, count)) return
    const cap = capFor(req)
    if (Number(req.headers['content-length'] ?? 0) > cap) {
      count(413)
      sendError(res, new ProxyErrors.PROXY_ERR_BODY_TOO_LARGE(cap), {}, CLOSE)
      return
    }
    res.writeContinue()
    handle(req, res)
  }
}
